-- Every district's total is its base plus its incentive plus the money that followed the task
-- (devolved_yuan, which may be negative), and neither base nor incentive is negative. Fails with one
-- row per district where that does not hold.
with allocation as (
    select * from {{ ref('district_allocation') }}
),

final as (
    select
        fiscal_year,
        as_of_date,
        district_code,
        base_yuan,
        incentive_yuan,
        devolved_yuan,
        total_yuan
    from allocation
    where total_yuan <> base_yuan + incentive_yuan + devolved_yuan
        or base_yuan < 0
        or incentive_yuan < 0
)

select * from final
