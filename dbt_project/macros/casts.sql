{#- Casts from the raw layer's text. The loader has already checked every value, so these
    cannot fail on delivered rows. -#}

{#- Money: yuan to the fen, numeric, never float. -#}
{% macro to_yuan(column) -%}
    cast({{ column }} as numeric(18, 2))
{%- endmacro %}

{% macro to_quantity(column) -%}
    cast({{ column }} as numeric(18, 4))
{%- endmacro %}

{#- sources.md: timestamps are Asia/Shanghai local time unless they carry an offset. -#}
{% macro to_city_timestamp(column) -%}
    case
        when {{ column }} ~ '(Z|[+-][0-9]{2}(:?[0-9]{2})?)$' and {{ column }} ~ '[T ][0-9]{2}:'
            then cast({{ column }} as timestamptz)
        else cast({{ column }} as timestamp) at time zone 'Asia/Shanghai'
    end
{%- endmacro %}

{% macro to_boolean(column) -%}
    (lower(btrim({{ column }})) in ('true', 't', 'yes', 'y', '1', '是'))
{%- endmacro %}
