-- A what-if scenario with its own rates file (`munifund whatif --rates`, var scenario_rates)
-- reads that table instead of the delivered standards: it replaces them, as a delivery replaces
-- the seed. The file was checked against the unit_cost_standards contract before it got there.
with source as (
    {% if var('scenario_rates', false) -%}
    select work_type, asset_class, valid_from, valid_to, rate_yuan, unit, cast(null as date) as _partition_date
    from {{ source('whatif', 'unit_cost_standards') }}
    {%- else -%}
    {{ delivered_or_seed('unit_cost_standards', ['work_type', 'asset_class', 'valid_from'], ['work_type', 'asset_class', 'valid_from', 'valid_to', 'rate_yuan', 'unit']) }}
    {%- endif %}
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
