-- One row per district per fiscal year per as-of date: the payment status of the district's
-- allocation (int_disbursement_statuses_assessed, where the rule lives), stamped with the run.
with statuses as (
    select * from {{ ref('int_disbursement_statuses_assessed') }}
),

final as (
    select
        {{ run_stamp() }},
        district_code,
        name_zh,
        name_en,
        total_yuan,
        due_share,
        due_to_date_yuan,
        paid_to_date_yuan,
        shortfall_yuan,
        balance_of_year_yuan,
        worst_days_late,
        status
    from statuses
)

select * from final
