with source as (
    {{ latest_version('assets', ['asset_id']) }}
),

final as (
    select
        asset_id,
        asset_class,
        name,
        district_code,
        street_code,
        connected_to,
        cast(commissioned_on as date) as commissioned_on,
        cast(retired_on as date) as retired_on,
        _partition_date as known_on
    from source
)

select * from final
