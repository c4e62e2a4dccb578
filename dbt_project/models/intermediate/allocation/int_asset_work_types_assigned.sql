-- One row per asset per work type that the responsibility matrix gives its class, for assets
-- active on at least one day of the fiscal year.
with assets as (
    select * from {{ ref('stg_assets__assets') }}
),

matrix as (
    select * from {{ ref('stg_responsibility_matrix__responsibilities') }}
),

final as (
    select
        assets.asset_id,
        assets.asset_class,
        assets.district_code,
        assets.street_code,
        assets.connected_to,
        assets.commissioned_on,
        assets.retired_on,
        matrix.work_type,
        matrix.tier as matrix_tier,
        assets.connected_to is not null as is_adopted_road
    from assets
    inner join matrix
        on matrix.asset_class = assets.asset_class
    where assets.commissioned_on < {{ fiscal_year_end() }}
        and (assets.retired_on is null or assets.retired_on > {{ fiscal_year_start() }})
)

select * from final
