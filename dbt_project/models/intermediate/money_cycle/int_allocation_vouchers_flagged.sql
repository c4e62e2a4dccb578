-- One row per voucher behind a district's `diverted` or `overspent` status. A diverted district
-- lists its diverted vouchers of the year (reason ineligible or unsupported); an overspent one
-- lists every maintenance voucher of the year (reason overspent): together they spend money not
-- yet received, no single one does.
with

spending as (
    select * from {{ ref('int_allocation_spending_assessed') }}
),

vouchers as (
    select * from {{ ref('int_allocation_vouchers_classified') }}
),

final as (
    select
        vouchers.district_code,
        vouchers.voucher_id,
        vouchers.paid_at,
        vouchers.amount_yuan,
        vouchers.purpose_code,
        cast(
            case
                when spending.status = 'diverted' then vouchers.diversion_reason
                else 'overspent'
            end as text
        ) as reason,
        spending.status as district_status
    from vouchers
    inner join spending
        on spending.district_code = vouchers.district_code
    where (spending.status = 'diverted' and vouchers.category = 'diverted')
        or (spending.status = 'overspent' and vouchers.category = 'spent_maintenance')
)

select * from final
