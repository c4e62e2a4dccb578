-- One row per district per fiscal year up to the run's (every year with a payment or a
-- maintenance voucher of the district, and the run's year), as known on the as-of date A: the
-- use of the allocation year by year and what each year carried over to the next (结转,
-- domain.md "Use of the maintenance allocation" and "The budget year"). A year's opening is what
-- the year before carried over (0 for the first year with anything), so opening + received -
-- spent - diverted = unspent, which is carried over: the chain is a running sum, every year
-- counted as known on A (disbursements for the year paid on or before A; vouchers booked to it
-- and paid on or before A).
with

disbursements as (
    select * from {{ ref('stg_disbursements__disbursements') }}
    where fiscal_year <= {{ fiscal_year() }}
        and paid_on <= {{ as_of_date() }}
),

vouchers as (
    {{ classified_vouchers('city_allocation') }}
),

movements as (
    select district_code, fiscal_year, amount_yuan as received_yuan,
        0 as spent_maintenance_yuan, 0 as diverted_yuan
    from disbursements
    union all
    select district_code, fiscal_year, 0,
        case when diversion_reason is null then amount_yuan else 0 end,
        case when diversion_reason is null then 0 else amount_yuan end
    from vouchers
),

years as (
    select
        district_code,
        fiscal_year,
        sum(received_yuan) as received_yuan,
        sum(spent_maintenance_yuan) as spent_maintenance_yuan,
        sum(diverted_yuan) as diverted_yuan
    from movements
    group by district_code, fiscal_year
),

carried as (
    select
        *,
        sum(received_yuan - spent_maintenance_yuan - diverted_yuan) over (
            partition by district_code order by fiscal_year
        ) as unspent_yuan
    from years
),

final as (
    select
        district_code,
        cast(fiscal_year as integer) as fiscal_year,
        {{ to_yuan('unspent_yuan - (received_yuan - spent_maintenance_yuan - diverted_yuan)') }}
            as opening_yuan,
        {{ to_yuan('received_yuan') }} as received_yuan,
        {{ to_yuan('spent_maintenance_yuan') }} as spent_maintenance_yuan,
        {{ to_yuan('diverted_yuan') }} as diverted_yuan,
        {{ to_yuan('unspent_yuan') }} as unspent_yuan
    from carried
)

select * from final
