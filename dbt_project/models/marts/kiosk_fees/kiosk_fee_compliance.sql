-- One row per district per fiscal year per as-of date: the district's kiosk-fee account and its
-- compliance status (int_kiosk_fee_accounts_assessed, where the rule and the published types
-- live), stamped with the run.
with accounts as (
    select * from {{ ref('int_kiosk_fee_accounts_assessed') }}
),

final as (
    select
        {{ run_stamp() }},
        district_code,
        name_zh,
        name_en,
        opening_yuan,
        collected_yuan,
        planned_yuan,
        spent_city_mgmt_yuan,
        diverted_yuan,
        closing_yuan,
        usage_rate,
        status
    from accounts
)

select * from final
