-- One row per voucher behind a district's `diverted` or `overdrawn` kiosk-fee status per as-of
-- date (int_kiosk_fee_vouchers_flagged, where the rule and the published types live), stamped
-- with the run.
with flags as (
    select * from {{ ref('int_kiosk_fee_vouchers_flagged') }}
),

final as (
    select
        {{ run_stamp() }},
        district_code,
        voucher_id,
        paid_at,
        amount_yuan,
        purpose_code,
        reason,
        district_status
    from flags
)

select * from final
