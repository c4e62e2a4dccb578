{#- Layers live in fixed schemas (staging, intermediate, audit) created by sql/, not in
    target-prefixed ones, so the publish step and the grants know where everything is.
    A what-if scenario (`munifund whatif`) sets var `scenario_schema`: every model it builds goes
    there instead, so a scenario never replaces a view or table that a nightly run reads or
    publishes. Seeds stay where the nightly run loads them: a scenario changes no seed. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if var('scenario_schema', none) and node.resource_type == 'model' -%}
        {{ var('scenario_schema') }}
    {%- else -%}
        {{ custom_schema_name | trim if custom_schema_name else target.schema }}
    {%- endif -%}
{%- endmacro %}
