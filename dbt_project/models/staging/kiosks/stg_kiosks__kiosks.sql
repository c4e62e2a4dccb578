with source as (
    {{ latest_version('kiosks', ['kiosk_id']) }}
),

final as (
    select
        kiosk_id,
        district_code,
        street_code,
        kiosk_type,
        permit_no,
        {{ to_quantity('area_m2') }} as area_m2,
        {{ to_yuan('monthly_rate_yuan_per_m2') }} as monthly_rate_yuan_per_m2,
        cast(licensed_from as date) as licensed_from,
        cast(licensed_to as date) as licensed_to,
        _partition_date as known_on
    from source
)

select * from final
