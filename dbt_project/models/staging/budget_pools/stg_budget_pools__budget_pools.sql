with source as (
    {{ latest_version('budget_pools', ['fiscal_year']) }}
),

final as (
    select
        cast(fiscal_year as integer) as fiscal_year,
        {{ to_yuan('pool_yuan') }} as pool_yuan,
        cast(incentive_share as numeric(6, 4)) as incentive_share,
        _partition_date as known_on
    from source
)

select * from final
