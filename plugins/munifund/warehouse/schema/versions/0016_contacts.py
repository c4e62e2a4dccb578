"""Contacts (issue 27 item 3): the raw table of the reference source `contacts`, the address each
sender (a district or a department) gets its receipt at.

Made as 0001_baseline made the other raw tables (delivered columns as text, the same lineage
columns, the line identity's cache, the BRIN index on the partition date).

Revision ID: 0016_contacts
Revises: 0015_published_view_comments
"""

from alembic import op

from munifund.warehouse.ddl import raw_table_statements

revision = "0016_contacts"
down_revision = "0015_published_view_comments"
branch_labels = None
depends_on = None

PIPELINE = "munifund_pipeline"

# The source's columns as this revision creates them (plugins/munifund/ingest/contracts.py).
RAW_COLUMNS = {"contacts": ("sender_code", "name", "email")}


def upgrade() -> None:
    op.execute(f"set local role {PIPELINE}")
    for source, columns in RAW_COLUMNS.items():
        for statement in raw_table_statements(source, columns):
            op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("the warehouse schema is not downgraded")
