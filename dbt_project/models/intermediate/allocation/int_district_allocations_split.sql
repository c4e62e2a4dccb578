with recursive
-- One row per district, for the fiscal year of the as-of date (none while no pool for the year is
-- known): the pool split (domain.md, 按作业量和经费标准分配). Base pool B = P - I split by the
-- baseline standard cost S°_d (the work as it stood on 1 January, standing transfers included);
-- incentive pool I = round(P x s, 2) split by the investment figure x score / 100 among
-- districts scoring at least the threshold (以奖代补), joining the base when no district
-- qualifies. The investment figure is the year's own investment (incentive_basis `level`) or
-- its increase over the previous year, floored at 0, a year with no figure counting as 0
-- (`increase`, the default). Each split is rounded to the fen by largest remainder (ties to the
-- smaller district_code), so base and incentive add up to the pool exactly. Money follows the
-- task (费随事转): devolved_yuan F_d, the cost of the work that changed hands during the year
-- (int_devolved_costs_attributed), rounded half up once per district, is added on top, paid by
-- (or back to) the city's own budget: total = base + incentive + F. S_d (standard_cost_yuan,
-- the work as held day by day) = S°_d + the exact F_d. All arithmetic is exact numeric on
-- integers of fen, cast once to the published types at the end: district_allocation only
-- stamps the run.
districts as (
    select * from {{ ref('stg_districts__districts') }}
),

cost_lines as (
    select * from {{ ref('int_cost_lines_grouped') }}
    where tier in ('district', 'street')
),

devolved as (
    select
        district_code,
        sum(yuan_days) as devolved_yuan_days
    from {{ ref('int_devolved_costs_attributed') }}
    group by district_code
),

scores as (
    select * from {{ ref('int_district_scores_assessed') }}
),

own_investment as (
    select * from {{ ref('stg_own_investment__own_investments') }}
    where fiscal_year = {{ fiscal_year() }}
),

previous_own_investment as (
    select * from {{ ref('stg_own_investment__own_investments') }}
    where fiscal_year = {{ fiscal_year() }} - 1
),

pool_of_the_year as (
    -- a what-if scenario may set its own pool or share (macros/scenario.sql)
    select
        {{ scenario_or_delivered('pool_yuan', 'pool_yuan') }} as pool_yuan,
        {{ scenario_or_delivered('incentive_share', 'incentive_share') }} as incentive_share
    from {{ ref('stg_budget_pools__budget_pools') }}
    where fiscal_year = {{ fiscal_year() }}
),

pool as (
    select
        pool_yuan,
        incentive_share,
        round(pool_yuan * incentive_share, 2) as incentive_pool_nominal_yuan
    from pool_of_the_year
),

standard_costs as (
    select
        district_code,
        sum(cost_yuan_days) as cost_yuan_days
    from cost_lines
    group by district_code
),

district_inputs as (
    select
        districts.district_code,
        districts.name_zh,
        districts.name_en,
        coalesce(standard_costs.cost_yuan_days, 0) as cost_yuan_days,
        coalesce(devolved.devolved_yuan_days, 0) as devolved_yuan_days,
        -- S°_d = S_d - F_d, exactly: the days held are the days held at the start of the year,
        -- plus those taken over, minus those handed on
        coalesce(standard_costs.cost_yuan_days, 0) - coalesce(devolved.devolved_yuan_days, 0)
            as baseline_cost_yuan_days,
        scores.cases_due,
        scores.cases_on_time,
        scores.assessment_score,
        scores.meets_threshold,
        coalesce(own_investment.amount_yuan, 0) as own_investment_yuan,
        coalesce(previous_own_investment.amount_yuan, 0) as prior_own_investment_yuan,
        case
            when {{ incentive_basis() }} = 'increase' then greatest(
                coalesce(own_investment.amount_yuan, 0)
                - coalesce(previous_own_investment.amount_yuan, 0),
                0
            )
            else coalesce(own_investment.amount_yuan, 0)
        end as weighed_investment_yuan
    from districts
    left join standard_costs
        on standard_costs.district_code = districts.district_code
    left join devolved
        on devolved.district_code = districts.district_code
    left join scores
        on scores.district_code = districts.district_code
    left join own_investment
        on own_investment.district_code = districts.district_code
    left join previous_own_investment
        on previous_own_investment.district_code = districts.district_code
),

-- w_d = own_investment x on_time / due, scaled by the least common multiple of the qualifying
-- districts' due counts so that every weight is an exact integer
qualifying as (
    select
        district_code,
        cases_due,
        row_number() over (order by district_code) as position
    from district_inputs
    where meets_threshold and weighed_investment_yuan > 0
),

due_lcm (position, value) as (
    select cast(0 as bigint), cast(1 as numeric)
    union all
    select qualifying.position, lcm(due_lcm.value, qualifying.cases_due)
    from due_lcm
    inner join qualifying
        on qualifying.position = due_lcm.position + 1
),

common_due as (
    select value from due_lcm order by position desc limit 1
),

weighted as (
    select
        district_inputs.*,
        case
            when district_inputs.meets_threshold and district_inputs.weighed_investment_yuan > 0
                then district_inputs.weighed_investment_yuan * 100 * district_inputs.cases_on_time
                    * div(common_due.value, district_inputs.cases_due)
            else 0
        end as incentive_weight
    from district_inputs
    cross join common_due
),

pools as (
    select
        pool.pool_yuan,
        pool.incentive_share,
        sum(weighted.incentive_weight) = 0 as incentive_fell_back,
        case
            when sum(weighted.incentive_weight) = 0 then 0
            else pool.incentive_pool_nominal_yuan
        end as incentive_pool_yuan
    from pool
    cross join weighted
    group by pool.pool_yuan, pool.incentive_share, pool.incentive_pool_nominal_yuan
),

base_to_round as (
    select
        weighted.*,
        pools.pool_yuan,
        pools.incentive_share,
        pools.incentive_fell_back,
        pools.incentive_pool_yuan,
        pools.pool_yuan - pools.incentive_pool_yuan as base_pool_yuan,
        weighted.baseline_cost_yuan_days as num,
        sum(weighted.baseline_cost_yuan_days) over () as den,
        (pools.pool_yuan - pools.incentive_pool_yuan) * 100 as total_fen
    from weighted
    cross join pools
),

base_rounded as (
    {{ largest_remainder('base_to_round', '1', 'district_code') }}
),

incentive_to_round as (
    select
        base_rounded.district_code,
        base_rounded.incentive_weight as num,
        sum(base_rounded.incentive_weight) over () as den,
        base_rounded.incentive_pool_yuan * 100 as total_fen
    from base_rounded
),

incentive_rounded as (
    {{ largest_remainder('incentive_to_round', '1', 'district_code') }}
),

final as (
    select
        base_rounded.district_code,
        base_rounded.name_zh,
        base_rounded.name_en,
        base_rounded.cost_yuan_days,
        {{ to_yuan('round(base_rounded.cost_yuan_days / ' ~ days_in_fiscal_year() ~ ', 2)') }}
            as standard_cost_yuan,
        base_rounded.baseline_cost_yuan_days,
        {{ to_yuan('round(base_rounded.baseline_cost_yuan_days / ' ~ days_in_fiscal_year() ~ ', 2)') }}
            as baseline_standard_cost_yuan,
        base_rounded.devolved_yuan_days,
        cast(
            case when base_rounded.den > 0 then round(base_rounded.num / base_rounded.den, 10) else 0 end
            as numeric(12, 10)
        ) as share,
        {{ to_yuan('base_rounded.allocated_fen / 100.0') }} as base_yuan,
        cast(base_rounded.cases_due as integer) as cases_due,
        cast(base_rounded.cases_on_time as integer) as cases_on_time,
        cast(base_rounded.assessment_score as numeric(5, 2)) as assessment_score,
        base_rounded.meets_threshold,
        cast({{ incentive_score_threshold() }} as numeric(5, 2)) as score_threshold,
        {{ to_yuan('base_rounded.own_investment_yuan') }} as own_investment_yuan,
        {{ to_yuan('base_rounded.prior_own_investment_yuan') }} as prior_own_investment_yuan,
        {{ to_yuan('base_rounded.weighed_investment_yuan') }} as weighed_investment_yuan,
        base_rounded.incentive_weight,
        -- w_d = figure x score / 100 with the exact score, to 6 decimals (the split uses it exact)
        cast(
            case
                when base_rounded.incentive_weight > 0 then round(
                    base_rounded.weighed_investment_yuan * base_rounded.cases_on_time
                    / base_rounded.cases_due,
                    6
                )
                else 0
            end
            as numeric(24, 6)
        ) as weight,
        cast(
            case when incentive_rounded.den > 0 then round(incentive_rounded.num / incentive_rounded.den, 10) else 0 end
            as numeric(12, 10)
        ) as incentive_share_of_pool,
        {{ to_yuan('incentive_rounded.allocated_fen / 100.0') }} as incentive_yuan,
        {{ to_yuan('round(base_rounded.devolved_yuan_days / ' ~ days_in_fiscal_year() ~ ', 2)') }}
            as devolved_yuan,
        {{ to_yuan(
            '(base_rounded.allocated_fen + incentive_rounded.allocated_fen) / 100.0 + round('
            ~ 'base_rounded.devolved_yuan_days / ' ~ days_in_fiscal_year() ~ ', 2)'
        ) }} as total_yuan,
        {{ to_yuan('base_rounded.pool_yuan') }} as pool_yuan,
        {{ to_yuan('base_rounded.base_pool_yuan') }} as base_pool_yuan,
        {{ to_yuan('base_rounded.incentive_pool_yuan') }} as incentive_pool_yuan,
        cast(base_rounded.incentive_share as numeric(6, 4)) as incentive_share,
        base_rounded.incentive_fell_back,
        {{ incentive_basis() }} as incentive_basis
    from base_rounded
    inner join incentive_rounded
        on incentive_rounded.district_code = base_rounded.district_code
)

select * from final
