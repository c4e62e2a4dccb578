"""The bureau's money cycle (issue 13): the raw tables of `disbursements` and
`disbursement_schedule`, the published shells of disbursement_status, allocation_spending,
allocation_spending_flags and allocation_year_over_year, and district_allocation's coverage.

Raw tables are made exactly as 0001_baseline made the others (delivered columns as text, the
same lineage columns, the line identity's cache, the BRIN index on the partition date).

Revision ID: 0006_money_cycle
Revises: 0005_run_lock_and_decision_log
"""

from alembic import op

from munifund.warehouse.ddl import RUN_STAMP, raw_table_statements

revision = "0006_money_cycle"
down_revision = "0005_run_lock_and_decision_log"
branch_labels = None
depends_on = None

PIPELINE = "munifund_pipeline"

# The sources' columns as this revision creates them (plugins/munifund/ingest/contracts.py).
RAW_COLUMNS = {
    "disbursements": (
        "payment_id",
        "district_code",
        "fiscal_year",
        "paid_on",
        "amount_yuan",
        "reverses",
    ),
    "disbursement_schedule": ("fiscal_year", "instalment", "due_on", "cumulative_share"),
}

WORK_TYPES = ("road_maintenance", "bridge_maintenance", "sweeping", "greening", "facility_upkeep")
QUANTITIES = ",\n".join(
    f"previous_{w}_unit_years numeric(24,6), {w}_unit_years numeric(24,6) not null"
    for w in WORK_TYPES
)
# The marts' contracts (models/marts/money_cycle/_money_cycle.yml) as this revision publishes them.
# each table's key (0003_published_keys); the city's row of the year-over-year table has no
# district, so its key is unique with nulls not distinct
KEYS = {
    "disbursement_status": "primary key (fiscal_year, as_of_date, district_code)",
    "allocation_spending": "primary key (fiscal_year, as_of_date, district_code)",
    "allocation_spending_flags": "primary key (fiscal_year, as_of_date, voucher_id)",
    "allocation_year_over_year": (
        "unique nulls not distinct (fiscal_year, as_of_date, district_code)"
    ),
}

PUBLISHED_COLUMNS = {
    "disbursement_status": """
        district_code text not null,
        name_zh text,
        name_en text,
        total_yuan numeric(18,2) not null,
        due_share numeric(6,4) not null,
        due_to_date_yuan numeric(18,2) not null,
        paid_to_date_yuan numeric(18,2) not null,
        shortfall_yuan numeric(18,2) not null,
        balance_of_year_yuan numeric(18,2) not null,
        worst_days_late integer not null,
        status text not null
    """,
    "allocation_spending": """
        district_code text not null,
        name_zh text,
        name_en text,
        received_yuan numeric(18,2) not null,
        spent_maintenance_yuan numeric(18,2) not null,
        diverted_yuan numeric(18,2) not null,
        unspent_yuan numeric(18,2) not null,
        usage_rate numeric(12,6),
        status text not null
    """,
    "allocation_spending_flags": """
        district_code text not null,
        voucher_id text not null,
        paid_at timestamptz not null,
        amount_yuan numeric(18,2) not null,
        purpose_code text,
        reason text not null,
        district_status text not null
    """,
    "allocation_year_over_year": f"""
        district_code text,
        comparison text not null,
        previous_as_of_date date,
        previous_standard_cost_yuan numeric(18,2),
        standard_cost_yuan numeric(18,2) not null,
        standard_cost_growth_pct numeric(12,2),
        previous_total_yuan numeric(18,2),
        total_yuan numeric(18,2) not null,
        total_growth_pct numeric(12,2),
        previous_pool_yuan numeric(18,2),
        pool_yuan numeric(18,2) not null,
        pool_growth_pct numeric(12,2),
        previous_coverage numeric(12,6),
        coverage numeric(12,6),
        {QUANTITIES},
        pool_kept_pace boolean
    """,
}


def upgrade() -> None:
    op.execute(f"set local role {PIPELINE}")
    for source, columns in RAW_COLUMNS.items():
        for statement in raw_table_statements(source, columns):
            op.execute(statement)
    for mart, columns in PUBLISHED_COLUMNS.items():
        op.execute(
            f"create table if not exists published.{mart} ({RUN_STAMP}, {columns}, {KEYS[mart]})"
        )
        op.execute(
            f"create index if not exists {mart}_as_of_date_idx on published.{mart} (as_of_date)"
        )
    # coverage_d = total_d / S_d (domain.md "The allocation"), null when S_d = 0; rows published
    # before this revision keep null
    op.execute(
        "alter table published.district_allocation add column if not exists coverage numeric(12,6)"
    )
    # the approved copy is `like published.district_allocation`: it follows the new column
    op.execute(
        "alter table ops.approved_district_allocation"
        " add column if not exists coverage numeric(12,6)"
    )
    # 0001's default privileges grant the new tables to the analyst; said again for an owner
    # that created them before those
    for mart in PUBLISHED_COLUMNS:
        op.execute(f"grant select on published.{mart} to analyst")


def downgrade() -> None:
    raise NotImplementedError("the warehouse schema is not downgraded")
