-- One row per district for the run's fiscal year as of the as-of date: what was due and what was
-- paid of the district's plan in force (int_budget_plans_resolved; never this run's draft), and
-- its payment status (domain.md "Paying the allocation out"). The due share is that of the last
-- instalment due on or before the as-of date (0 before the first); paid counts the payments of
-- the year paid on or before it, recoveries netted. Before the year's first approval there is no
-- plan: the payments are listed, nothing is due, status `no_plan`.
with

allocations as (
    select * from {{ ref('int_district_allocations_split') }}
),

plans as (
    select * from {{ ref('int_budget_plans_resolved') }}
    where fiscal_year = {{ fiscal_year() }}
),

instalments as (
    select * from {{ ref('int_instalments_scheduled') }}
),

disbursements as (
    select * from {{ ref('stg_disbursements__disbursements') }}
    where fiscal_year = {{ fiscal_year() }}
        and paid_on <= {{ as_of_date() }}
),

names as (
    select * from {{ ref('stg_districts__districts') }}
),

-- this run's districts and the plan's; before the year's pool (nothing allocated), every
-- district: the payments are listed, with no plan
districts as (
    select district_code, name_zh, name_en from allocations
    union
    select plans.district_code, names.name_zh, names.name_en
    from plans
    left join names
        on names.district_code = plans.district_code
    union
    select district_code, name_zh, name_en from names
    where not exists (select 1 from allocations)
),

paid as (
    select
        district_code,
        sum(amount_yuan) as paid_to_date_yuan
    from disbursements
    group by district_code
),

last_due as (
    select distinct on (district_code)
        district_code,
        cumulative_share as due_share,
        cumulative_due_yuan as due_to_date_yuan
    from instalments
    where due_on <= {{ as_of_date() }}
    order by district_code, instalment desc
),

lateness as (
    select
        district_code,
        max(days_late) as worst_days_late
    from instalments
    group by district_code
),

figures as (
    select
        districts.district_code,
        districts.name_zh,
        districts.name_en,
        {{ to_yuan('plans.plan_yuan') }} as total_yuan,
        cast(coalesce(last_due.due_share, 0) as numeric(6, 4)) as due_share,
        {{ to_yuan('coalesce(last_due.due_to_date_yuan, 0)') }} as due_to_date_yuan,
        {{ to_yuan('coalesce(paid.paid_to_date_yuan, 0)') }} as paid_to_date_yuan,
        cast(coalesce(lateness.worst_days_late, 0) as integer) as worst_days_late
    from districts
    left join plans
        on plans.district_code = districts.district_code
    left join last_due
        on last_due.district_code = districts.district_code
    left join paid
        on paid.district_code = districts.district_code
    left join lateness
        on lateness.district_code = districts.district_code
),

final as (
    select
        district_code,
        name_zh,
        name_en,
        total_yuan,
        due_share,
        due_to_date_yuan,
        paid_to_date_yuan,
        {{ to_yuan('greatest(due_to_date_yuan - paid_to_date_yuan, 0)') }} as shortfall_yuan,
        {{ to_yuan('total_yuan - paid_to_date_yuan') }} as balance_of_year_yuan,
        worst_days_late,
        cast(
            case
                when total_yuan is null then 'no_plan'
                when paid_to_date_yuan > total_yuan then 'overpaid'
                when paid_to_date_yuan = total_yuan then 'paid_in_full'
                when due_to_date_yuan > paid_to_date_yuan then 'behind'
                else 'on_schedule'
            end as text
        ) as status
    from figures
)

select * from final
