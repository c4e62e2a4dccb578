"""Superseded runs: a run whose published rows a later run of the same as-of date replaced
names that run (`superseded_by_run_id`), and a draft among them is `superseded`, not a draft
waiting forever for a review that can no longer approve it.

Runs published before this revision are back-filled: on each as-of date, every run but the one
published last is superseded by the run published next after it.

Revision ID: 0009_superseded_runs
Revises: 0008_scenario_allocation
"""

from alembic import op

revision = "0009_superseded_runs"
down_revision = "0008_scenario_allocation"
branch_labels = None
depends_on = None

PIPELINE = "munifund_pipeline"
STATUSES = ("draft", "approved", "rejected", "superseded")

VIEW_COMMENTS = {
    "review_status": "draft, approved, rejected (the standing decision), or superseded: a draft"
    " whose rows a later run of the same as-of date replaced (superseded_by_run_id), which can"
    " no longer be approved (labels: code_labels, review_status).",
    "superseded_by_run_id": "The later run of the same as-of date that replaced this run's"
    " published rows, if any; an approved or rejected run keeps its decision and names it too.",
}


def upgrade() -> None:
    op.execute(f"set local role {PIPELINE}")
    op.execute(
        "alter table ops.allocation_runs add column superseded_by_run_id text"
        " references ops.allocation_runs (run_id)"
    )
    op.execute(
        "alter table ops.allocation_runs drop constraint if exists"
        " allocation_runs_review_status_check"
    )
    statuses = ", ".join(f"'{s}'" for s in STATUSES)
    op.execute(
        "alter table ops.allocation_runs add constraint allocation_runs_review_status_check"
        f" check (review_status in ({statuses}))"
    )
    op.execute(
        "alter table ops.allocation_runs add constraint allocation_runs_superseded_check check"
        " ((review_status = 'superseded') = (superseded_by_run_id is not null"
        " and review_decision_id is null) and superseded_by_run_id <> run_id)"
    )
    _back_fill()
    # columns are added at the end of a view only: the new one goes last
    op.execute(
        """
        create or replace view published.allocation_runs as
        select
            run_id, as_of_date, fiscal_year, input_fingerprints, code_version, dbt_version,
            airflow_version, row_counts, published_at, review_status, reviewer, reviewed_at,
            review_comment, parameters, started_by, review_decision_id, superseded_by_run_id
        from ops.allocation_runs
        """
    )
    for column, text in VIEW_COMMENTS.items():
        quoted = text.replace("'", "''")
        op.execute(f"comment on column published.allocation_runs.{column} is '{quoted}'")


def _back_fill() -> None:
    # A run is in ops.allocation_runs only once it published, and a re-publication of the same
    # run id moves its published_at: the order of published_at per as-of date is the order in
    # which each run's rows replaced the previous ones.
    op.execute(
        """
        update ops.allocation_runs runs set
            superseded_by_run_id = later.next_run_id,
            review_status = case
                when runs.review_decision_id is null then 'superseded' else runs.review_status
            end
        from (
            select run_id, lead(run_id) over (
                partition by as_of_date order by published_at, run_id
            ) as next_run_id
            from ops.allocation_runs
        ) later
        where later.run_id = runs.run_id and later.next_run_id is not null
        """
    )


def downgrade() -> None:
    raise NotImplementedError("the warehouse schema is not downgraded")
