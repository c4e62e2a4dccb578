"""The approved allocation shows coverage too: 0006 added `coverage` to the approved copies, but
the view's `approved.*` was expanded when 0005 made it, so it is made again.

Revision ID: 0007_approved_view_coverage
Revises: 0006_money_cycle
"""

from alembic import op

revision = "0007_approved_view_coverage"
down_revision = "0006_money_cycle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("set local role munifund_pipeline")
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


def downgrade() -> None:
    raise NotImplementedError("the warehouse schema is not downgraded")
