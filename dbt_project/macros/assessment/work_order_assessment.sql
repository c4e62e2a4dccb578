{#- The assessment (考核) of work orders (数字城管 cases), written once for the district score the
    incentive uses (int_district_scores_assessed) and the published results
    (int_assessment_results_scored): a case is due when its deadline falls in the fiscal year on
    or before the as-of date (city time); on time when closed at or before the deadline; a case
    still open is late; the score is 100 x on time / due, none without a due case. -#}
{% macro is_due_case(deadline_at) -%}
    ({{ deadline_at }} >= (cast({{ fiscal_year_start() }} as timestamp) at time zone 'Asia/Shanghai')
        and {{ deadline_at }} < {{ as_of_end_instant() }}
        and {{ deadline_at }} < (cast({{ fiscal_year_end() }} as timestamp) at time zone 'Asia/Shanghai'))
{%- endmacro %}

{% macro is_on_time_case(closed_at, deadline_at) -%}
    ({{ closed_at }} is not null and {{ closed_at }} <= {{ deadline_at }})
{%- endmacro %}

{% macro assessment_score(cases_on_time, cases_due) -%}
    case when {{ cases_due }} > 0 then round(100.0 * {{ cases_on_time }} / {{ cases_due }}, 2) end
{%- endmacro %}
