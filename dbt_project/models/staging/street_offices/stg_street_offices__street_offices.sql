with source as (
    {{ delivered_or_seed('street_offices', ['street_code'], ['street_code', 'district_code', 'name_zh']) }}
),

final as (
    select
        street_code,
        district_code,
        name_zh,
        _partition_date as known_on
    from source
)

select * from final
