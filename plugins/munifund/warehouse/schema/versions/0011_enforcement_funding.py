"""Enforcement staff funding (issue 24, item 6): the raw tables of `enforcement_staffing` and
`enforcement_assessments`, and the published shell of `enforcement_funding`.

Raw tables are made as 0001_baseline made the others (delivered columns as text, the same
lineage columns, the line identity's cache, the BRIN index on the partition date). The
published table's descriptions are the mart's (models/marts/enforcement/_enforcement.yml):
publication writes them onto it as COMMENT ON with every run, as it does for the other marts.

Revision ID: 0011_enforcement_funding
Revises: 0009_superseded_runs
"""

from alembic import op

from munifund.warehouse.ddl import RUN_STAMP, raw_table_statements

revision = "0011_enforcement_funding"
down_revision = "0009_superseded_runs"
branch_labels = None
depends_on = None

PIPELINE = "munifund_pipeline"

# The sources' columns as this revision creates them (plugins/munifund/ingest/contracts.py).
RAW_COLUMNS = {
    "enforcement_staffing": ("district_code", "fiscal_year", "approved_headcount", "yuan_per_head"),
    "enforcement_assessments": (
        "district_code",
        "fiscal_year",
        "quarter",
        "assessed_on",
        "score",
        "assessor",
    ),
}

QUARTERS = ",\n".join(f"q{q}_status text not null, q{q}_score numeric(5,2)" for q in range(1, 5))
# The mart's contract (models/marts/enforcement/_enforcement.yml) as this revision publishes it.
ENFORCEMENT_FUNDING = f"""
    district_code text not null,
    name_zh text,
    name_en text,
    approved_headcount integer not null,
    yuan_per_head numeric(18,2) not null,
    annual_yuan numeric(18,2) not null,
    released_yuan numeric(18,2) not null,
    withheld_yuan numeric(18,2) not null,
    pending_yuan numeric(18,2) not null,
    {QUARTERS}
"""


def upgrade() -> None:
    op.execute(f"set local role {PIPELINE}")
    for source, columns in RAW_COLUMNS.items():
        for statement in raw_table_statements(source, columns):
            op.execute(statement)
    op.execute(
        f"create table if not exists published.enforcement_funding ({RUN_STAMP},"
        f" {ENFORCEMENT_FUNDING}, primary key (fiscal_year, as_of_date, district_code))"
    )
    op.execute(
        "create index if not exists enforcement_funding_as_of_date_idx"
        " on published.enforcement_funding (as_of_date)"
    )
    # 0001's default privileges grant the new table to the analyst; said again for an owner
    # that created it before those
    op.execute("grant select on published.enforcement_funding to analyst")
    op.execute(
        "comment on table published.enforcement_funding is 'One row per district per fiscal"
        " year per as-of date: the district''s enforcement staff funding (区行政执法人员经费) by"
        " quarter, released, withheld or pending on its assessment. Publication replaces this"
        " text with the mart''s description.'"
    )


def downgrade() -> None:
    raise NotImplementedError("the warehouse schema is not downgraded")
