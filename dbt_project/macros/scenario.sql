{#- A what-if scenario (`munifund whatif`) builds the allocation models into schema `whatif`
    (var scenario_schema, generate_schema_name) and reads its parameters from the one row of
    whatif.parameters, which the command writes just before the build. Values in a table, not in
    vars: new vars make dbt parse the whole project again (two thirds of a scenario's time),
    while the same vars let one scenario after another reuse the parse. A nightly run sets no
    scenario_schema, and these macros give what the vars say, as before. -#}
{% macro is_scenario() -%}
    {{ return(var('scenario_schema', none) is not none) }}
{%- endmacro %}

{#- The scenario's value of a parameter (null: as delivered), as a scalar subquery. -#}
{% macro scenario_parameter(name) -%}
    (select {{ name }} from {{ source('whatif', 'parameters') }})
{%- endmacro %}

{#- 以奖代补: the assessment score a district must reach to share the incentive pool. -#}
{% macro incentive_score_threshold() -%}
    {%- if is_scenario() -%}
        {{ scenario_parameter('incentive_score_threshold') }}
    {%- else -%}
        {#- the var's former name, when a caller still sets it, wins over the project's value -#}
        {{ var('incentive_score_threshold', var('score_threshold')) }}
    {%- endif -%}
{%- endmacro %}

{#- 以奖代补: the own investment weighed, `level` or `increase`, as a SQL text value. -#}
{% macro incentive_basis() -%}
    {%- if is_scenario() -%}
        {{ scenario_parameter('incentive_basis') }}
    {%- else -%}
        {%- set basis = var('incentive_basis') -%}
        {%- if basis not in ('level', 'increase') -%}
            {{ exceptions.raise_compiler_error(
                "var incentive_basis is " ~ basis ~ ": it must be level or increase") }}
        {%- endif -%}
        cast('{{ basis }}' as text)
    {%- endif -%}
{%- endmacro %}

{#- A delivered figure, or the scenario's value of it when the scenario sets one. -#}
{% macro scenario_or_delivered(name, delivered) -%}
    {%- if is_scenario() -%}
        coalesce({{ scenario_parameter(name) }}, {{ delivered }})
    {%- else -%}
        {{ delivered }}
    {%- endif -%}
{%- endmacro %}
