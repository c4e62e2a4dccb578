-- One row per district per fiscal year per as-of date: the pool split of
-- int_district_allocations_split (where the rule and the published types live), stamped with the
-- run, and its coverage (total / standard cost, composed here from the two published figures),
-- the plan in force on the as-of date (int_budget_plans_resolved) and what approving this draft
-- would change (total - plan).
-- Columns added later go last: the published table gains them at its end (warehouse migrations).
with allocations as (
    select * from {{ ref('int_district_allocations_split') }}
),

plans as (
    select * from {{ ref('int_budget_plans_resolved') }}
    where fiscal_year = {{ fiscal_year() }}
),

final as (
    select
        {{ run_stamp() }},
        allocations.district_code,
        allocations.name_zh,
        allocations.name_en,
        allocations.standard_cost_yuan,
        allocations.share,
        allocations.base_yuan,
        allocations.cases_due,
        allocations.cases_on_time,
        allocations.assessment_score,
        allocations.own_investment_yuan,
        allocations.incentive_share_of_pool,
        allocations.incentive_yuan,
        allocations.total_yuan,
        allocations.pool_yuan,
        allocations.base_pool_yuan,
        allocations.incentive_pool_yuan,
        allocations.incentive_share,
        allocations.incentive_fell_back,
        allocations.incentive_basis,
        -- coverage (足额): how far the district's total funds its standard cost; null when 0
        cast({{ round_ratio_half_up('allocations.total_yuan', 'allocations.standard_cost_yuan', 6) }}
            as numeric(12, 6)) as coverage,
        allocations.baseline_standard_cost_yuan,
        allocations.devolved_yuan,
        plans.plan_yuan,
        {{ to_yuan('allocations.total_yuan - plans.plan_yuan') }} as change_from_plan_yuan
    from allocations
    left join plans
        on plans.district_code = allocations.district_code
)

select * from final
