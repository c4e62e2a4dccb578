{#- The raw rows of a source known on the as-of date, latest delivery of each key only.
    A later partition corrects an earlier one row by row; within a partition the later file
    and line win. -#}
{% macro latest_version(source_name, key_columns) -%}
    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by _partition_date desc, _file desc, _line desc
            ) as _version_rank
        from {{ source('raw', source_name) }}
        where _partition_date <= {{ as_of_date() }}
    ) versions
    where _version_rank = 1
{%- endmacro %}

{#- A reference source: the delivered rows when any partition of it is known on the as-of date,
    otherwise the seed shipped with the project, never a mix of the two. -#}
{% macro delivered_or_seed(source_name, key_columns, columns) -%}
    select {{ columns | join(', ') }}, _partition_date
    from ({{ latest_version(source_name, key_columns) }}) delivered
    union all
    select
        {%- for column in columns %} cast({{ column }} as text) as {{ column }},{% endfor %}
        cast(null as date) as _partition_date
    from {{ ref('seed_' ~ source_name) }}
    where not exists (
        select 1 from {{ source('raw', source_name) }}
        where _partition_date <= {{ as_of_date() }}
    )
{%- endmacro %}
