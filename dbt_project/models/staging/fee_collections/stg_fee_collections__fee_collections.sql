with source as (
    {{ latest_version('fee_collections', ['receipt_id']) }}
),

final as (
    select
        receipt_id,
        kiosk_id,
        district_code,
        {{ to_city_timestamp('paid_at') }} as paid_at,
        {{ to_yuan('amount_yuan') }} as amount_yuan,
        _partition_date as known_on
    from source
)

select * from final
