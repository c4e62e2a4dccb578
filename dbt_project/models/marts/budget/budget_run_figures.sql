-- One row per district of this run: the figures that the drivers of a plan's adjustment compare
-- between two approved runs (quantity, transfers, rates, score, pool). Not published: the publish
-- step appends them to ops.published_run_figures, which published.budget_adjustments reads.
with allocations as (
    select * from {{ ref('district_allocation') }}
),

lines as (
    select * from {{ ref('district_allocation_lines') }}
),

transfers as (
    select * from {{ ref('stg_asset_transfers__asset_transfers') }}
),

assets as (
    select * from {{ ref('stg_assets__assets') }}
),

standards as (
    select * from {{ ref('stg_unit_cost_standards__unit_cost_standards') }}
),

quantities as (
    select district_code, sum(unit_days) as unit_days
    from lines
    group by district_code
),

known_transfers as (
    select
        coalesce(transfers.to_district_code, assets.district_code) as district_code,
        count(*) as transfers
    from transfers
    inner join assets
        on assets.asset_id = transfers.asset_id
    group by 1
),

final as (
    select
        allocations.fiscal_year,
        allocations.as_of_date,
        allocations.run_id,
        allocations.district_code,
        allocations.total_yuan,
        allocations.standard_cost_yuan,
        coalesce(quantities.unit_days, 0) as unit_days,
        allocations.assessment_score,
        allocations.pool_yuan,
        cast(coalesce(known_transfers.transfers, 0) as integer) as transfers_known,
        cast((select count(*) from standards) as integer) as rate_standards_known
    from allocations
    left join quantities
        on quantities.district_code = allocations.district_code
    left join known_transfers
        on known_transfers.district_code = allocations.district_code
)

select * from final
