-- One row per district per transfer per fiscal year per as-of date: the money that followed the
-- task (费随事转) of int_devolved_costs_attributed, where the rule lives, stamped with the run.
with devolved as (
    select * from {{ ref('int_devolved_costs_attributed') }}
),

final as (
    select
        {{ run_stamp() }},
        district_code,
        transfer_id,
        asset_id,
        work_type,
        from_holder,
        to_holder,
        effective_date,
        decree_ref,
        amount_yuan
    from devolved
)

select * from final
