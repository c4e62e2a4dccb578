with source as (
    {{ delivered_or_seed('districts', ['district_code'], ['district_code', 'name_zh', 'name_en']) }}
),

final as (
    select
        district_code,
        name_zh,
        name_en,
        _partition_date as known_on
    from source
)

select * from final
