-- One row per reason the allocation of the fiscal year as of the as-of date must not be
-- published, with a message a finance officer can act on. Empty when publication may go ahead.
-- Not published: the audit step reads it and fails the run with these messages.
with segments as (
    select * from {{ ref('int_asset_work_days_segmented') }}
),

district_cost_lines as (
    select * from {{ ref('int_cost_lines_grouped') }}
    where tier in ('district', 'street')
),

pools as (
    select * from {{ ref('stg_budget_pools__budget_pools') }}
    where fiscal_year = {{ fiscal_year() }}
),

-- a run of Y before Y's pool is delivered settles Y-1 and waits for the pool: not a blocker
-- once anything of Y-1 was published or approved (domain.md "The budget year")
settlements as (
    select * from {{ ref('int_year_end_settlements') }}
    where settled_fiscal_year = {{ fiscal_year() }} - 1
),

missing_rates as (
    select
        'missing_rate' as blocker,
        'No unit-cost standard (经费标准) for ' || work_type || ' of ' || asset_class
            || ' valid on ' || to_char(min(segment_start), 'YYYY-MM-DD')
            || ' (needed by ' || count(distinct asset_id) || ' assets with a verified measurement).'
            || ' Deliver it in unit_cost_standards and re-run this date.' as message
    from segments
    where quantity is not null and rate_yuan is null
    group by work_type, asset_class
),

missing_pool as (
    select
        'missing_pool' as blocker,
        'No budget pool for fiscal year ' || {{ fiscal_year() }} || ' is known on '
            || to_char({{ as_of_date() }}, 'YYYY-MM-DD')
            || '. Deliver it in budget_pools and re-run this date.' as message
    where not exists (select 1 from pools)
),

-- waiting for the pool: nothing of Y is allocated, so nothing of it can block
waiting as (
    select 1 as is_waiting
    where not exists (select 1 from pools)
        and exists (select 1 from settlements)
),

zero_standard_cost as (
    select
        'zero_standard_cost' as blocker,
        'The standard cost of every district is zero for fiscal year ' || {{ fiscal_year() }}
            || ': no verified measurement with a rate falls to a district or street.'
            || ' Check area_measurements (verified) and responsibility_matrix.' as message
    where coalesce((select sum(cost_yuan_days) from district_cost_lines), 0) = 0
),

blockers as (
    select blocker, message from missing_rates
    union all
    select blocker, message from missing_pool
    union all
    select blocker, message from zero_standard_cost
),

final as (
    select {{ run_stamp() }}, blocker, message
    from blockers
    where not exists (select 1 from waiting)
)

select * from final
