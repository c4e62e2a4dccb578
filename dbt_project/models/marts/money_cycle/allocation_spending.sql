-- One row per district per fiscal year per as-of date: how the district used the maintenance
-- money it received (int_allocation_spending_assessed, where the rule lives), stamped with the run.
with spending as (
    select * from {{ ref('int_allocation_spending_assessed') }}
),

final as (
    select
        {{ run_stamp() }},
        district_code,
        name_zh,
        name_en,
        received_yuan,
        spent_maintenance_yuan,
        diverted_yuan,
        unspent_yuan,
        usage_rate,
        status,
        opening_yuan
    from spending
)

select * from final
