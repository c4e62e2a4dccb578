"""The budget year (issue 24): the plan in force (下达), its adjustments (追加/追减), payments
measured against the plan, the year-end settlement and carry-over (结算, 结转), and year over year
against last year's final plan.

- `published.district_allocation` (and its approved copy, which follows it column for column,
  and the approved view, made again) gains `plan_yuan` and `change_from_plan_yuan`, at the end;
- `published.budget_plan` and `published.year_end_settlement`: new run-stamped tables;
- `published.disbursement_status`: `total_yuan` (now the plan in force) and
  `balance_of_year_yuan` may be null (status `no_plan`);
- `published.allocation_spending` gains `opening_yuan` (carried over), at the end;
- `published.allocation_year_over_year` gains `baseline_approved` and `previous_run_id`, at the
  end;
- `ops.published_run_figures`: every published run's district figures that the adjustments'
  drivers compare (append-only, written by the publish step);
- `published.budget_adjustments`: a view over the decision log, so that a decision shows at
  once, before any run.

Revision ID: 0013_budget_year
Revises: 0012_money_follows_the_task
"""

from alembic import op

from munifund.warehouse.ddl import RUN_STAMP

revision = "0013_budget_year"
down_revision = "0012_money_follows_the_task"
branch_labels = None
depends_on = None

PIPELINE = "munifund_pipeline"

NEW_TABLES = {
    "budget_plan": """
        district_code text not null,
        name_zh text,
        name_en text,
        plan_yuan numeric(18,2),
        plan_run_id text,
        plan_as_of_date date,
        decision_id bigint,
        approved_by text,
        approved_at timestamptz,
        primary key (fiscal_year, as_of_date, district_code)
    """,
    "year_end_settlement": """
        settled_fiscal_year integer not null,
        district_code text not null,
        name_zh text,
        name_en text,
        plan_yuan numeric(18,2),
        plan_run_id text,
        paid_yuan numeric(18,2) not null,
        owed_yuan numeric(18,2),
        unspent_yuan numeric(18,2) not null,
        carried_over_yuan numeric(18,2) not null,
        primary key (fiscal_year, as_of_date, settled_fiscal_year, district_code)
    """,
}

ADDED_COLUMNS = {
    "published.district_allocation": (
        "plan_yuan numeric(18,2)",
        "change_from_plan_yuan numeric(18,2)",
    ),
    # `like published.district_allocation`: record_decision copies every column of it
    "ops.approved_district_allocation": (
        "plan_yuan numeric(18,2)",
        "change_from_plan_yuan numeric(18,2)",
    ),
    "published.allocation_spending": ("opening_yuan numeric(18,2) not null default 0",),
    "published.allocation_year_over_year": ("baseline_approved boolean", "previous_run_id text"),
    # munifund whatif: the scenario against the plan in force too, not only against the draft
    "published.scenario_allocation": (
        "plan_yuan numeric(18,2)",
        "delta_from_plan_yuan numeric(18,2)",
    ),
}

SCENARIO_COMMENTS = {
    "plan_yuan": "The district's plan in force on the as-of date (published.budget_plan), the"
    " approved figure the scenario would replace; null before the year's first approval.",
    "delta_from_plan_yuan": "scenario_total_yuan - plan_yuan: what approving the scenario would"
    " add to or take away from the plan in force; null without a plan.",
}

ADJUSTMENT_COMMENTS = {
    None: "One row per district per decision that changed (or could have changed) a fiscal"
    " year's plan: an approval of a run, or a decision revoking an approval; in the order made"
    " (下达, 追加/追减). Derived from the append-only decision log and the approved copies, so a"
    " decision shows here at once.",
    "fiscal_year": "The fiscal year of the plan.",
    "decision_id": "The decision (published.review_decisions).",
    "district_code": "District code.",
    "plan_run_id": "The run whose approval is the plan after the decision (null: no plan).",
    "previous_plan_run_id": "The run whose approval was the plan before the decision.",
    "previous_plan_yuan": "The district's plan before the decision (null: no plan).",
    "new_plan_yuan": "The district's plan after the decision (null: no plan).",
    "adjustment_yuan": "new_plan_yuan - previous_plan_yuan, a missing plan counting 0.",
    "kind": "initial (the year's first plan, 年初下达), increase (追加), decrease (追减),"
    " unchanged, or revocation (the plan before the revoked approval restored).",
    "drivers": "What changed between the two plans' runs: quantity, transfers, rates, score,"
    " pool (comma-separated; empty when none).",
    "decided_by": "Who made the decision.",
    "decided_at": "When the decision was recorded.",
    "flag": "For a revocation of the plan in force: the payments to the district paid on or"
    " after the revoked run's as-of date, made against the revoked plan, which leaves an older"
    " plan in force (the revocation stands and nothing published changes; check the payments)."
    " Null otherwise.",
}


def upgrade() -> None:
    op.execute(f"set local role {PIPELINE}")
    for table, columns in ADDED_COLUMNS.items():
        for column in columns:
            op.execute(f"alter table {table} add column if not exists {column}")
    op.execute("alter table published.allocation_spending alter column opening_yuan drop default")
    for column in ("total_yuan", "balance_of_year_yuan"):
        op.execute(f"alter table published.disbursement_status alter column {column} drop not null")
    for mart, columns in NEW_TABLES.items():
        op.execute(f"create table if not exists published.{mart} ({RUN_STAMP}, {columns})")
        op.execute(
            f"create index if not exists {mart}_as_of_date_idx on published.{mart} (as_of_date)"
        )
        op.execute(f"grant select on published.{mart} to analyst")
    for column, text in SCENARIO_COMMENTS.items():
        quoted = text.replace("'", "''")
        op.execute(f"comment on column published.scenario_allocation.{column} is '{quoted}'")
    _approved_view()
    _run_figures()
    _adjustments_view()


def _approved_view() -> None:
    # the approved copies gained the plan's columns; the view's `approved.*` was expanded when
    # 0007 made it, so it is made again (as 0007 did for coverage)
    op.execute("drop view published.approved_district_allocation")
    op.execute(
        """
        create view published.approved_district_allocation as
        with latest_per_year as (
            select distinct on (approved.fiscal_year) standing.*
            from ops.standing_review_decisions standing
            join ops.approved_district_allocation approved using (decision_id)
            where standing.decision = 'approved'
            order by approved.fiscal_year, standing.decision_id desc
        )
        select
            approved.*, latest.decided_by as reviewer, latest.decided_at as reviewed_at,
            latest.comment as review_comment
        from ops.approved_district_allocation approved
        join latest_per_year latest using (decision_id)
        """
    )
    op.execute("grant select on published.approved_district_allocation to analyst")


def _run_figures() -> None:
    op.execute(
        """
        create table ops.published_run_figures (
            publication_id          bigint      generated always as identity primary key,
            -- no foreign key: a key check would need the right to lock rows of this table
            run_id                  text        not null,
            fiscal_year             integer     not null,
            as_of_date              date        not null,
            district_code           text        not null,
            total_yuan              numeric(18,2) not null,
            standard_cost_yuan      numeric(18,2) not null,
            unit_days               numeric     not null,
            assessment_score        numeric,
            pool_yuan               numeric(18,2) not null,
            transfers_known         integer     not null,
            rate_standards_known    integer     not null,
            published_at            timestamptz not null default clock_timestamp()
        )
        """
    )
    op.execute("create index published_run_figures_run_idx on ops.published_run_figures (run_id)")
    op.execute(
        f"revoke update, delete, truncate on ops.published_run_figures from public, {PIPELINE}"
    )
    op.execute(
        "create trigger published_run_figures_append_only before update or delete or truncate"
        " on ops.published_run_figures for each statement execute function ops.refuse_rewrite()"
    )


def _adjustments_view() -> None:
    # A decision's place in the log is its id (identity, in the order recorded); "latest" among
    # approvals is by decision time, as the plan in force is (int_budget_plans_resolved).
    op.execute(
        """
        create view published.budget_adjustments as
        with approvals as (
            select distinct decision.decision_id, decision.decided_at, approved.run_id,
                approved.fiscal_year, approved.as_of_date
            from ops.review_decisions decision
            join ops.approved_district_allocation approved using (decision_id)
            where decision.decision = 'approved'
        ),
        revocations as (
            select decision_id as revoking_id, revokes_decision_id
            from ops.review_decisions
            where revokes_decision_id is not null
        ),
        events as (
            select approvals.decision_id, approvals.fiscal_year, null::bigint as revoked_id
            from approvals
            union all
            select revocations.revoking_id, approvals.fiscal_year, approvals.decision_id
            from revocations
            join approvals on approvals.decision_id = revocations.revokes_decision_id
            -- an approval that revokes its run's approval is an approval of that run again
            where revocations.revoking_id not in (select decision_id from approvals)
        ),
        states as (
            select
                events.*,
                (
                    select standing.decision_id from approvals standing
                    where standing.fiscal_year = events.fiscal_year
                        and standing.decision_id <= events.decision_id
                        and not exists (
                            select from revocations
                            where revocations.revokes_decision_id = standing.decision_id
                                and revocations.revoking_id <= events.decision_id
                        )
                    order by standing.decided_at desc, standing.decision_id desc
                    limit 1
                ) as plan_decision_id,
                (
                    select standing.decision_id from approvals standing
                    where standing.fiscal_year = events.fiscal_year
                        and standing.decision_id < events.decision_id
                        and not exists (
                            select from revocations
                            where revocations.revokes_decision_id = standing.decision_id
                                and revocations.revoking_id < events.decision_id
                        )
                    order by standing.decided_at desc, standing.decision_id desc
                    limit 1
                ) as previous_plan_decision_id
            from events
        ),
        figures as (
            -- a run's figures as published last before the approval that made them a plan
            select distinct on (approvals.decision_id, figures.district_code)
                approvals.decision_id, figures.*
            from approvals
            join ops.published_run_figures figures
                on figures.run_id = approvals.run_id and figures.published_at <= approvals.decided_at
            order by approvals.decision_id, figures.district_code, figures.publication_id desc
        ),
        districts as (
            select states.decision_id, approved.district_code
            from states
            join ops.approved_district_allocation approved
                on approved.decision_id in (states.plan_decision_id, states.previous_plan_decision_id)
            group by 1, 2
        ),
        payments as (
            select distinct on (payment_id)
                payment_id, district_code, fiscal_year, paid_on, amount_yuan
            from raw.disbursements
            order by payment_id, _partition_date desc, _file desc, _line desc
        ),
        rows as (
            select
                states.fiscal_year,
                states.decision_id,
                districts.district_code,
                new_plan.run_id as plan_run_id,
                old_plan.run_id as previous_plan_run_id,
                old_plan.total_yuan as previous_plan_yuan,
                new_plan.total_yuan as new_plan_yuan,
                cast(coalesce(new_plan.total_yuan, 0) - coalesce(old_plan.total_yuan, 0)
                    as numeric(18,2)) as adjustment_yuan,
                states.revoked_id,
                decision.decided_by,
                decision.decided_at,
                new_figures.unit_days as new_unit_days, old_figures.unit_days as old_unit_days,
                new_figures.transfers_known as new_transfers,
                old_figures.transfers_known as old_transfers,
                new_figures.rate_standards_known as new_rates,
                old_figures.rate_standards_known as old_rates,
                new_plan.assessment_score as new_score, old_plan.assessment_score as old_score,
                new_plan.pool_yuan as new_pool, old_plan.pool_yuan as old_pool,
                revoked_run.run_id as revoked_run_id,
                revoked_run.as_of_date as revoked_as_of_date
            from states
            join districts using (decision_id)
            join ops.review_decisions decision using (decision_id)
            left join ops.approved_district_allocation new_plan
                on new_plan.decision_id = states.plan_decision_id
                and new_plan.district_code = districts.district_code
            left join ops.approved_district_allocation old_plan
                on old_plan.decision_id = states.previous_plan_decision_id
                and old_plan.district_code = districts.district_code
            left join figures new_figures
                on new_figures.decision_id = states.plan_decision_id
                and new_figures.district_code = districts.district_code
            left join figures old_figures
                on old_figures.decision_id = states.previous_plan_decision_id
                and old_figures.district_code = districts.district_code
            left join approvals revoked_run on revoked_run.decision_id = states.revoked_id
        )
        select
            fiscal_year,
            decision_id,
            district_code,
            plan_run_id,
            previous_plan_run_id,
            previous_plan_yuan,
            new_plan_yuan,
            adjustment_yuan,
            case
                when revoked_id is not null then 'revocation'
                when previous_plan_yuan is null then 'initial'
                when adjustment_yuan > 0 then 'increase'
                when adjustment_yuan < 0 then 'decrease'
                else 'unchanged'
            end as kind,
            case when previous_plan_yuan is null or new_plan_yuan is null then ''
            else concat_ws(', ',
                case when new_unit_days is distinct from old_unit_days then 'quantity' end,
                case when new_transfers is distinct from old_transfers then 'transfers' end,
                case when new_rates is distinct from old_rates then 'rates' end,
                case when new_score is distinct from old_score then 'score' end,
                case when new_pool is distinct from old_pool then 'pool' end
            ) end as drivers,
            decided_by,
            decided_at,
            (
                select 'revoking the approval of run ' || rows.revoked_run_id
                    || ' leaves fiscal year ' || rows.fiscal_year || ' with '
                    || coalesce('the plan of run ' || rows.plan_run_id, 'no plan')
                    || ', older than ' || count(*) || ' payment(s) of '
                    || sum(cast(payments.amount_yuan as numeric(18,2)))
                    || ' yuan made to this district from '
                    || to_char(min(cast(payments.paid_on as date)), 'YYYY-MM-DD')
                    || ' against the revoked plan (in force from '
                    || to_char(rows.revoked_as_of_date, 'YYYY-MM-DD')
                    || '); the payments stand: check them against the plan in force'
                from payments
                where rows.revoked_id is not null
                    and rows.previous_plan_run_id = rows.revoked_run_id
                    and payments.district_code = rows.district_code
                    and cast(payments.fiscal_year as integer) = rows.fiscal_year
                    and cast(payments.amount_yuan as numeric) > 0
                    and cast(payments.paid_on as date) >= rows.revoked_as_of_date
                having count(*) > 0
            ) as flag
        from rows
        """
    )
    for column, text in ADJUSTMENT_COMMENTS.items():
        target = (
            "view published.budget_adjustments"
            if column is None
            else f"column published.budget_adjustments.{column}"
        )
        quoted = text.replace("'", "''")
        op.execute(f"comment on {target} is '{quoted}'")
    op.execute("grant select on published.budget_adjustments to analyst")


def downgrade() -> None:
    raise NotImplementedError("the warehouse schema is not downgraded")
