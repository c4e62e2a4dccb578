-- One row per district per fiscal year per as-of date: every input of the incentive (以奖代补)
-- of int_district_allocations_split, where the rule lives, stamped with the run, so that a
-- reviewer can recompute each district's incentive by hand.
with allocations as (
    select * from {{ ref('int_district_allocations_split') }}
),

final as (
    select
        {{ run_stamp() }},
        district_code,
        own_investment_yuan,
        prior_own_investment_yuan,
        incentive_basis,
        weighed_investment_yuan as investment_figure_yuan,
        cases_due,
        cases_on_time,
        assessment_score,
        score_threshold,
        meets_threshold as passed,
        weight,
        incentive_share_of_pool,
        incentive_pool_yuan,
        incentive_yuan
    from allocations
)

select * from final
