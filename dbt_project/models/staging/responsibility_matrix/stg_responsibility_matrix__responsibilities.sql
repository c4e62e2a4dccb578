with source as (
    {{ delivered_or_seed('responsibility_matrix', ['asset_class', 'work_type'], ['asset_class', 'work_type', 'tier']) }}
),

final as (
    select
        asset_class,
        work_type,
        tier,
        _partition_date as known_on
    from source
)

select * from final
