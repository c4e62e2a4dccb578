-- One row per asset per work type per segment [segment_start, segment_end) of the fiscal year on
-- which the asset is active and its responsibility, verified quantity and rate are all constant.
--
-- Day weighting is date-range arithmetic between change points (commissioning, retirement,
-- transfers, measurements, rate revisions), never one row per asset per day, so the model grows
-- with the number of changes, not with assets x days.
with pairs as (
    select * from {{ ref('int_asset_work_types_assigned') }}
),

responsibilities as (
    select * from {{ ref('int_responsibility_intervals_resolved') }}
),

quantities as (
    select * from {{ ref('int_quantity_intervals_resolved') }}
),

rates as (
    select * from {{ ref('int_rate_intervals_resolved') }}
),

change_points as (
    select asset_id, work_type, greatest(commissioned_on, {{ fiscal_year_start() }}) as point
    from pairs
    union
    select asset_id, work_type, retired_on from pairs
    where retired_on > {{ fiscal_year_start() }} and retired_on < {{ fiscal_year_end() }}
    union
    select asset_id, work_type, valid_from from responsibilities
    union
    select asset_id, work_type, valid_from from quantities
    union
    select pairs.asset_id, pairs.work_type, rates.valid_from
    from pairs
    inner join rates
        on rates.work_type = pairs.work_type
        and rates.asset_class = pairs.asset_class
),

segments as (
    select
        asset_id,
        work_type,
        point as segment_start,
        coalesce(
            lead(point) over (partition by asset_id, work_type order by point),
            {{ fiscal_year_end() }}
        ) as segment_end
    from change_points
    where point >= {{ fiscal_year_start() }} and point < {{ fiscal_year_end() }}
),

active_segments as (
    select
        segments.*,
        pairs.asset_class,
        pairs.district_code as asset_district_code,
        pairs.retired_on
    from segments
    inner join pairs
        on pairs.asset_id = segments.asset_id
        and pairs.work_type = segments.work_type
    where pairs.commissioned_on <= segments.segment_start
        and (pairs.retired_on is null or segments.segment_start < pairs.retired_on)
),

final as (
    select
        active_segments.asset_id,
        active_segments.work_type,
        active_segments.asset_class,
        active_segments.asset_district_code,
        active_segments.segment_start,
        active_segments.segment_end,
        active_segments.segment_end - active_segments.segment_start as days,
        responsibilities.tier,
        responsibilities.district_code,
        responsibilities.transfer_id,
        responsibilities.follows_asset_id,
        responsibilities.baseline_tier,
        responsibilities.baseline_district_code,
        quantities.measurement_id,
        quantities.quantity,
        quantities.unit,
        rates.rate_yuan,
        rates.standard_valid_from as rate_valid_from,
        quantities.quantity * (active_segments.segment_end - active_segments.segment_start)
            as unit_days,
        -- yuan-days: the exact numerator of cost = unit_days x rate / D_Y
        quantities.quantity * (active_segments.segment_end - active_segments.segment_start)
            * rates.rate_yuan as cost_yuan_days
    from active_segments
    inner join responsibilities
        on responsibilities.asset_id = active_segments.asset_id
        and responsibilities.work_type = active_segments.work_type
        and responsibilities.valid_from <= active_segments.segment_start
        and responsibilities.valid_to > active_segments.segment_start
    left join quantities
        on quantities.asset_id = active_segments.asset_id
        and quantities.work_type = active_segments.work_type
        and quantities.valid_from <= active_segments.segment_start
        and quantities.valid_to > active_segments.segment_start
    left join rates
        on rates.work_type = active_segments.work_type
        and rates.asset_class = active_segments.asset_class
        and rates.valid_from <= active_segments.segment_start
        and rates.valid_to > active_segments.segment_start
)

select * from final
