-- One row per voucher funded by the city's maintenance allocation (`city_allocation`), booked to
-- the run's fiscal year and paid on or before the as-of date: spent on maintenance (city
-- management) or diverted, with the reason. The classification is the kiosk-fee check's, written
-- once (macros/expenditures/classified_vouchers.sql).
with

vouchers as (
    {{ classified_vouchers('city_allocation') }}
),

final as (
    select
        voucher_id,
        district_code,
        fiscal_year,
        paid_at,
        amount_yuan,
        purpose_code,
        cast(
            case when diversion_reason is null then 'spent_maintenance' else 'diverted' end as text
        ) as category,
        diversion_reason
    from vouchers
    where fiscal_year = {{ fiscal_year() }}
)

select * from final
