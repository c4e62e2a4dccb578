with source as (
    {{ latest_version('enforcement_staffing', ['district_code', 'fiscal_year']) }}
),

final as (
    select
        district_code,
        cast(fiscal_year as integer) as fiscal_year,
        cast(approved_headcount as integer) as approved_headcount,
        {{ to_yuan('yuan_per_head') }} as yuan_per_head,
        _partition_date as known_on
    from source
)

select * from final
