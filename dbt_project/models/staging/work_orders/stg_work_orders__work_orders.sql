with source as (
    {{ latest_version('work_orders', ['case_id']) }}
),

final as (
    select
        case_id,
        district_code,
        street_code,
        category,
        {{ to_city_timestamp('reported_at') }} as reported_at,
        {{ to_city_timestamp('deadline_at') }} as deadline_at,
        {{ to_city_timestamp('closed_at') }} as closed_at,
        _partition_date as known_on
    from source
)

select * from final
