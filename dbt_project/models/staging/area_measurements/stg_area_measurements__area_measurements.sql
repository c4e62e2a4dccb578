with source as (
    {{ latest_version('area_measurements', ['measurement_id']) }}
),

final as (
    select
        measurement_id,
        asset_id,
        work_type,
        {{ to_quantity('quantity') }} as quantity,
        unit,
        cast(effective_from as date) as effective_from,
        {{ to_boolean('verified') }} as is_verified,
        verified_by,
        cast(verified_on as date) as verified_on,
        _partition_date as known_on
    from source
)

select * from final
