-- One row per district per tier (district or street) per work type per asset class per rate
-- period, for the fiscal year as of the as-of date: the lines that explain a district's standard
-- cost. cost = unit_days x rate / days_in_year exactly; standard_cost_yuan is that cost rounded
-- to the fen by largest remainder within the district, so the lines add up to the district's
-- standard_cost_yuan to the fen.
with lines as (
    select * from {{ ref('int_cost_lines_grouped') }}
    where tier in ('district', 'street')
),

to_round as (
    select
        lines.*,
        lines.cost_yuan_days as num,
        sum(lines.cost_yuan_days) over (partition by lines.district_code) as den,
        round(
            sum(lines.cost_yuan_days) over (partition by lines.district_code) * 100
            / {{ days_in_fiscal_year() }}
        ) as total_fen
    from lines
),

rounded as (
    {{ largest_remainder('to_round', 'district_code', 'tier, work_type, asset_class, rate_valid_from') }}
),

final as (
    select
        {{ run_stamp() }},
        district_code,
        tier,
        work_type,
        asset_class,
        rate_valid_from,
        unit,
        cast(assets as integer) as assets,
        cast(unit_days as numeric(24, 4)) as unit_days,
        {{ days_in_fiscal_year() }} as days_in_year,
        cast(round(unit_days / {{ days_in_fiscal_year() }}, 6) as numeric(24, 6)) as quantity_unit_years,
        {{ to_yuan('rate_yuan') }} as rate_yuan,
        cast(round(cost_yuan_days / {{ days_in_fiscal_year() }}, 6) as numeric(24, 6)) as cost_exact_yuan,
        {{ to_yuan('allocated_fen / 100.0') }} as standard_cost_yuan
    from rounded
)

select * from final
