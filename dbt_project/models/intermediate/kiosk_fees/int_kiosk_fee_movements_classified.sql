-- One row per kiosk-fee movement known on the as-of date: every fee receipt and every voucher
-- funded by kiosk fees, paid on or before the as-of date, of the run's fiscal year or an earlier
-- one, classified as collected, spent on city management, or diverted (with the reason).
--
-- A receipt belongs to the calendar year of its payment in the city's time; a voucher belongs to
-- the fiscal year it was booked to (its fiscal_year column), whenever it was paid, so a voucher of
-- last year paid in January never leaks into this year. Vouchers funded from other sources are
-- not kiosk-fee movements, whatever their purpose. The vouchers' classification is the one the
-- maintenance allocation's check uses too (macros/expenditures/classified_vouchers.sql).
with

fee_collections as (
    select * from {{ ref('stg_fee_collections__fee_collections') }}
),

collections as (
    select
        cast('collection' as text) as movement_type,
        receipt_id as movement_id,
        district_code,
        cast(extract(year from paid_at at time zone 'Asia/Shanghai') as integer) as fiscal_year,
        paid_at,
        amount_yuan,
        kiosk_id,
        cast(null as text) as purpose_code,
        cast('collected' as text) as category,
        cast(null as text) as diversion_reason
    from fee_collections
    where paid_at < {{ as_of_end_instant() }}
),

kiosk_fee_vouchers as (
    {{ classified_vouchers('kiosk_fee') }}
),

kiosk_fee_expenditures as (
    select
        cast('expenditure' as text) as movement_type,
        voucher_id as movement_id,
        district_code,
        fiscal_year,
        paid_at,
        amount_yuan,
        cast(null as text) as kiosk_id,
        purpose_code,
        case when diversion_reason is null then 'spent_city_mgmt' else 'diverted' end as category,
        diversion_reason
    from kiosk_fee_vouchers
),

final as (
    select * from collections
    union all
    select * from kiosk_fee_expenditures
)

select * from final
