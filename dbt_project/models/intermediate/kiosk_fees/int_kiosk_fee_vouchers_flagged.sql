-- One row per voucher behind a district's `diverted` or `overdrawn` kiosk-fee status, for the run's
-- fiscal year as of the as-of date, cast to the types kiosk_fee_flags publishes (the mart only
-- stamps the run).
--
-- A diverted district lists the kiosk-fee vouchers of the year that were diverted (reason
-- ineligible or unsupported). An overdrawn district lists every kiosk-fee city-management voucher
-- of the year (reason overdrawn): together they overdraw the account, no single one does. A
-- district overdrawn only by a deficit carried in from earlier years has no voucher of the year to
-- list.
with

accounts as (
    select * from {{ ref('int_kiosk_fee_accounts_assessed') }}
),

movements as (
    select * from {{ ref('int_kiosk_fee_movements_classified') }}
),

flagged_vouchers as (
    select
        movements.district_code,
        movements.movement_id as voucher_id,
        movements.paid_at,
        movements.amount_yuan,
        movements.purpose_code,
        case
            when accounts.status = 'diverted' then movements.diversion_reason
            else 'overdrawn'
        end as reason,
        accounts.status as district_status
    from movements
    inner join accounts
        on accounts.district_code = movements.district_code
    where movements.movement_type = 'expenditure'
        and movements.fiscal_year = {{ fiscal_year() }}
        and (
            (accounts.status = 'diverted' and movements.category = 'diverted')
            or (accounts.status = 'overdrawn' and movements.category = 'spent_city_mgmt')
        )
),

final as (
    select
        district_code,
        voucher_id,
        paid_at,
        {{ to_yuan('amount_yuan') }} as amount_yuan,
        purpose_code,
        cast(reason as text) as reason,
        cast(district_status as text) as district_status
    from flagged_vouchers
)

select * from final
