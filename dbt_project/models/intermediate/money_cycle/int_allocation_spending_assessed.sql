-- One row per district for the run's fiscal year as of the as-of date: the maintenance money the
-- district received, how it was used, and the status of that use (domain.md "Use of the
-- maintenance allocation"). Every district of the allocation has a row, zeros when it has none;
-- before the year's pool (nothing allocated) every district of the payments' statuses does, so
-- that the carry-over opens the year's use at once.
-- The opening is what the years before carried over (int_allocation_years_carried), as known on
-- the as-of date.
with

allocations as (
    select * from {{ ref('int_district_allocations_split') }}
),

statuses as (
    select * from {{ ref('int_disbursement_statuses_assessed') }}
),

vouchers as (
    select * from {{ ref('int_allocation_vouchers_classified') }}
),

districts as (
    select district_code, name_zh, name_en from allocations
    union
    select district_code, name_zh, name_en from statuses
    where not exists (select 1 from allocations)
),

earlier_years as (
    select
        district_code,
        sum(received_yuan - spent_maintenance_yuan - diverted_yuan) as opening_yuan
    from {{ ref('int_allocation_years_carried') }}
    where fiscal_year < {{ fiscal_year() }}
    group by district_code
),

spending as (
    select
        district_code,
        sum(case when category = 'spent_maintenance' then amount_yuan else 0 end)
            as spent_maintenance_yuan,
        sum(case when category = 'diverted' then amount_yuan else 0 end) as diverted_yuan
    from vouchers
    group by district_code
),

figures as (
    select
        districts.district_code,
        districts.name_zh,
        districts.name_en,
        {{ to_yuan('coalesce(earlier_years.opening_yuan, 0)') }} as opening_yuan,
        -- received = disbursements of the year paid on or before the as-of date, recoveries netted
        {{ to_yuan('coalesce(statuses.paid_to_date_yuan, 0)') }} as received_yuan,
        {{ to_yuan('coalesce(spending.spent_maintenance_yuan, 0)') }} as spent_maintenance_yuan,
        {{ to_yuan('coalesce(spending.diverted_yuan, 0)') }} as diverted_yuan
    from districts
    left join statuses
        on statuses.district_code = districts.district_code
    left join spending
        on spending.district_code = districts.district_code
    left join earlier_years
        on earlier_years.district_code = districts.district_code
),

final as (
    select
        district_code,
        name_zh,
        name_en,
        opening_yuan,
        received_yuan,
        spent_maintenance_yuan,
        diverted_yuan,
        {{ to_yuan('opening_yuan + received_yuan - spent_maintenance_yuan - diverted_yuan') }}
            as unspent_yuan,
        cast(
            {{ round_ratio_half_up('spent_maintenance_yuan', 'opening_yuan + received_yuan', 6) }}
            as numeric(12, 6)
        ) as usage_rate,
        cast(
            case
                when diverted_yuan > 0 then 'diverted'
                when opening_yuan + received_yuan - spent_maintenance_yuan - diverted_yuan < 0
                    then 'overspent'
                else 'compliant'
            end as text
        ) as status
    from figures
)

select * from final
