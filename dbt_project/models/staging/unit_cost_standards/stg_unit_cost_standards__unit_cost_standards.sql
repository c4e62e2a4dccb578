-- A what-if scenario (macros/scenario.sql) reads the rates file it was given
-- (`munifund whatif --rates`, in whatif.unit_cost_standards) instead of the delivered standards:
-- the file replaces them, as a delivery replaces the seed; with no file, the delivered ones. The
-- file was checked against the unit_cost_standards contract before it got there.
{%- set columns = ['work_type', 'asset_class', 'valid_from', 'valid_to', 'rate_yuan', 'unit'] %}
with source as (
    {% if is_scenario() -%}
    select {{ columns | join(', ') }}, cast(null as date) as _partition_date
    from {{ source('whatif', 'unit_cost_standards') }}
    union all
    select * from (
        {{ delivered_or_seed('unit_cost_standards', ['work_type', 'asset_class', 'valid_from'], columns) }}
    ) delivered
    where not exists (select 1 from {{ source('whatif', 'unit_cost_standards') }})
    {%- else -%}
    {{ delivered_or_seed('unit_cost_standards', ['work_type', 'asset_class', 'valid_from'], columns) }}
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
