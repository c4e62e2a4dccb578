-- One row per kiosk per fiscal year per as-of date: the fee the kiosk owes for the year up to the
-- as-of date against what it paid (int_kiosk_fees_charged, where the rule and the published types
-- live), stamped with the run.
with charges as (
    select * from {{ ref('int_kiosk_fees_charged') }}
),

final as (
    select
        {{ run_stamp() }},
        kiosk_id,
        district_code,
        kiosk_type,
        permit_no,
        area_m2,
        monthly_rate_yuan_per_m2,
        licensed_days,
        months_licensed,
        expected_yuan,
        paid_yuan,
        arrears_yuan,
        overpaid_yuan
    from charges
)

select * from final
