-- One row per district: the assessment (考核) over its work orders (数字城管 cases) whose deadline
-- falls in the fiscal year on or before the as-of date. On time: closed at or before the
-- deadline; still open counts as late. No due case: no score.
with districts as (
    select * from {{ ref('stg_districts__districts') }}
),

work_orders as (
    select * from {{ ref('stg_work_orders__work_orders') }}
),

due as (
    select
        district_code,
        count(*) as cases_due,
        count(*) filter (where closed_at is not null and closed_at <= deadline_at) as cases_on_time
    from work_orders
    where deadline_at >= (cast({{ fiscal_year_start() }} as timestamp) at time zone 'Asia/Shanghai')
        and deadline_at < {{ as_of_end_instant() }}
        and deadline_at < (cast({{ fiscal_year_end() }} as timestamp) at time zone 'Asia/Shanghai')
    group by district_code
),

final as (
    select
        districts.district_code,
        coalesce(due.cases_due, 0) as cases_due,
        coalesce(due.cases_on_time, 0) as cases_on_time,
        case
            when due.cases_due > 0 then round(100.0 * due.cases_on_time / due.cases_due, 2)
        end as assessment_score,
        -- the threshold compared exactly, not on the rounded score
        coalesce(due.cases_due > 0 and 100 * due.cases_on_time >= {{ var('incentive_score_threshold') }} * due.cases_due, false)
            as meets_threshold
    from districts
    left join due
        on due.district_code = districts.district_code
)

select * from final
