-- One row per work type per asset class per interval [valid_from, valid_to) of the fiscal year
-- over which one unit-cost standard (经费标准) applies. A standard is valid from valid_from to
-- valid_to inclusive (open when empty); where two overlap, the later valid_from wins. A gap
-- between standards is an interval with no rate (null), so that the days in it are seen as
-- needing a rate instead of silently taking the previous one.
with standards as (
    select * from {{ ref('stg_unit_cost_standards__unit_cost_standards') }}
),

change_points as (
    select work_type, asset_class, valid_from as point from standards
    union
    select work_type, asset_class, valid_to + 1 from standards where valid_to is not null
    union
    select distinct work_type, asset_class, {{ fiscal_year_start() }} from standards
),

segments as (
    select
        work_type,
        asset_class,
        point as valid_from,
        coalesce(
            lead(point) over (partition by work_type, asset_class order by point),
            cast('infinity' as date)
        ) as valid_to
    from change_points
),

rated as (
    select distinct on (segments.work_type, segments.asset_class, segments.valid_from)
        segments.work_type,
        segments.asset_class,
        segments.valid_from,
        segments.valid_to,
        standards.valid_from as standard_valid_from,
        standards.rate_yuan,
        standards.unit
    from segments
    left join standards
        on standards.work_type = segments.work_type
        and standards.asset_class = segments.asset_class
        and standards.valid_from <= segments.valid_from
        and (standards.valid_to is null or standards.valid_to >= segments.valid_from)
    order by segments.work_type, segments.asset_class, segments.valid_from, standards.valid_from desc
),

final as (
    select
        work_type,
        asset_class,
        standard_valid_from,
        rate_yuan,
        unit,
        greatest(valid_from, {{ fiscal_year_start() }}) as valid_from,
        least(valid_to, {{ fiscal_year_end() }}) as valid_to
    from rated
    where valid_from < {{ fiscal_year_end() }}
        and valid_to > {{ fiscal_year_start() }}
)

select * from final
