"""The label table analysts read: published.code_labels (models/marts/reference/code_labels).

Revision ID: 0002_code_labels
Revises: 0001_baseline
"""

from alembic import op

revision = "0002_code_labels"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("set local role munifund_pipeline")
    op.execute(
        """
        create table if not exists published.code_labels (
            vocabulary text not null,
            code       text not null,
            label_zh   text not null,
            label_en   text not null,
            primary key (vocabulary, code)
        )
        """
    )
    # the default privileges of 0001 grant it to the analyst; said again for an owner that
    # created it before them
    op.execute("grant select on published.code_labels to analyst")


def downgrade() -> None:
    raise NotImplementedError("the warehouse schema is not downgraded")
