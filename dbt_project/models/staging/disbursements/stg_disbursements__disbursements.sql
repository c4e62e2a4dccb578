with source as (
    {{ latest_version('disbursements', ['payment_id']) }}
),

final as (
    select
        payment_id,
        district_code,
        cast(fiscal_year as integer) as fiscal_year,
        cast(paid_on as date) as paid_on,
        {{ to_yuan('amount_yuan') }} as amount_yuan,
        reverses,
        _partition_date as known_on
    from source
)

select * from final
