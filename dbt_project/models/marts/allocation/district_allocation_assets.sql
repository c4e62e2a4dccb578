-- One row per district per tier per work type per asset class per rate period (a line of
-- district_allocation_lines) per asset per verified measurement, for the fiscal year as of the
-- as-of date: the assets behind each line, with the measurement that counted and for how many
-- days. Summed over a line's assets, unit_days and cost_exact_yuan give the line's own.
with segments as (
    select * from {{ ref('int_asset_work_days_segmented') }}
    where tier in ('district', 'street')
        and quantity is not null
        and rate_yuan is not null
),

assets as (
    select * from {{ ref('stg_assets__assets') }}
),

measurements as (
    select * from {{ ref('stg_area_measurements__area_measurements') }}
),

counted as (
    select
        district_code,
        tier,
        work_type,
        asset_class,
        rate_valid_from,
        asset_id,
        measurement_id,
        max(rate_yuan) as rate_yuan,
        sum(days) as days,
        sum(unit_days) as unit_days,
        sum(cost_yuan_days) as cost_yuan_days
    from segments
    group by district_code, tier, work_type, asset_class, rate_valid_from, asset_id, measurement_id
),

final as (
    select
        {{ run_stamp() }},
        counted.district_code,
        counted.tier,
        counted.work_type,
        counted.asset_class,
        counted.rate_valid_from,
        counted.asset_id,
        assets.name as asset_name,
        assets.street_code,
        counted.measurement_id,
        measurements.quantity,
        measurements.unit,
        measurements.effective_from,
        measurements.is_verified,
        measurements.verified_by,
        measurements.verified_on,
        cast(counted.days as integer) as days,
        cast(counted.unit_days as numeric(24, 4)) as unit_days,
        cast(
            round(counted.unit_days / {{ days_in_fiscal_year() }}, 6) as numeric(24, 6)
        ) as quantity_unit_years,
        {{ to_yuan('counted.rate_yuan') }} as rate_yuan,
        cast(
            round(counted.cost_yuan_days / {{ days_in_fiscal_year() }}, 6) as numeric(24, 6)
        ) as cost_exact_yuan
    from counted
    left join assets
        on assets.asset_id = counted.asset_id
    left join measurements
        on measurements.measurement_id = counted.measurement_id
)

select * from final
