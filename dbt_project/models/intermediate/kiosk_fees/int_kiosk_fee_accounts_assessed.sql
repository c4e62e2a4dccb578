-- One row per district, for the run's fiscal year as of the as-of date: the kiosk-fee account of
-- every district, rolled forward from its first supplied opening balance, and its compliance
-- status, cast to the types kiosk_fee_compliance publishes (the mart only stamps the run).
--
-- Roll-forward, set-based: the anchor of a district is its earliest supplied opening balance of
-- a year up to the run's year (none: 0, from its first movement). Opening of the run's year =
-- anchor balance + net movements (collected - spent - diverted) of the years from the anchor year
-- up to the year before, which is last year's closing computed the same way. Supplied balances of
-- later years are not used, and movements before the anchor year are already in the anchor.
with

districts as (
    select * from {{ ref('stg_districts__districts') }}
),

movements as (
    select * from {{ ref('int_kiosk_fee_movements_classified') }}
),

opening_balances as (
    select * from {{ ref('stg_opening_balances__opening_balances') }}
),

funding_plans as (
    select * from {{ ref('stg_funding_plans__funding_plans') }}
),

ranked_balances as (
    select
        district_code,
        fiscal_year,
        kiosk_fee_balance_yuan,
        row_number() over (partition by district_code order by fiscal_year) as year_rank
    from opening_balances
    where fiscal_year <= {{ fiscal_year() }}
),

anchors as (
    select
        district_code,
        fiscal_year as anchor_year,
        kiosk_fee_balance_yuan as anchor_balance_yuan
    from ranked_balances
    where year_rank = 1
),

movements_from_anchor as (
    select movements.*
    from movements
    left join anchors
        on anchors.district_code = movements.district_code
    where anchors.anchor_year is null
        or movements.fiscal_year >= anchors.anchor_year
),

district_movements as (
    select
        district_code,
        sum(
            case
                when fiscal_year >= {{ fiscal_year() }} then 0
                when category = 'collected' then amount_yuan
                else -amount_yuan
            end
        ) as carried_forward_yuan,
        sum(
            case
                when fiscal_year = {{ fiscal_year() }} and category = 'collected' then amount_yuan
                else 0
            end
        ) as collected_yuan,
        sum(
            case
                when fiscal_year = {{ fiscal_year() }} and category = 'spent_city_mgmt' then amount_yuan
                else 0
            end
        ) as spent_city_mgmt_yuan,
        sum(
            case
                when fiscal_year = {{ fiscal_year() }} and category = 'diverted' then amount_yuan
                else 0
            end
        ) as diverted_yuan
    from movements_from_anchor
    group by district_code
),

plans as (
    select
        district_code,
        kiosk_fee_planned_yuan
    from funding_plans
    where fiscal_year = {{ fiscal_year() }}
),

accounts as (
    select
        districts.district_code,
        districts.name_zh,
        districts.name_en,
        {{ to_yuan(
            'coalesce(anchors.anchor_balance_yuan, 0)'
            ~ ' + coalesce(district_movements.carried_forward_yuan, 0)'
        ) }} as opening_yuan,
        {{ to_yuan('coalesce(district_movements.collected_yuan, 0)') }} as collected_yuan,
        {{ to_yuan('coalesce(plans.kiosk_fee_planned_yuan, 0)') }} as planned_yuan,
        {{ to_yuan('coalesce(district_movements.spent_city_mgmt_yuan, 0)') }} as spent_city_mgmt_yuan,
        {{ to_yuan('coalesce(district_movements.diverted_yuan, 0)') }} as diverted_yuan
    from districts
    left join anchors
        on anchors.district_code = districts.district_code
    left join district_movements
        on district_movements.district_code = districts.district_code
    left join plans
        on plans.district_code = districts.district_code
),

closed as (
    select
        accounts.*,
        {{ to_yuan('opening_yuan + collected_yuan - spent_city_mgmt_yuan - diverted_yuan') }}
            as closing_yuan,
        cast(
            {{ round_ratio_half_up('spent_city_mgmt_yuan', 'opening_yuan + collected_yuan', 6) }}
            as numeric(12, 6)
        ) as usage_rate
    from accounts
),

final as (
    select
        district_code,
        name_zh,
        name_en,
        opening_yuan,
        collected_yuan,
        planned_yuan,
        spent_city_mgmt_yuan,
        diverted_yuan,
        closing_yuan,
        usage_rate,
        cast(
            case
                when diverted_yuan > 0 then 'diverted'
                when closing_yuan < 0 then 'overdrawn'
                when planned_yuan < collected_yuan then 'unplanned'
                else 'compliant'
            end as text
        ) as status
    from closed
)

select * from final
