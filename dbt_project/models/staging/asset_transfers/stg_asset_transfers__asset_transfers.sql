with source as (
    {{ latest_version('asset_transfers', ['transfer_id']) }}
),

final as (
    select
        transfer_id,
        asset_id,
        work_type,
        to_tier,
        to_district_code,
        cast(effective_date as date) as effective_on,
        decree_ref,
        _partition_date as known_on
    from source
)

select * from final
