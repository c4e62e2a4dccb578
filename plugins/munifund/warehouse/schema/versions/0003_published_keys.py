"""Keys and descriptions for analysts: every published table gets its contract's primary key and
an index on the as-of date analysts filter on; the views over ops get their descriptions (the
marts' descriptions come from dbt's docs at each publication).

Revision ID: 0003_published_keys
Revises: 0002_code_labels
"""

from alembic import op

revision = "0003_published_keys"
down_revision = "0002_code_labels"
branch_labels = None
depends_on = None

# The primary keys of the marts' contracts (models/marts/*/_*.yml) at this revision.
PRIMARY_KEYS = {
    "district_allocation": "fiscal_year, as_of_date, district_code",
    "district_allocation_lines": (
        "fiscal_year, as_of_date, district_code, tier, work_type, asset_class, rate_valid_from"
    ),
    "city_tier_costs": "fiscal_year, as_of_date, work_type, asset_class, rate_valid_from",
    "unmeasured_assets": "fiscal_year, as_of_date, asset_id, work_type",
    "allocation_changes": "fiscal_year, as_of_date, district_code",
    "kiosk_fee_compliance": "fiscal_year, as_of_date, district_code",
    "kiosk_fee_flags": "fiscal_year, as_of_date, voucher_id",
    "kiosk_arrears": "fiscal_year, as_of_date, kiosk_id",
}

VIEW_DOCS = {
    "allocation_runs": (
        "One row per published run: what it read (every landing file with its SHA-256), the code"
        " and tool versions that built it, its row counts, and the finance bureau's decision.",
        {
            "run_id": "The Airflow run that built and published the figures.",
            "as_of_date": "The run's as-of date: it saw every delivery dated on or before it.",
            "fiscal_year": "The fiscal (calendar) year computed.",
            "input_fingerprints": "Every landing file taken up to the as-of date, with its SHA-256.",
            "code_version": "The git commit of the pipeline that ran, when known.",
            "dbt_version": "dbt-core's version.",
            "airflow_version": "Airflow's version.",
            "row_counts": "Rows of each published table for this run.",
            "published_at": "When the run was published.",
            "review_status": "draft, approved or rejected (labels: code_labels, review_status).",
            "reviewer": "Who decided.",
            "reviewed_at": "When the decision was recorded.",
            "review_comment": "The reviewer's comment.",
        },
    ),
    "data_quality_issues": (
        "One row per quarantined row or file: what a department delivered that was not loaded,"
        " and why. A row has its line; a whole file has no line.",
        {
            "source": "The landing source (folder) delivered to.",
            "partition_date": "The delivery date of the partition.",
            "file": "The file's name within the partition.",
            "line": "The physical line of the row in the file (1 is the header); null for a file.",
            "column_name": "The column at fault, when one is.",
            "problem": "What is wrong, and what to do.",
            "raw_row": "The row as delivered.",
            "run_id": "The run that quarantined it.",
            "quarantined_at": "When it was quarantined.",
        },
    ),
}


def upgrade() -> None:
    op.execute("set local role munifund_pipeline")
    for table, key in PRIMARY_KEYS.items():
        op.execute(f"alter table published.{table} add constraint {table}_pkey primary key ({key})")
        op.execute(
            f"create index if not exists {table}_as_of_date_idx on published.{table} (as_of_date)"
        )
    for view, (description, columns) in VIEW_DOCS.items():
        op.execute(f"comment on view published.{view} is {_literal(description)}")
        for column, text in columns.items():
            op.execute(f"comment on column published.{view}.{column} is {_literal(text)}")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def downgrade() -> None:
    raise NotImplementedError("the warehouse schema is not downgraded")
