-- One row per asset per work type per interval [valid_from, valid_to) of the fiscal year over
-- which one (tier, district) is responsible. The intervals of a pair cover the year without gap.
--
-- Rules (domain.md): the matrix default for the asset's class, in the asset's district; a pair
-- that follows a road (followed_work_type: an adopted road's maintenance, a bridge's maintenance
-- and deck sweeping) takes whoever does that work on the road it connects to, day by day,
-- including the road's transfers, while an adopted road's sweeping and greening go to its own
-- district; then the latest transfer of the pair, or of the asset for every work type (*),
-- effective on the day wins. On one effective date a transfer for the work type wins over a `*`
-- one, then the larger transfer_id. The road followed is not chased further: when it follows
-- a road itself, has no such work or is not active in the year, the follower's own matrix
-- default applies.
--
-- Money follows the task (费随事转): each interval also names the pair's *baseline* holder, the
-- (tier, district) responsible on 1 January of the year. That is the holder given by the
-- defaults and the transfers effective on or before 1 January (standing transfers) alone, and
-- it holds the whole year: the base pool is split on it, and an interval whose holder is
-- another party moves money from the baseline holder to that party (int_devolved_funding_moved).
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
    where followed_work_type is null
),

-- default, then the pair's own transfers from the first one on
direct as (
    {{ overlay_transfers('static_defaults') }}
),

-- pairs that follow a road: the road's responsibility for the followed work, interval by
-- interval; the follower's own matrix default when the road has no such work
following_defaults as (
    select
        follower.asset_id,
        follower.work_type,
        coalesce(road.tier, follower.matrix_tier) as tier,
        case
            when road.asset_id is not null then road.district_code
            when follower.matrix_tier = 'city' then null
            else follower.district_code
        end as district_code,
        road.transfer_id,
        road.asset_id as follows_asset_id,
        coalesce(road.valid_from, cast('-infinity' as date)) as valid_from,
        coalesce(road.valid_to, {{ fiscal_year_end() }}) as valid_to
    from pairs as follower
    left join direct as road
        on road.asset_id = follower.connected_to
        and road.work_type = follower.followed_work_type
    where follower.followed_work_type is not null
),

following as (
    {{ overlay_transfers('following_defaults') }}
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
    from (select * from direct union all select * from following) as all_intervals
),

in_year as (
    select *
    from clipped
    where valid_from < valid_to
),

-- the intervals of a pair cover the year without gap: the one of 1 January is the baseline
baseline as (
    select
        asset_id,
        work_type,
        tier as baseline_tier,
        district_code as baseline_district_code
    from in_year
    where valid_from = {{ fiscal_year_start() }}
),

final as (
    select
        in_year.*,
        baseline.baseline_tier,
        baseline.baseline_district_code
    from in_year
    inner join baseline
        on baseline.asset_id = in_year.asset_id
        and baseline.work_type = in_year.work_type
)

select * from final
