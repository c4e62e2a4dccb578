-- One row per tier per responsible district (null for the city) per work type per asset class
-- per rate period: the measured, rated work of the fiscal year summed, the common source of the
-- districts' lines and the city's own cost. cost = cost_yuan_days / days in the year.
with segments as (
    select * from {{ ref('int_asset_work_days_segmented') }}
    where quantity is not null
        and rate_yuan is not null
),

final as (
    select
        tier,
        district_code,
        work_type,
        asset_class,
        rate_valid_from,
        rate_yuan,
        max(unit) as unit,
        count(distinct asset_id) as assets,
        sum(unit_days) as unit_days,
        sum(cost_yuan_days) as cost_yuan_days
    from segments
    group by tier, district_code, work_type, asset_class, rate_valid_from, rate_yuan
)

select * from final
