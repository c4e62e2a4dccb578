{#- Which build made a staging view or an intermediate table: its as-of date and run, written as
    the relation's comment by a post-hook (dbt_project.yml), in the model's own transaction, so
    that the stamp and the rows always go together. `munifund whatif` computes a scenario from the
    nightly's tables only when every one it reads carries the stamp of the published run of the
    scenario's date (whatif/nightly_tables.py); a table of another date or run, or unstamped,
    sends the scenario to a full build of its own. -#}
{% macro build_stamp_text() -%}
    munifund build: as_of_date={{ run_parameter("as_of_date", "MUNIFUND_AS_OF_DATE") }} run_id={{ run_parameter("run_id", "MUNIFUND_RUN_ID") }}
{%- endmacro %}

{% macro stamp_build() -%}
    {%- if model.config.materialized in ('table', 'view', 'incremental') -%}
        comment on {{ 'view' if model.config.materialized == 'view' else 'table' }} {{ this }}
        is '{{ build_stamp_text() | replace("'", "''") }}'
    {%- endif -%}
{%- endmacro %}
