-- One row per district per fiscal year per as-of date: the change of the district's total against
-- the previous published as-of date of the same fiscal year, with its drivers: quantity (verified
-- unit-years of the district's lines), transfers (decrees touching the district that became
-- known since), rates (standards delivered since), score and pool. Empty for the first
-- publication of a year.
with current_allocation as (
    select * from {{ ref('district_allocation') }}
),

current_lines as (
    select * from {{ ref('district_allocation_lines') }}
),

-- what was published before (a migration creates these tables, empty, before any run)
published_allocation as (
    select * from {{ published(ref('district_allocation')) }}
),

published_lines as (
    select * from {{ published(ref('district_allocation_lines')) }}
),

transfers as (
    select * from {{ ref('stg_asset_transfers__asset_transfers') }}
),

assets as (
    select * from {{ ref('stg_assets__assets') }}
),

standards as (
    select * from {{ ref('stg_unit_cost_standards__unit_cost_standards') }}
),

previous_date as (
    select max(as_of_date) as as_of_date
    from published_allocation
    where fiscal_year = {{ fiscal_year() }}
        and as_of_date < {{ as_of_date() }}
),

previous_allocation as (
    select published.*
    from published_allocation as published
    inner join previous_date
        on previous_date.as_of_date = published.as_of_date
    where published.fiscal_year = {{ fiscal_year() }}
),

previous_quantities as (
    select published.district_code, sum(published.unit_days) as unit_days
    from published_lines as published
    inner join previous_date
        on previous_date.as_of_date = published.as_of_date
    where published.fiscal_year = {{ fiscal_year() }}
    group by published.district_code
),

current_quantities as (
    select district_code, sum(unit_days) as unit_days
    from current_lines
    group by district_code
),

new_transfers as (
    select
        coalesce(transfers.to_district_code, assets.district_code) as district_code,
        count(*) as transfers
    from transfers
    inner join assets
        on assets.asset_id = transfers.asset_id
    cross join previous_date
    where transfers.known_on > previous_date.as_of_date
    group by 1
),

new_rates as (
    select count(*) as standards
    from standards
    cross join previous_date
    where standards.known_on > previous_date.as_of_date
),

final as (
    select
        {{ run_stamp() }},
        current_allocation.district_code,
        previous_date.as_of_date as previous_as_of_date,
        previous_allocation.total_yuan as previous_total_yuan,
        current_allocation.total_yuan,
        {{ to_yuan('current_allocation.total_yuan - previous_allocation.total_yuan') }} as delta_yuan,
        {{ to_yuan('current_allocation.standard_cost_yuan - previous_allocation.standard_cost_yuan') }}
            as standard_cost_delta_yuan,
        cast(
            round((coalesce(current_quantities.unit_days, 0) - coalesce(previous_quantities.unit_days, 0))
                / {{ days_in_fiscal_year() }}, 6)
            as numeric(24, 6)
        ) as quantity_delta_unit_years,
        cast(coalesce(new_transfers.transfers, 0) as integer) as transfers_since_previous,
        cast(new_rates.standards as integer) as rate_standards_since_previous,
        previous_allocation.assessment_score as previous_assessment_score,
        current_allocation.assessment_score,
        previous_allocation.pool_yuan as previous_pool_yuan,
        current_allocation.pool_yuan,
        concat_ws(', ',
            case when coalesce(current_quantities.unit_days, 0) <> coalesce(previous_quantities.unit_days, 0)
                then 'quantity' end,
            case when coalesce(new_transfers.transfers, 0) > 0 then 'transfers' end,
            case when new_rates.standards > 0 then 'rates' end,
            case when current_allocation.assessment_score is distinct from previous_allocation.assessment_score
                then 'score' end,
            case when current_allocation.pool_yuan <> previous_allocation.pool_yuan then 'pool' end
        ) as drivers
    from current_allocation
    cross join previous_date
    cross join new_rates
    inner join previous_allocation
        on previous_allocation.district_code = current_allocation.district_code
    left join current_quantities
        on current_quantities.district_code = current_allocation.district_code
    left join previous_quantities
        on previous_quantities.district_code = current_allocation.district_code
    left join new_transfers
        on new_transfers.district_code = current_allocation.district_code
)

select * from final
