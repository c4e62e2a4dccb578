-- One row per district per settled fiscal year per as-of date: the year-end settlement and
-- carry-over (int_year_end_settlements, where the rule lives), stamped with the run.
with settlements as (
    select * from {{ ref('int_year_end_settlements') }}
),

final as (
    select
        {{ run_stamp() }},
        settled_fiscal_year,
        district_code,
        name_zh,
        name_en,
        plan_yuan,
        plan_run_id,
        paid_yuan,
        owed_yuan,
        unspent_yuan,
        carried_over_yuan
    from settlements
)

select * from final
