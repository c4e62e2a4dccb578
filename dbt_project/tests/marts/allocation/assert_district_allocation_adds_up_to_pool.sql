-- The district totals add up to the pool plus the money that followed the task (sum of
-- devolved_yuan, paid by the city's own budget) to the fen, the base amounts to the base pool and the
-- incentives to the incentive pool; the two pools make the pool, and the incentive pool is
-- round(P x s, 2) unless it fell back to the base (then 0). Fails with one row per fiscal year
-- and as-of date where any of these does not hold.
with allocation as (
    select * from {{ ref('district_allocation') }}
),

sums as (
    select
        fiscal_year,
        as_of_date,
        count(distinct pool_yuan) as pools,
        max(pool_yuan) as pool_yuan,
        max(base_pool_yuan) as base_pool_yuan,
        max(incentive_pool_yuan) as incentive_pool_yuan,
        max(incentive_share) as incentive_share,
        bool_and(incentive_fell_back) as incentive_fell_back,
        sum(total_yuan) as total_yuan,
        sum(devolved_yuan) as devolved_yuan,
        sum(base_yuan) as base_yuan,
        sum(incentive_yuan) as incentive_yuan
    from allocation
    group by fiscal_year, as_of_date
),

final as (
    select *
    from sums
    where pools <> 1
        or total_yuan <> pool_yuan + devolved_yuan
        or base_yuan <> base_pool_yuan
        or incentive_yuan <> incentive_pool_yuan
        or base_pool_yuan + incentive_pool_yuan <> pool_yuan
        or incentive_pool_yuan <> case
            when incentive_fell_back then 0
            else round(pool_yuan * incentive_share, 2)
        end
)

select * from final
