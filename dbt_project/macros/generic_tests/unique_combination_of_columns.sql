{#- Composite-key uniqueness: fails with one row per combination of `combination_of_columns`
    that occurs more than once (nulls count as a value, so a null key part repeated fails too). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    {%- set columns = combination_of_columns | join(', ') %}
    select
        {{ columns }},
        count(*) as rows_with_key
    from {{ model }}
    group by {{ columns }}
    having count(*) > 1
{% endtest %}
