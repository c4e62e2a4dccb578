-- One row per voucher behind a district's `diverted` or `overspent` maintenance-money status per
-- as-of date (int_allocation_vouchers_flagged, where the rule lives), stamped with the run.
with flags as (
    select * from {{ ref('int_allocation_vouchers_flagged') }}
),

final as (
    select
        {{ run_stamp() }},
        district_code,
        voucher_id,
        paid_at,
        {{ to_yuan('amount_yuan') }} as amount_yuan,
        purpose_code,
        reason,
        district_status
    from flags
)

select * from final
