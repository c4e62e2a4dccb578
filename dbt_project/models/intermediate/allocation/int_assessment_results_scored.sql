-- One row per district (street_code null) and per street office per category (component 部件,
-- event 事件, all) for the fiscal year as of the as-of date: the assessment (考核) of its work
-- orders (数字城管 cases), by the rule of macros/assessment that the incentive's district score
-- uses too. A case whose category is neither component nor event counts only in `all`. A street
-- office's cases are those naming it inside its district. Rank: among districts, or among the
-- city's street offices, per category, by the exact share of cases on time, higher first; ties
-- share the rank; no score, no rank.
with districts as (
    select * from {{ ref('stg_districts__districts') }}
),

street_offices as (
    select * from {{ ref('stg_street_offices__street_offices') }}
),

due_cases as (
    select
        district_code,
        street_code,
        case when category in ('component', 'event') then category end as category,
        {{ is_on_time_case('closed_at', 'deadline_at') }} as is_on_time,
        closed_at is null as is_open
    from {{ ref('stg_work_orders__work_orders') }}
    where {{ is_due_case('deadline_at') }}
),

categories as (
    select category
    from (values ('component'), ('event'), ('all')) as known (category)
),

units as (
    select district_code, cast(null as text) as street_code from districts
    union all
    select street_offices.district_code, street_offices.street_code
    from street_offices
    inner join districts
        on districts.district_code = street_offices.district_code
),

counted as (
    select
        units.district_code,
        units.street_code,
        categories.category,
        count(due_cases.district_code) as cases_due,
        count(*) filter (where due_cases.is_on_time) as on_time,
        count(*) filter (where not due_cases.is_on_time and not due_cases.is_open) as late,
        count(*) filter (where due_cases.is_open) as still_open
    from units
    cross join categories
    left join due_cases
        on due_cases.district_code = units.district_code
        and (units.street_code is null or due_cases.street_code = units.street_code)
        and (categories.category = 'all' or due_cases.category = categories.category)
    group by units.district_code, units.street_code, categories.category
),

final as (
    select
        district_code,
        street_code,
        category,
        cast(cases_due as integer) as cases_due,
        cast(on_time as integer) as on_time,
        cast(late as integer) as late,
        cast(still_open as integer) as still_open,
        cast({{ assessment_score('on_time', 'cases_due') }} as numeric(5, 2)) as score,
        cast(
            case
                when cases_due > 0 then rank() over (
                    partition by street_code is null, category, cases_due > 0
                    order by cast(on_time as numeric) / nullif(cases_due, 0) desc
                )
            end as integer
        ) as rank
    from counted
)

select * from final
