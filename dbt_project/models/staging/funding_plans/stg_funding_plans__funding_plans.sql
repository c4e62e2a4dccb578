with source as (
    {{ latest_version('funding_plans', ['district_code', 'fiscal_year']) }}
),

final as (
    select
        district_code,
        cast(fiscal_year as integer) as fiscal_year,
        {{ to_yuan('kiosk_fee_planned_yuan') }} as kiosk_fee_planned_yuan,
        _partition_date as known_on
    from source
)

select * from final
