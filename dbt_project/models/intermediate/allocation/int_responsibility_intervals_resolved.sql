-- One row per asset per work type per interval [valid_from, valid_to) of the fiscal year over
-- which one (tier, district) is responsible. The intervals of a pair cover the year without gap.
--
-- Rules (domain.md): the matrix default for the asset's class, in the asset's district; for an
-- adopted road (connected_to set) maintenance follows whoever maintains the road it connects to,
-- day by day, while sweeping and greening go to its own district; then the latest transfer of
-- the pair, or of the asset for every work type (*), effective on the day wins. On one effective
-- date a transfer for the work type wins over a `*` one, then the larger transfer_id.
with pairs as (
    select * from {{ ref('int_asset_work_types_assigned') }}
),

transfers as (
    select * from {{ ref('stg_asset_transfers__asset_transfers') }}
),

-- the winning transfer of each pair on each effective date
pair_transfers as (
    select distinct on (pairs.asset_id, pairs.work_type, transfers.effective_on)
        pairs.asset_id,
        pairs.work_type,
        transfers.transfer_id,
        transfers.to_tier as tier,
        case
            when transfers.to_tier = 'city' then null
            else coalesce(transfers.to_district_code, pairs.district_code)
        end as district_code,
        transfers.effective_on
    from pairs
    inner join transfers
        on transfers.asset_id = pairs.asset_id
        and transfers.work_type in (pairs.work_type, '*')
    where transfers.effective_on < {{ fiscal_year_end() }}
    order by
        pairs.asset_id,
        pairs.work_type,
        transfers.effective_on,
        transfers.work_type = '*',
        transfers.transfer_id desc
),

transfer_intervals as (
    select
        asset_id,
        work_type,
        tier,
        district_code,
        transfer_id,
        cast(null as text) as follows_asset_id,
        effective_on as valid_from,
        coalesce(
            lead(effective_on) over (partition by asset_id, work_type order by effective_on),
            {{ fiscal_year_end() }}
        ) as valid_to
    from pair_transfers
),

first_transfer as (
    select asset_id, work_type, min(valid_from) as first_from
    from transfer_intervals
    group by asset_id, work_type
),

-- defaults that depend on no other asset
static_defaults as (
    select
        asset_id,
        work_type,
        case when is_adopted_road then 'district' else matrix_tier end as tier,
        case
            when not is_adopted_road and matrix_tier = 'city' then null
            else district_code
        end as district_code,
        cast(null as text) as transfer_id,
        cast(null as text) as follows_asset_id,
        cast('-infinity' as date) as valid_from,
        {{ fiscal_year_end() }} as valid_to
    from pairs
    where not (is_adopted_road and work_type in ('road_maintenance', 'bridge_maintenance'))
),

-- default, then the pair's own transfers from the first one on
direct as (
    {{ overlay_transfers('static_defaults') }}
),

-- adopted roads' maintenance: the connected road's responsibility, interval by interval; the
-- matrix default of the adopted road's class when the connected road has no such work
adopted_defaults as (
    select
        adopted.asset_id,
        adopted.work_type,
        coalesce(connected.tier, adopted.matrix_tier) as tier,
        case
            when connected.asset_id is not null then connected.district_code
            when adopted.matrix_tier = 'city' then null
            else adopted.district_code
        end as district_code,
        connected.transfer_id,
        connected.asset_id as follows_asset_id,
        coalesce(connected.valid_from, cast('-infinity' as date)) as valid_from,
        coalesce(connected.valid_to, {{ fiscal_year_end() }}) as valid_to
    from pairs as adopted
    left join direct as connected
        on connected.asset_id = adopted.connected_to
        and connected.work_type = adopted.work_type
    where adopted.is_adopted_road
        and adopted.work_type in ('road_maintenance', 'bridge_maintenance')
),

adopted as (
    {{ overlay_transfers('adopted_defaults') }}
),

clipped as (
    select
        asset_id,
        work_type,
        tier,
        district_code,
        transfer_id,
        follows_asset_id,
        greatest(valid_from, {{ fiscal_year_start() }}) as valid_from,
        least(valid_to, {{ fiscal_year_end() }}) as valid_to
    from (select * from direct union all select * from adopted) as all_intervals
),

final as (
    select *
    from clipped
    where valid_from < valid_to
)

select * from final
