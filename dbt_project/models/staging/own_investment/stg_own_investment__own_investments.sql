with source as (
    {{ latest_version('own_investment', ['district_code', 'fiscal_year']) }}
),

final as (
    select
        district_code,
        cast(fiscal_year as integer) as fiscal_year,
        {{ to_yuan('amount_yuan') }} as amount_yuan,
        _partition_date as known_on
    from source
)

select * from final
