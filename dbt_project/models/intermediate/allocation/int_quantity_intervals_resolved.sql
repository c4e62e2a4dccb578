-- One row per asset per work type per interval [valid_from, valid_to) over which one verified
-- measurement is the latest effective one. Unverified measurements never count (domain.md);
-- of two verified measurements effective on the same day, the later delivered wins.
with measurements as (
    select * from {{ ref('stg_area_measurements__area_measurements') }}
    where is_verified
),

effective as (
    select distinct on (asset_id, work_type, effective_from)
        asset_id,
        work_type,
        measurement_id,
        quantity,
        unit,
        effective_from
    from measurements
    where effective_from < {{ fiscal_year_end() }}
    order by asset_id, work_type, effective_from, known_on desc, measurement_id desc
),

intervals as (
    select
        asset_id,
        work_type,
        measurement_id,
        quantity,
        unit,
        effective_from as valid_from,
        coalesce(
            lead(effective_from) over (partition by asset_id, work_type order by effective_from),
            {{ fiscal_year_end() }}
        ) as valid_to
    from effective
),

final as (
    select
        asset_id,
        work_type,
        measurement_id,
        quantity,
        unit,
        greatest(valid_from, {{ fiscal_year_start() }}) as valid_from,
        valid_to
    from intervals
    where valid_to > {{ fiscal_year_start() }}
)

select * from final
