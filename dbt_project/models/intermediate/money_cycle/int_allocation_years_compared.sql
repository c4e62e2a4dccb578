-- One row per district of this run, and one for the city (district_code null): this run's
-- standard cost, total, pool, coverage and quantity by work type against fiscal year Y-1's final
-- plan (the plan in force at the end of Y-1, frozen at approval, and the lines its run published),
-- or, where Y-1 was never approved, its latest publication (`baseline_approved` false), with the growth
-- in percent and whether the money kept pace with the standard cost (domain.md "Year over
-- year"). With no Y-1 publication the previous figures are null and `comparison` says so.
--
-- Quantities are unit-years: the unit-days of the district- and street-tier lines of a work type
-- summed, then divided by the year's days and rounded to 6 decimals once, on both sides alike.
{% set work_types = ['road_maintenance', 'bridge_maintenance', 'sweeping', 'greening', 'facility_upkeep'] %}
with

allocations as (
    select * from {{ ref('int_district_allocations_split') }}
),

lines as (
    select * from {{ ref('int_cost_lines_grouped') }}
    where tier in ('district', 'street')
),

published_allocation as (
    select * from {{ published(ref('district_allocation')) }}
),

published_lines as (
    select * from {{ published(ref('district_allocation_lines')) }}
),

-- Y-1's final plan (its plan in force at the end of Y-1, as frozen at approval), or, where Y-1
-- was never approved, its latest publication
previous_plans as (
    select * from {{ ref('int_budget_plans_resolved') }}
    where fiscal_year = {{ fiscal_year() }} - 1
),

latest_publication as (
    select as_of_date, run_id
    from published_allocation
    where fiscal_year = {{ fiscal_year() }} - 1
    order by as_of_date desc, run_id desc
    limit 1
),

baseline as (
    select plan_as_of_date as as_of_date, plan_run_id as run_id, true as is_approved
    from previous_plans
    group by plan_as_of_date, plan_run_id
    union all
    select as_of_date, run_id, false
    from latest_publication
    where not exists (select 1 from previous_plans)
),

previous_date as (
    select as_of_date from baseline
),

previous_allocation as (
    select
        district_code,
        plan_standard_cost_yuan as standard_cost_yuan,
        plan_yuan as total_yuan,
        plan_pool_yuan as pool_yuan
    from previous_plans
    union all
    select
        published.district_code,
        published.standard_cost_yuan,
        published.total_yuan,
        published.pool_yuan
    from published_allocation as published
    inner join baseline
        on baseline.as_of_date = published.as_of_date
        and baseline.run_id = published.run_id
    where published.fiscal_year = {{ fiscal_year() }} - 1
        and not baseline.is_approved
),

-- the lines the baseline run published; when a later run of the same as-of date replaced them
-- (an approved run stays the plan), that run's lines of the date: the same inputs as known then
baseline_lines_run as (
    select coalesce(
        max(case when published.run_id = baseline.run_id then published.run_id end),
        max(published.run_id)
    ) as run_id
    from published_lines as published
    inner join baseline
        on baseline.as_of_date = published.as_of_date
    where published.fiscal_year = {{ fiscal_year() }} - 1
),

previous_lines as (
    select published.*
    from published_lines as published
    inner join baseline
        on baseline.as_of_date = published.as_of_date
    inner join baseline_lines_run
        on baseline_lines_run.run_id = published.run_id
    where published.fiscal_year = {{ fiscal_year() }} - 1
),

-- (scope, district_code, work_type, unit_days, days_in_year); scope 'district' or 'city'
current_unit_days as (
    select district_code, work_type, sum(unit_days) as unit_days
    from lines
    group by district_code, work_type
),

previous_unit_days as (
    select district_code, work_type, sum(unit_days) as unit_days, max(days_in_year) as days_in_year
    from previous_lines
    group by district_code, work_type
),

current_figures as (
    select
        district_code,
        standard_cost_yuan,
        total_yuan,
        pool_yuan
    from allocations
    union all
    select
        null,
        sum(standard_cost_yuan),
        sum(total_yuan),
        max(pool_yuan)
    from allocations
    having count(*) > 0
),

previous_figures as (
    select
        district_code,
        standard_cost_yuan,
        total_yuan,
        pool_yuan
    from previous_allocation
    union all
    select
        null,
        sum(standard_cost_yuan),
        sum(total_yuan),
        max(pool_yuan)
    from previous_allocation
    having count(*) > 0
),

current_quantities as (
    select
        district_code,
        {%- for w in work_types %}
        sum(case when work_type = '{{ w }}' then unit_days else 0 end) as {{ w }}_unit_days,
        {%- endfor %}
        {{ days_in_fiscal_year() }} as days_in_year
    from current_unit_days
    group by grouping sets ((district_code), ())
),

previous_quantities as (
    select
        district_code,
        {%- for w in work_types %}
        sum(case when work_type = '{{ w }}' then unit_days else 0 end) as {{ w }}_unit_days,
        {%- endfor %}
        max(days_in_year) as days_in_year
    from previous_unit_days
    group by grouping sets ((district_code), ())
),

compared as (
    select
        current_figures.district_code,
        (select as_of_date from previous_date) as previous_as_of_date,
        previous_figures.standard_cost_yuan as previous_standard_cost_yuan,
        current_figures.standard_cost_yuan,
        previous_figures.total_yuan as previous_total_yuan,
        current_figures.total_yuan,
        previous_figures.pool_yuan as previous_pool_yuan,
        current_figures.pool_yuan,
        -- the money of the row: a district's total, the city's pool
        case when current_figures.district_code is null then current_figures.pool_yuan
            else current_figures.total_yuan end as money_yuan,
        case when current_figures.district_code is null then previous_figures.pool_yuan
            else previous_figures.total_yuan end as previous_money_yuan,
        {%- for w in work_types %}
        cast(round(previous_quantities.{{ w }}_unit_days / previous_quantities.days_in_year, 6)
            as numeric(24, 6)) as previous_{{ w }}_unit_years,
        cast(round(coalesce(current_quantities.{{ w }}_unit_days, 0) / {{ days_in_fiscal_year() }}, 6)
            as numeric(24, 6)) as {{ w }}_unit_years,
        {%- endfor %}
        (select count(*) from previous_allocation) > 0 as has_previous_year,
        (select bool_and(is_approved) from baseline) as baseline_approved,
        (select min(run_id) from baseline) as previous_run_id
    from current_figures
    left join previous_figures
        on previous_figures.district_code is not distinct from current_figures.district_code
    left join current_quantities
        on current_quantities.district_code is not distinct from current_figures.district_code
    left join previous_quantities
        on previous_quantities.district_code is not distinct from current_figures.district_code
),

final as (
    select
        district_code,
        cast(
            case when has_previous_year then 'compared' else 'no_previous_year' end as text
        ) as comparison,
        case when has_previous_year then previous_as_of_date end as previous_as_of_date,
        {{ to_yuan('previous_standard_cost_yuan') }} as previous_standard_cost_yuan,
        {{ to_yuan('standard_cost_yuan') }} as standard_cost_yuan,
        cast({{ round_ratio_half_up('(standard_cost_yuan - previous_standard_cost_yuan) * 100', 'previous_standard_cost_yuan', 2) }}
            as numeric(12, 2)) as standard_cost_growth_pct,
        {{ to_yuan('previous_total_yuan') }} as previous_total_yuan,
        {{ to_yuan('total_yuan') }} as total_yuan,
        cast({{ round_ratio_half_up('(total_yuan - previous_total_yuan) * 100', 'previous_total_yuan', 2) }}
            as numeric(12, 2)) as total_growth_pct,
        {{ to_yuan('previous_pool_yuan') }} as previous_pool_yuan,
        {{ to_yuan('pool_yuan') }} as pool_yuan,
        cast({{ round_ratio_half_up('(pool_yuan - previous_pool_yuan) * 100', 'previous_pool_yuan', 2) }}
            as numeric(12, 2)) as pool_growth_pct,
        -- coverage (足额, domain.md) is total / standard cost on every row: the city's is
        -- sum(total) / sum(S), the pool plus what followed the task from the city's budget
        cast({{ round_ratio_half_up('previous_total_yuan', 'previous_standard_cost_yuan', 6) }}
            as numeric(12, 6)) as previous_coverage,
        cast({{ round_ratio_half_up('total_yuan', 'standard_cost_yuan', 6) }}
            as numeric(12, 6)) as coverage,
        {%- for w in work_types %}
        cast(case when has_previous_year then coalesce(previous_{{ w }}_unit_years, 0) end
            as numeric(24, 6)) as previous_{{ w }}_unit_years,
        {{ w }}_unit_years,
        {%- endfor %}
        -- grew at least as fast as the standard cost: money / previous money >= cost / previous
        -- cost, compared exactly by cross-multiplying; null without two positive previous figures
        case
            when previous_money_yuan > 0 and previous_standard_cost_yuan > 0
                then money_yuan * previous_standard_cost_yuan
                    >= standard_cost_yuan * previous_money_yuan
        end as pool_kept_pace,
        case when has_previous_year then baseline_approved end as baseline_approved,
        case when has_previous_year then previous_run_id end as previous_run_id
    from compared
)

select * from final
