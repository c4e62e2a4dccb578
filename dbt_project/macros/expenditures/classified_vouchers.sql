{#- The vouchers funded by `funding_source` paid on or before the as-of date (in city time) and
    booked to the run's fiscal year or an earlier one, each with the reason it counts as diverted
    (null when it was spent on city management): `ineligible` when its purpose is known but not
    city management, `unsupported` when its purpose code is empty or unknown (auditors count money
    that cannot be shown to serve its purpose as diverted until it is). One test for both funds
    the city checks, kiosk fees and the maintenance allocation (domain.md). -#}
{% macro classified_vouchers(funding_source) -%}
    select
        expenditures.voucher_id,
        expenditures.district_code,
        expenditures.fiscal_year,
        expenditures.paid_at,
        expenditures.amount_yuan,
        expenditures.funding_source,
        expenditures.purpose_code,
        cast(
            case
                when expenditure_purposes.purpose_code is null then 'unsupported'
                when expenditure_purposes.is_city_management is not true then 'ineligible'
            end as text
        ) as diversion_reason
    from {{ ref('stg_expenditures__expenditures') }} as expenditures
    left join {{ ref('stg_expenditure_purposes__expenditure_purposes') }} as expenditure_purposes
        on expenditure_purposes.purpose_code = expenditures.purpose_code
    where expenditures.funding_source = '{{ funding_source }}'
        and expenditures.paid_at < {{ as_of_end_instant() }}
        and expenditures.fiscal_year <= {{ fiscal_year() }}
{%- endmacro %}
