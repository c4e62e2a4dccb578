-- One row per district: the assessment (考核) over its work orders (数字城管 cases) whose deadline
-- falls in the fiscal year on or before the as-of date. On time: closed at or before the
-- deadline; still open counts as late. No due case: no score. The rule is the macros of
-- macros/assessment, which the published results (int_assessment_results_scored) share.
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
        count(*) filter (where {{ is_on_time_case('closed_at', 'deadline_at') }}) as cases_on_time
    from work_orders
    where {{ is_due_case('deadline_at') }}
    group by district_code
),

final as (
    select
        districts.district_code,
        coalesce(due.cases_due, 0) as cases_due,
        coalesce(due.cases_on_time, 0) as cases_on_time,
        {{ assessment_score('due.cases_on_time', 'due.cases_due') }} as assessment_score,
        -- the threshold compared exactly, not on the rounded score
        coalesce(due.cases_due > 0 and 100 * due.cases_on_time >= {{ incentive_score_threshold() }} * due.cases_due, false)
            as meets_threshold
    from districts
    left join due
        on due.district_code = districts.district_code
)

select * from final
