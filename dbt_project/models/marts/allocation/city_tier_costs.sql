-- One row per work type per asset class per rate period, for the fiscal year as of the as-of
-- date: the city's own standard cost (city-tier work). Reported, never pooled.
with lines as (
    select * from {{ ref('int_cost_lines_grouped') }}
    where tier = 'city'
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
        {{ to_yuan('rate_yuan') }} as rate_yuan,
        {{ to_yuan('round(cost_yuan_days / ' ~ days_in_fiscal_year() ~ ', 2)') }} as standard_cost_yuan
    from lines
)

select * from final
