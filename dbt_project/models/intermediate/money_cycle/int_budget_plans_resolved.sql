-- One row per district per fiscal year (Y, the run's, and Y-1) that has a plan in force on the
-- as-of date A (domain.md "The budget year"): the district total of the run whose approval is
-- the latest decision (by decision time, ties by decision id) among the approved, unrevoked runs
-- of that year with an as-of date on or before A. By as-of date, not by the wall clock: a past
-- date re-run finds the plan its date had. The figures are the copy frozen at approval, so a
-- later re-run of the approved date does not change the plan.
with

decisions as (
    select * from {{ source('ops', 'review_decisions') }}
),

approved_copies as (
    select * from {{ source('ops', 'approved_district_allocation') }}
),

standing_approvals as (
    select
        decisions.decision_id,
        decisions.decided_by,
        decisions.decided_at
    from decisions
    where decisions.decision = 'approved'
        and not exists (
            select 1 from decisions as later
            where later.revokes_decision_id = decisions.decision_id
        )
),

approved_runs as (
    select distinct
        standing_approvals.decision_id,
        standing_approvals.decided_by,
        standing_approvals.decided_at,
        approved_copies.run_id,
        approved_copies.fiscal_year,
        approved_copies.as_of_date
    from standing_approvals
    inner join approved_copies
        on approved_copies.decision_id = standing_approvals.decision_id
    where approved_copies.fiscal_year in ({{ fiscal_year() }} - 1, {{ fiscal_year() }})
        and approved_copies.as_of_date <= {{ as_of_date() }}
),

in_force as (
    select distinct on (fiscal_year) *
    from approved_runs
    order by fiscal_year, decided_at desc, decision_id desc
),

final as (
    select
        in_force.fiscal_year,
        approved_copies.district_code,
        {{ to_yuan('approved_copies.total_yuan') }} as plan_yuan,
        approved_copies.standard_cost_yuan as plan_standard_cost_yuan,
        approved_copies.pool_yuan as plan_pool_yuan,
        in_force.run_id as plan_run_id,
        in_force.as_of_date as plan_as_of_date,
        cast(in_force.decision_id as bigint) as decision_id,
        in_force.decided_by as approved_by,
        in_force.decided_at as approved_at
    from in_force
    inner join approved_copies
        on approved_copies.decision_id = in_force.decision_id
)

select * from final
