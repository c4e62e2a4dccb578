-- One row per street office (街道办事处) of stg_street_offices__street_offices, for the fiscal year
-- of the as-of date (none while no pool for the year is known): the street-tier standard cost of
-- the assets in it (by the asset's street_code) that its district is responsible for, its share
-- of the district's standard cost S_d, and an indicative amount total_d x street cost / S_d
-- (domain.md, 区级政府要保障街道办事处事业经费). The district's total is split by largest remainder
-- between its street offices and the rest of its standard cost (district-tier work, and
-- street-tier work of assets that name no street office of the district), ties by street_code,
-- the rest last: the street amounts and the rest add up to total_d to the fen.
with street_offices as (
    select * from {{ ref('stg_street_offices__street_offices') }}
),

pairs as (
    select * from {{ ref('int_asset_work_types_assigned') }}
),

segments as (
    select * from {{ ref('int_asset_work_days_segmented') }}
    where quantity is not null
        and rate_yuan is not null
        and tier = 'street'
),

allocations as (
    select * from {{ ref('int_district_allocations_split') }}
),

street_costs as (
    select
        segments.district_code,
        pairs.street_code,
        sum(segments.cost_yuan_days) as cost_yuan_days
    from segments
    inner join pairs
        on pairs.asset_id = segments.asset_id
        and pairs.work_type = segments.work_type
    group by segments.district_code, pairs.street_code
),

streets as (
    select
        street_offices.district_code,
        street_offices.street_code,
        street_offices.name_zh,
        coalesce(street_costs.cost_yuan_days, 0) as cost_yuan_days
    from street_offices
    inner join allocations
        on allocations.district_code = street_offices.district_code
    left join street_costs
        on street_costs.district_code = street_offices.district_code
        and street_costs.street_code = street_offices.street_code
),

-- the district's standard cost outside its street offices' street-tier work
rest as (
    select
        allocations.district_code,
        cast(null as text) as street_code,
        cast(null as text) as name_zh,
        allocations.cost_yuan_days - coalesce(sum(streets.cost_yuan_days), 0) as cost_yuan_days
    from allocations
    left join streets
        on streets.district_code = allocations.district_code
    group by allocations.district_code, allocations.cost_yuan_days
),

to_round as (
    select
        parts.*,
        parts.cost_yuan_days as num,
        allocations.cost_yuan_days as den,
        -- no standard cost, nothing to explain: no indicative amount
        case
            when allocations.cost_yuan_days > 0 then allocations.total_yuan * 100 else 0
        end as total_fen
    from (select * from streets union all select * from rest) as parts
    inner join allocations
        on allocations.district_code = parts.district_code
),

rounded as (
    {{ largest_remainder('to_round', 'district_code', 'street_code nulls last') }}
),

final as (
    select
        street_code,
        district_code,
        name_zh,
        cost_yuan_days,
        {{ to_yuan('round(cost_yuan_days / ' ~ days_in_fiscal_year() ~ ', 2)') }}
            as street_tier_cost_yuan,
        cast(case when den > 0 then round(num / den, 10) else 0 end as numeric(12, 10))
            as share_of_district,
        {{ to_yuan('allocated_fen / 100.0') }} as indicative_yuan
    from rounded
    where street_code is not null
)

select * from final
