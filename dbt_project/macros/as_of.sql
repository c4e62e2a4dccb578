{#- The run's as-of date and id. The DAG (and munifund.dbt_project.run_dbt) give them in the
    environment, MUNIFUND_AS_OF_DATE and MUNIFUND_RUN_ID, not as dbt vars: dbt re-parses the whole
    project whenever its command-line vars change (about 7 s of CPU here), and every run has a new
    run id. They are read only when executing, so parsing never depends on them. A var given on
    the command line or in a unit test's `overrides` still wins. -#}
{% macro run_parameter(var_name, env_name) -%}
    {%- set given = var(var_name) -%}
    {%- if given != 'from_environment' -%}
        {{- given -}}
    {%- elif not execute -%}
        {#- parsing: any well-formed value will do -#}
        {{- '2000-01-01' if var_name == 'as_of_date' else 'parsing' -}}
    {%- else -%}
        {%- set value = env_var(env_name, '') -%}
        {%- if not value -%}
            {{ exceptions.raise_compiler_error(var_name ~ ": set " ~ env_name ~ " or pass --vars '{" ~ var_name ~ ": ...}'") }}
        {%- endif -%}
        {{- value -}}
    {%- endif -%}
{%- endmacro %}

{#- `session`: the date of the session that executes the SQL (setting munifund.as_of_date), so
    that SQL compiled once serves every date: `munifund whatif` compiles the models a scenario
    computes again this way, once, and executes them for the scenario's date (whatif/nightly_tables.py). -#}
{% macro as_of_date() -%}
    {%- set value = run_parameter("as_of_date", "MUNIFUND_AS_OF_DATE") -%}
    {%- if value == 'session' -%}
        cast(current_setting('munifund.as_of_date') as date)
    {%- else -%}
        cast('{{ value }}' as date)
    {%- endif -%}
{%- endmacro %}

{% macro fiscal_year() -%}
    cast(extract(year from {{ as_of_date() }}) as integer)
{%- endmacro %}

{% macro run_id() -%}
    cast('{{ run_parameter("run_id", "MUNIFUND_RUN_ID") }}' as text)
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
