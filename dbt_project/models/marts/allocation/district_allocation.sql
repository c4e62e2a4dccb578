-- One row per district per fiscal year per as-of date: the pool split of
-- int_district_allocations_split (where the rule and the published types live), stamped with the
-- run, and its coverage (total / standard cost, composed here from the two published figures).
-- Columns added later go last: the published table gains them at its end (warehouse migrations).
with allocations as (
    select * from {{ ref('int_district_allocations_split') }}
),

final as (
    select
        {{ run_stamp() }},
        district_code,
        name_zh,
        name_en,
        standard_cost_yuan,
        share,
        base_yuan,
        cases_due,
        cases_on_time,
        assessment_score,
        own_investment_yuan,
        incentive_share_of_pool,
        incentive_yuan,
        total_yuan,
        pool_yuan,
        base_pool_yuan,
        incentive_pool_yuan,
        incentive_share,
        incentive_fell_back,
        incentive_basis,
        -- coverage (足额): how far the district's total funds its standard cost; null when 0
        cast({{ round_ratio_half_up('total_yuan', 'standard_cost_yuan', 6) }} as numeric(12, 6))
            as coverage,
        baseline_standard_cost_yuan,
        devolved_yuan
    from allocations
)

select * from final
