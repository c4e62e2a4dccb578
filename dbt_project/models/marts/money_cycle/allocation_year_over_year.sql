-- One row per district, and one for the city (district_code null), per fiscal year per as-of
-- date: this run against fiscal year Y-1's final plan (else its latest publication)
-- (int_allocation_years_compared, where the rule lives), stamped with the run.
with compared as (
    select * from {{ ref('int_allocation_years_compared') }}
),

final as (
    select
        {{ run_stamp() }},
        district_code,
        comparison,
        previous_as_of_date,
        previous_standard_cost_yuan,
        standard_cost_yuan,
        standard_cost_growth_pct,
        previous_total_yuan,
        total_yuan,
        total_growth_pct,
        previous_pool_yuan,
        pool_yuan,
        pool_growth_pct,
        previous_coverage,
        coverage,
        previous_road_maintenance_unit_years,
        road_maintenance_unit_years,
        previous_bridge_maintenance_unit_years,
        bridge_maintenance_unit_years,
        previous_sweeping_unit_years,
        sweeping_unit_years,
        previous_greening_unit_years,
        greening_unit_years,
        previous_facility_upkeep_unit_years,
        facility_upkeep_unit_years,
        pool_kept_pace,
        baseline_approved,
        previous_run_id
    from compared
)

select * from final
