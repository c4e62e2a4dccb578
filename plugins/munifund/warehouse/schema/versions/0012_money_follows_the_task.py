"""Money follows the task (费随事转) and the incentive's inputs (issue 24, items 1 and 7).

`district_allocation` gains, at its end, the baseline standard cost (S°, what the base pool is
split on) and the money that followed the task (F); the approved copies follow it, and the
approved view is made again (its `approved.*` was expanded when 0007 made it). Rows published
before keep null in both: nothing already published is rewritten. Two new published tables,
`incentive_inputs` and `devolved_funding` (their dbt contracts in
models/marts/allocation/_allocation.yml). The run record keeps every parameter of the run in
`parameters` and two figures of its own; `published.allocation_runs` shows them as columns, at
its end.

Revision ID: 0012_money_follows_the_task
Revises: 0011_enforcement_funding
"""

from alembic import op

from munifund.warehouse.ddl import RUN_STAMP

revision = "0012_money_follows_the_task"
down_revision = "0011_enforcement_funding"
branch_labels = None
depends_on = None

PIPELINE = "munifund_pipeline"

ALLOCATION_COLUMNS = (
    ("baseline_standard_cost_yuan", "numeric(18,2)"),
    ("devolved_yuan", "numeric(18,2)"),
)

# The marts' contracts as this revision publishes them, with each table's key.
PUBLISHED_TABLES = {
    "incentive_inputs": (
        """
        district_code text not null,
        own_investment_yuan numeric(18,2) not null,
        prior_own_investment_yuan numeric(18,2) not null,
        incentive_basis text not null,
        investment_figure_yuan numeric(18,2) not null,
        cases_due integer not null,
        cases_on_time integer not null,
        assessment_score numeric(5,2),
        score_threshold numeric(5,2) not null,
        passed boolean not null,
        weight numeric(24,6) not null,
        incentive_share_of_pool numeric(12,10) not null,
        incentive_pool_yuan numeric(18,2) not null,
        incentive_yuan numeric(18,2) not null
        """,
        "primary key (fiscal_year, as_of_date, district_code)",
        "One row per district per fiscal year per as-of date: every input of the incentive"
        " (以奖代补) of district_allocation.",
    ),
    "devolved_funding": (
        """
        district_code text not null,
        transfer_id text not null,
        asset_id text not null,
        work_type text not null,
        from_holder text not null,
        to_holder text not null,
        effective_date date not null,
        decree_ref text,
        amount_yuan numeric(18,2) not null
        """,
        "primary key (fiscal_year, as_of_date, district_code, transfer_id)",
        "One row per district per transfer per fiscal year per as-of date: money that followed"
        " the task (费随事转), + to the receiving district, - to the giving one.",
    ),
}

# What the run record shows of its parameters (ops.allocation_runs.parameters, written by
# publication from the run's audit.run_parameters) and its own figures, with their comments.
RUN_COLUMNS = {
    "pool_yuan": (
        "(parameters ->> 'pool_yuan')::numeric(18,2)",
        "The pool P of the fiscal year the run split, yuan (budget_pools).",
    ),
    "incentive_share": (
        "(parameters ->> 'incentive_share')::numeric(6,4)",
        "The incentive share s of the pool (budget_pools).",
    ),
    "incentive_basis": (
        "parameters ->> 'incentive_basis'",
        "The investment figure the incentive weighed: increase (the default) or level.",
    ),
    "score_threshold": (
        "(parameters ->> 'score_threshold')::numeric(5,2)",
        "The assessment score a district had to reach to share the incentive pool.",
    ),
    "payment_schedule": (
        "parameters -> 'payment_schedule'",
        "The instalments of the year the run paid against: instalment, due_on,"
        " cumulative_share (delivered, or the seed's default schedule).",
    ),
    "enforcement_pass_score": (
        "(parameters ->> 'enforcement_pass_score')::numeric(5,2)",
        "The quarterly assessment score at or above which an enforcement instalment is released.",
    ),
    "devolved_from_city_yuan": (
        "devolved_from_city_yuan",
        "sum(F): what the city's own budget passed on with the work it devolved during the year"
        " (negative when work came back to it); the districts' totals add up to pool_yuan plus"
        " this, to the fen.",
    ),
    "city_coverage": (
        "city_coverage",
        "City-wide coverage (足额): sum(total_yuan) / sum(standard_cost_yuan) of the run's"
        " district_allocation, half up to 6 decimals.",
    ),
}
# the columns of published.allocation_runs as 0009 left them: a view's columns may only be added
# at its end
EARLIER_RUN_COLUMNS = (
    "run_id, as_of_date, fiscal_year, input_fingerprints, code_version, dbt_version,"
    " airflow_version, row_counts, published_at, review_status, reviewer, reviewed_at,"
    " review_comment, parameters, started_by, review_decision_id, superseded_by_run_id"
)


def upgrade() -> None:
    op.execute(f"set local role {PIPELINE}")
    for table in ("published.district_allocation", "ops.approved_district_allocation"):
        for name, kind in ALLOCATION_COLUMNS:
            op.execute(f"alter table {table} add column if not exists {name} {kind}")
    _approved_view()
    for mart, (columns, key, description) in PUBLISHED_TABLES.items():
        op.execute(f"create table if not exists published.{mart} ({RUN_STAMP}, {columns}, {key})")
        op.execute(
            f"create index if not exists {mart}_as_of_date_idx on published.{mart} (as_of_date)"
        )
        op.execute(f"comment on table published.{mart} is {_literal(description)}")
        # 0001's default privileges grant it to the analyst; said again for an owner that
        # created it before those
        op.execute(f"grant select on published.{mart} to analyst")
    _run_record()


def _approved_view() -> None:
    # as 0007 made it: the copies' new columns reach the view only when it is made again
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


def _run_record() -> None:
    op.execute(
        "alter table ops.allocation_runs"
        " add column if not exists devolved_from_city_yuan numeric(18,2),"
        " add column if not exists city_coverage numeric(12,6)"
    )
    shown = ",\n            ".join(f"{expr} as {name}" for name, (expr, _) in RUN_COLUMNS.items())
    op.execute(
        f"""
        create or replace view published.allocation_runs as
        select
            {EARLIER_RUN_COLUMNS},
            {shown}
        from ops.allocation_runs
        """
    )
    for name, (_, text) in RUN_COLUMNS.items():
        op.execute(f"comment on column published.allocation_runs.{name} is {_literal(text)}")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def downgrade() -> None:
    raise NotImplementedError("the warehouse schema is not downgraded")
