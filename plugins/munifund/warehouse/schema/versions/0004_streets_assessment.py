"""Issue 14: the streets' amounts (published.street_allocation), the assessment results
(published.assessment_results), and the incentive basis of a run (district_allocation's
incentive_basis, the run's parameters in allocation_runs).

Revision ID: 0004_streets_assessment
Revises: 0003_published_keys
"""

from alembic import op

from munifund.warehouse.ddl import RUN_STAMP

revision = "0004_streets_assessment"
down_revision = "0003_published_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("set local role munifund_pipeline")
    _street_allocation()
    _assessment_results()
    _incentive_basis()
    _run_parameters()


def _street_allocation() -> None:
    op.execute(
        f"""
        create table if not exists published.street_allocation (
            {RUN_STAMP},
            street_code           text not null,
            district_code         text not null,
            name_zh               text,
            street_tier_cost_yuan numeric(18,2) not null,
            share_of_district     numeric(12,10) not null,
            indicative_yuan       numeric(18,2) not null,
            primary key (fiscal_year, as_of_date, street_code)
        )
        """
    )


def _assessment_results() -> None:
    # a district's row has no street: the key is unique with nulls not distinct (PostgreSQL 15+)
    op.execute(
        f"""
        create table if not exists published.assessment_results (
            {RUN_STAMP},
            district_code text not null,
            street_code   text,
            category      text not null,
            cases_due     integer not null,
            on_time       integer not null,
            late          integer not null,
            still_open    integer not null,
            score         numeric(5,2),
            rank          integer,
            unique nulls not distinct (fiscal_year, as_of_date, district_code, street_code, category)
        )
        """
    )


def _incentive_basis() -> None:
    # Rows published before the basis existed were all weighed on the level of investment. The
    # approved copy is `like` the published table: it takes the column in the same place.
    for table in ("published.district_allocation", "ops.approved_district_allocation"):
        op.execute(
            f"alter table {table} add column if not exists incentive_basis text not null"
            " default 'level'"
        )
        op.execute(f"alter table {table} alter column incentive_basis drop default")
    # the view's `approved.*` was expanded when it was made: made again to show the new column
    op.execute("drop view if exists published.approved_district_allocation")
    op.execute(
        """
        create view published.approved_district_allocation as
        select approved.*, runs.reviewer, runs.reviewed_at, runs.review_comment
        from ops.approved_district_allocation approved
        join ops.allocation_runs runs using (run_id)
        where runs.review_status = 'approved'
            and runs.reviewed_at = (
                select max(latest.reviewed_at)
                from ops.allocation_runs latest
                join ops.approved_district_allocation a2 using (run_id)
                where latest.review_status = 'approved' and a2.fiscal_year = approved.fiscal_year
            )
        """
    )
    op.execute("grant select on published.approved_district_allocation to analyst")


def _run_parameters() -> None:
    # the rule parameters a run used (incentive_basis, ...); null for runs recorded before
    op.execute("alter table ops.allocation_runs add column if not exists parameters jsonb")
    op.execute(
        """
        create or replace view published.allocation_runs as
        select
            run_id, as_of_date, fiscal_year, input_fingerprints, code_version, dbt_version,
            airflow_version, row_counts, published_at, review_status, reviewer, reviewed_at,
            review_comment, parameters
        from ops.allocation_runs
        """
    )


def downgrade() -> None:
    raise NotImplementedError("the warehouse schema is not downgraded")
