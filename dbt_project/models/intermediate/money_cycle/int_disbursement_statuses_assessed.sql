-- One row per district for the run's fiscal year as of the as-of date: what was due and what was
-- paid of the district's allocation, and its payment status (domain.md "Paying the allocation
-- out"). The due share is that of the last instalment due on or before the as-of date (0 before
-- the first); paid counts the payments of the year paid on or before it, recoveries netted.
with

allocations as (
    select * from {{ ref('int_district_allocations_split') }}
),

instalments as (
    select * from {{ ref('int_instalments_scheduled') }}
),

disbursements as (
    select * from {{ ref('stg_disbursements__disbursements') }}
    where fiscal_year = {{ fiscal_year() }}
        and paid_on <= {{ as_of_date() }}
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
        allocations.district_code,
        allocations.name_zh,
        allocations.name_en,
        {{ to_yuan('allocations.total_yuan') }} as total_yuan,
        cast(coalesce(last_due.due_share, 0) as numeric(6, 4)) as due_share,
        {{ to_yuan('coalesce(last_due.due_to_date_yuan, 0)') }} as due_to_date_yuan,
        {{ to_yuan('coalesce(paid.paid_to_date_yuan, 0)') }} as paid_to_date_yuan,
        cast(coalesce(lateness.worst_days_late, 0) as integer) as worst_days_late
    from allocations
    left join last_due
        on last_due.district_code = allocations.district_code
    left join paid
        on paid.district_code = allocations.district_code
    left join lateness
        on lateness.district_code = allocations.district_code
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
                when paid_to_date_yuan > total_yuan then 'overpaid'
                when paid_to_date_yuan = total_yuan then 'paid_in_full'
                when due_to_date_yuan > paid_to_date_yuan then 'behind'
                else 'on_schedule'
            end as text
        ) as status
    from figures
)

select * from final
