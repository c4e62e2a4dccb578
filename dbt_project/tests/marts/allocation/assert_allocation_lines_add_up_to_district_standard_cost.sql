-- A district's lines add up to its standard cost to the fen (outputs.md: every published amount
-- is explainable line by line). Fails with one row per district where they do not, including a
-- district with a standard cost but no lines and lines of a district without an allocation row.
-- A date with no allocation at all (no budget pool known yet) is allocation_blockers' to report,
-- and the audit's to refuse, in words the bureau can act on; it is not a mismatch of lines.
with allocation as (
    select * from {{ ref('district_allocation') }}
),

lines as (
    select * from {{ ref('district_allocation_lines') }}
),

line_totals as (
    select
        fiscal_year,
        as_of_date,
        district_code,
        sum(standard_cost_yuan) as lines_standard_cost_yuan
    from lines
    group by fiscal_year, as_of_date, district_code
),

final as (
    select
        coalesce(allocation.fiscal_year, line_totals.fiscal_year) as fiscal_year,
        coalesce(allocation.as_of_date, line_totals.as_of_date) as as_of_date,
        coalesce(allocation.district_code, line_totals.district_code) as district_code,
        allocation.standard_cost_yuan,
        line_totals.lines_standard_cost_yuan
    from allocation
    full outer join line_totals
        on line_totals.fiscal_year = allocation.fiscal_year
        and line_totals.as_of_date = allocation.as_of_date
        and line_totals.district_code = allocation.district_code
    where coalesce(allocation.standard_cost_yuan, -1) <> coalesce(line_totals.lines_standard_cost_yuan, 0)
        and exists (select 1 from allocation)
)

select * from final
