with source as (
    {{ delivered_or_seed('unit_cost_standards', ['work_type', 'asset_class', 'valid_from'], ['work_type', 'asset_class', 'valid_from', 'valid_to', 'rate_yuan', 'unit']) }}
),

final as (
    select
        work_type,
        asset_class,
        cast(valid_from as date) as valid_from,
        cast(valid_to as date) as valid_to,
        {{ to_yuan('rate_yuan') }} as rate_yuan,
        unit,
        _partition_date as known_on
    from source
)

select * from final
