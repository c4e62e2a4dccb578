with source as (
    {{ latest_version('expenditures', ['voucher_id']) }}
),

final as (
    select
        voucher_id,
        district_code,
        cast(fiscal_year as integer) as fiscal_year,
        {{ to_city_timestamp('paid_at') }} as paid_at,
        {{ to_yuan('amount_yuan') }} as amount_yuan,
        funding_source,
        purpose_code,
        _partition_date as known_on
    from source
)

select * from final
