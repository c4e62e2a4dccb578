-- One row per district per fiscal year per as-of date: the district's enforcement staff funding
-- by quarter (int_enforcement_districts_funded, where the rule lives), stamped with the run.
with funded as (
    select * from {{ ref('int_enforcement_districts_funded') }}
),

final as (
    select
        {{ run_stamp() }},
        district_code,
        name_zh,
        name_en,
        approved_headcount,
        yuan_per_head,
        annual_yuan,
        released_yuan,
        withheld_yuan,
        pending_yuan,
        q1_status,
        q1_score,
        q2_status,
        q2_score,
        q3_status,
        q3_score,
        q4_status,
        q4_score
    from funded
)

select * from final
