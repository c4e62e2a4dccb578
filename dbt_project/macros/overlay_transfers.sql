{#- Responsibility of each (asset, work type) of `defaults`: its default intervals up to the
    pair's first transfer, then the transfer intervals (CTE `transfer_intervals`, and the first
    transfer date per pair in CTE `first_transfer`). Used for ordinary pairs and for pairs
    that follow a road (adopted roads, bridges), whose default is the road's responsibility. -#}
{% macro overlay_transfers(defaults) -%}
    select
        defaults.asset_id,
        defaults.work_type,
        defaults.tier,
        defaults.district_code,
        defaults.transfer_id,
        defaults.follows_asset_id,
        defaults.valid_from,
        least(defaults.valid_to, coalesce(first_transfer.first_from, 'infinity')) as valid_to
    from {{ defaults }} as defaults
    left join first_transfer
        on first_transfer.asset_id = defaults.asset_id
        and first_transfer.work_type = defaults.work_type
    where defaults.valid_from < coalesce(first_transfer.first_from, 'infinity')

    union all

    select transfer_intervals.*
    from transfer_intervals
    inner join (select distinct asset_id, work_type from {{ defaults }}) as pairs_with_default
        on pairs_with_default.asset_id = transfer_intervals.asset_id
        and pairs_with_default.work_type = transfer_intervals.work_type
{%- endmacro %}
