-- One row per district per fiscal year per as-of date: the plan in force on the as-of date
-- (int_budget_plans_resolved, where the rule lives), stamped with the run; a district of this run
-- with no plan yet has a row with a null plan.
with allocations as (
    select * from {{ ref('int_district_allocations_split') }}
),

plans as (
    select * from {{ ref('int_budget_plans_resolved') }}
    where fiscal_year = {{ fiscal_year() }}
),

districts as (
    select * from {{ ref('stg_districts__districts') }}
),

codes as (
    select district_code from allocations
    union
    select district_code from plans
),

final as (
    select
        {{ run_stamp() }},
        codes.district_code,
        districts.name_zh,
        districts.name_en,
        plans.plan_yuan,
        plans.plan_run_id,
        plans.plan_as_of_date,
        plans.decision_id,
        plans.approved_by,
        plans.approved_at
    from codes
    left join plans
        on plans.district_code = codes.district_code
    left join districts
        on districts.district_code = codes.district_code
)

select * from final
