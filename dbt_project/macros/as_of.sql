{#- The run's as-of date and fiscal year (dbt vars set by the DAG from the logical date). -#}
{% macro as_of_date() -%}
    cast('{{ var("as_of_date") }}' as date)
{%- endmacro %}

{% macro fiscal_year() -%}
    cast(extract(year from {{ as_of_date() }}) as integer)
{%- endmacro %}

{% macro run_id() -%}
    cast('{{ var("run_id") }}' as text)
{%- endmacro %}

{#- Every published row carries the fiscal year, as-of date and run that produced it. -#}
{% macro run_stamp() -%}
    {{ fiscal_year() }} as fiscal_year,
    {{ as_of_date() }} as as_of_date,
    {{ run_id() }} as run_id
{%- endmacro %}

{#- The fiscal year is the calendar year: [start, end) as dates, and its number of days D_Y. -#}
{% macro fiscal_year_start() -%}
    make_date({{ fiscal_year() }}, 1, 1)
{%- endmacro %}

{% macro fiscal_year_end() -%}
    make_date({{ fiscal_year() }} + 1, 1, 1)
{%- endmacro %}

{% macro days_in_fiscal_year() -%}
    ({{ fiscal_year_end() }} - {{ fiscal_year_start() }})
{%- endmacro %}

{#- The first instant after the as-of date, in the city's time: "on or before A" for timestamps. -#}
{% macro as_of_end_instant() -%}
    (cast({{ as_of_date() }} + 1 as timestamp) at time zone 'Asia/Shanghai')
{%- endmacro %}
