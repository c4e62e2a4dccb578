-- Each line's assets add up to the line: the same unit-days exactly (quantity x days, 4
-- decimals, summed), the same count of assets, and no asset row without its line nor a line
-- without assets. Fails with one row per line where they do not.
with lines as (
    select * from {{ ref('district_allocation_lines') }}
),

assets as (
    select * from {{ ref('district_allocation_assets') }}
),

asset_totals as (
    select
        fiscal_year,
        as_of_date,
        district_code,
        tier,
        work_type,
        asset_class,
        rate_valid_from,
        sum(unit_days) as unit_days,
        count(distinct asset_id) as assets
    from assets
    group by fiscal_year, as_of_date, district_code, tier, work_type, asset_class, rate_valid_from
),

final as (
    select
        coalesce(lines.fiscal_year, asset_totals.fiscal_year) as fiscal_year,
        coalesce(lines.as_of_date, asset_totals.as_of_date) as as_of_date,
        coalesce(lines.district_code, asset_totals.district_code) as district_code,
        coalesce(lines.tier, asset_totals.tier) as tier,
        coalesce(lines.work_type, asset_totals.work_type) as work_type,
        coalesce(lines.asset_class, asset_totals.asset_class) as asset_class,
        coalesce(lines.rate_valid_from, asset_totals.rate_valid_from) as rate_valid_from,
        lines.unit_days as line_unit_days,
        asset_totals.unit_days as assets_unit_days,
        lines.assets as line_assets,
        asset_totals.assets as assets_counted
    from lines
    full outer join asset_totals
        on asset_totals.fiscal_year = lines.fiscal_year
        and asset_totals.as_of_date = lines.as_of_date
        and asset_totals.district_code = lines.district_code
        and asset_totals.tier = lines.tier
        and asset_totals.work_type = lines.work_type
        and asset_totals.asset_class = lines.asset_class
        and asset_totals.rate_valid_from = lines.rate_valid_from
    where lines.unit_days is distinct from asset_totals.unit_days
        or lines.assets is distinct from asset_totals.assets
)

select * from final
