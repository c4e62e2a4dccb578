-- One row per district per instalment of the run's fiscal year: the amount that must have been
-- paid by the instalment's due date (the district's plan in force on the as-of date, never this
-- run's draft, x the cumulative share; no plan, no instalment;
-- rounded half up to the fen), the day the payments of the year, counted day by day up to the
-- as-of date, first reached it, and how late that was (domain.md "Paying the allocation out").
with

plans as (
    select * from {{ ref('int_budget_plans_resolved') }}
    where fiscal_year = {{ fiscal_year() }}
),

schedule as (
    select * from {{ ref('stg_disbursement_schedule__instalments') }}
    where fiscal_year = {{ fiscal_year() }}
),

disbursements as (
    select * from {{ ref('stg_disbursements__disbursements') }}
    where fiscal_year = {{ fiscal_year() }}
        and paid_on <= {{ as_of_date() }}
),

daily_payments as (
    select
        district_code,
        paid_on,
        sum(amount_yuan) as paid_yuan
    from disbursements
    group by district_code, paid_on
),

cumulative_payments as (
    select
        district_code,
        paid_on,
        sum(paid_yuan) over (partition by district_code order by paid_on) as cumulative_paid_yuan
    from daily_payments
),

instalments as (
    select
        plans.district_code,
        plans.plan_yuan as total_yuan,
        schedule.instalment,
        schedule.due_on,
        schedule.cumulative_share,
        -- half up: the amounts are never negative, and numeric round() rounds half away from 0
        cast(round(plans.plan_yuan * schedule.cumulative_share, 2) as numeric(18, 2))
            as cumulative_due_yuan
    from plans
    cross join schedule
),

met as (
    select
        instalments.district_code,
        instalments.instalment,
        min(cumulative_payments.paid_on) as met_on
    from instalments
    inner join cumulative_payments
        on cumulative_payments.district_code = instalments.district_code
        and cumulative_payments.cumulative_paid_yuan >= instalments.cumulative_due_yuan
    group by instalments.district_code, instalments.instalment
),

final as (
    select
        instalments.district_code,
        instalments.instalment,
        instalments.due_on,
        instalments.cumulative_share,
        instalments.total_yuan,
        instalments.cumulative_due_yuan,
        -- nothing to pay (a total of 0) is met on its due date at the latest
        case
            when instalments.cumulative_due_yuan <= 0
                then least(coalesce(met.met_on, instalments.due_on), instalments.due_on)
            else met.met_on
        end as met_on,
        case
            when instalments.cumulative_due_yuan <= 0 then 0
            when met.met_on is not null then greatest(met.met_on - instalments.due_on, 0)
            when {{ as_of_date() }} > instalments.due_on
                then {{ as_of_date() }} - instalments.due_on
            else 0
        end as days_late
    from instalments
    left join met
        on met.district_code = instalments.district_code
        and met.instalment = instalments.instalment
)

select * from final
