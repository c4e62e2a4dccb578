-- One row per district or street office per category per fiscal year per as-of date: the
-- assessment results the city publishes (int_assessment_results_scored holds the rule), stamped
-- with the run.
with results as (
    select * from {{ ref('int_assessment_results_scored') }}
),

final as (
    select
        {{ run_stamp() }},
        district_code,
        street_code,
        category,
        cases_due,
        on_time,
        late,
        still_open,
        score,
        rank
    from results
)

select * from final
