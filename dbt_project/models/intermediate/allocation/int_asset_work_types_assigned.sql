-- One row per asset per work type that the responsibility matrix gives its class, for assets
-- active on at least one day of the fiscal year. `followed_work_type` names the work of the
-- connected road (connected_to) whose responsibility the pair follows (domain.md): an adopted
-- road's maintenance follows the road's same work, a bridge's maintenance the road's
-- road_maintenance and its deck sweeping the road's sweeping.
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
        assets.connected_to is not null and assets.asset_class <> 'bridge' as is_adopted_road,
        case
            when assets.connected_to is null then null
            when assets.asset_class = 'bridge' and matrix.work_type = 'bridge_maintenance'
                then 'road_maintenance'
            when assets.asset_class = 'bridge' and matrix.work_type = 'sweeping'
                then 'sweeping'
            when assets.asset_class <> 'bridge'
                and matrix.work_type in ('road_maintenance', 'bridge_maintenance')
                then matrix.work_type
        end as followed_work_type
    from assets
    inner join matrix
        on matrix.asset_class = assets.asset_class
    where assets.commissioned_on < {{ fiscal_year_end() }}
        and (assets.retired_on is null or assets.retired_on > {{ fiscal_year_start() }})
)

select * from final
