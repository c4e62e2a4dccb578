-- One row per district per fiscal year settled by this run (年终结算, domain.md "The budget
-- year"): Y-1 for every run of Y once anything of Y-1 was published or approved, and Y itself
-- for a run as of 31 December. For the settled year: the plan in force on the as-of date A
-- (null without one), what was paid for it (disbursements booked to it, whenever paid, known and
-- paid on or before A; January's payments of the year before included), owed = plan - paid
-- (+ the city owes, - the district returns; null without a plan), and the district's unspent
-- allocation of the year as known on A, carried over (结转) as the opening of the next year's use.
with

districts as (
    select * from {{ ref('stg_districts__districts') }}
),

plans as (
    select * from {{ ref('int_budget_plans_resolved') }}
),

years as (
    select * from {{ ref('int_allocation_years_carried') }}
),

published_allocation as (
    select * from {{ published(ref('district_allocation')) }}
),

settled_years as (
    select {{ fiscal_year() }} - 1 as settled_fiscal_year
    where exists (
        select 1 from published_allocation where fiscal_year = {{ fiscal_year() }} - 1
    )
        or exists (select 1 from plans where fiscal_year = {{ fiscal_year() }} - 1)
    union all
    select {{ fiscal_year() }}
    where extract(month from {{ as_of_date() }}) = 12 and extract(day from {{ as_of_date() }}) = 31
),

unspent as (
    select
        settled_years.settled_fiscal_year,
        years.district_code,
        sum(case when years.fiscal_year = settled_years.settled_fiscal_year
            then years.received_yuan else 0 end) as paid_yuan,
        sum(years.received_yuan - years.spent_maintenance_yuan - years.diverted_yuan)
            as unspent_yuan
    from settled_years
    inner join years
        on years.fiscal_year <= settled_years.settled_fiscal_year
    group by settled_years.settled_fiscal_year, years.district_code
),

final as (
    select
        cast(settled_years.settled_fiscal_year as integer) as settled_fiscal_year,
        districts.district_code,
        districts.name_zh,
        districts.name_en,
        {{ to_yuan('plans.plan_yuan') }} as plan_yuan,
        plans.plan_run_id,
        {{ to_yuan('coalesce(unspent.paid_yuan, 0)') }} as paid_yuan,
        {{ to_yuan('plans.plan_yuan - coalesce(unspent.paid_yuan, 0)') }} as owed_yuan,
        {{ to_yuan('coalesce(unspent.unspent_yuan, 0)') }} as unspent_yuan,
        {{ to_yuan('coalesce(unspent.unspent_yuan, 0)') }} as carried_over_yuan
    from settled_years
    cross join districts
    left join plans
        on plans.fiscal_year = settled_years.settled_fiscal_year
        and plans.district_code = districts.district_code
    left join unspent
        on unspent.settled_fiscal_year = settled_years.settled_fiscal_year
        and unspent.district_code = districts.district_code
)

select * from final
