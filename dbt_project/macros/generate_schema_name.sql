{#- Layers live in fixed schemas (staging, intermediate, audit) created by sql/, not in
    target-prefixed ones, so the publish step and the grants know where everything is. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name | trim if custom_schema_name else target.schema }}
{%- endmacro %}
