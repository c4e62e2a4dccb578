-- One row per work type per asset class per rate period, for the fiscal year as of the as-of
-- date: the city's own standard cost (city-tier work). Reported, never pooled.
with segments as (
    select * from {{ ref('int_asset_work_days_segmented') }}
    where tier = 'city'
        and quantity is not null
        and rate_yuan is not null
),

lines as (
    select
        work_type,
        asset_class,
        rate_valid_from,
        max(unit) as unit,
        rate_yuan,
        count(distinct asset_id) as assets,
        sum(unit_days) as unit_days,
        sum(cost_yuan_days) as cost_yuan_days
    from segments
    group by work_type, asset_class, rate_valid_from, rate_yuan
),

final as (
    select
        {{ run_stamp() }},
        work_type,
        asset_class,
        rate_valid_from,
        unit,
        cast(assets as integer) as assets,
        cast(unit_days as numeric(24, 4)) as unit_days,
        {{ days_in_fiscal_year() }} as days_in_year,
        cast(round(unit_days / {{ days_in_fiscal_year() }}, 6) as numeric(24, 6)) as quantity_unit_years,
        cast(rate_yuan as numeric(18, 2)) as rate_yuan,
        cast(round(cost_yuan_days / {{ days_in_fiscal_year() }}, 2) as numeric(18, 2)) as standard_cost_yuan
    from lines
)

select * from final
