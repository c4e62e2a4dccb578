with source as (
    {{ delivered_or_seed('expenditure_purposes', ['purpose_code'], ['purpose_code', 'name_zh', 'is_city_management']) }}
),

final as (
    select
        purpose_code,
        name_zh,
        {{ to_boolean('is_city_management') }} as is_city_management,
        _partition_date as known_on
    from source
)

select * from final
