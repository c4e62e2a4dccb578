-- One row per street office per fiscal year per as-of date: what its street-tier work is worth
-- within its district's allocation (int_street_costs_allocated holds the rule), stamped with the
-- run.
with streets as (
    select * from {{ ref('int_street_costs_allocated') }}
),

final as (
    select
        {{ run_stamp() }},
        street_code,
        district_code,
        name_zh,
        street_tier_cost_yuan,
        share_of_district,
        indicative_yuan
    from streets
)

select * from final
