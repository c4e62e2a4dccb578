-- One row per asset per work type that is active on some day of the fiscal year without a
-- verified measurement effective that day: its work counts 0 for those days (domain.md).
with segments as (
    select * from {{ ref('int_asset_work_days_segmented') }}
    where quantity is null
),

measurements as (
    select * from {{ ref('stg_area_measurements__area_measurements') }}
),

unverified as (
    select asset_id, work_type, count(*) as unverified_measurements
    from measurements
    where not is_verified
    group by asset_id, work_type
),

final as (
    select
        {{ run_stamp() }},
        segments.asset_id,
        segments.work_type,
        max(segments.asset_class) as asset_class,
        max(segments.asset_district_code) as asset_district_code,
        max(segments.tier) as tier,
        max(segments.district_code) as responsible_district_code,
        cast(sum(segments.days) as integer) as unmeasured_days,
        min(segments.segment_start) as first_unmeasured_on,
        case
            when max(unverified.unverified_measurements) > 0 then 'only unverified measurements'
            else 'no measurement'
        end as reason
    from segments
    left join unverified
        on unverified.asset_id = segments.asset_id
        and unverified.work_type = segments.work_type
    group by segments.asset_id, segments.work_type
)

select * from final
