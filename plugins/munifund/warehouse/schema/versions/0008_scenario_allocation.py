"""What if (issue 15): the schema `whatif` where a scenario's models are built, the tables its
parameters and rates file go to, and the published comparison `published.scenario_allocation`.

`scenario_allocation` is no dbt mart (a scenario is not a run: `munifund whatif` writes it from
the scenario's models and the published allocation), so its descriptions are written here, as
0003 writes those of the views over ops.

Revision ID: 0008_scenario_allocation
Revises: 0007_approved_view_coverage
"""

from alembic import op

revision = "0008_scenario_allocation"
down_revision = "0007_approved_view_coverage"
branch_labels = None
depends_on = None

PIPELINE = "munifund_pipeline"

# The unit_cost_standards contract's columns (plugins/munifund/ingest/contracts.py), as text like
# raw.unit_cost_standards: staging casts them the same way for a scenario as for a delivery.
RATES_COLUMNS = ("work_type", "asset_class", "valid_from", "valid_to", "rate_yuan", "unit")

MONEY = "numeric(18,2) not null"
SCENARIO_COLUMNS = {
    "fiscal_year": (
        "integer not null",
        "The fiscal year (calendar year) of the as-of date.",
    ),
    "as_of_date": (
        "date not null",
        "The as-of date whose inputs and published allocation the scenario uses.",
    ),
    "scenario": (
        "text not null",
        "The scenario's name (`munifund whatif --name`); computing a name again for the same"
        " date replaces its rows.",
    ),
    "published_run_id": (
        "text not null",
        "The run whose published allocation of the date the scenario is compared with"
        " (published.district_allocation, whatever its review status).",
    ),
    "parameters": (
        "jsonb not null",
        "Every parameter the scenario was computed with: pool_yuan, incentive_share,"
        " incentive_score_threshold, incentive_basis, and rates (the rates file's name and"
        " SHA-256, or null for the delivered standards).",
    ),
    "changed_parameters": (
        "jsonb not null",
        "The parameters the scenario changed (`--set NAME=VALUE`, `--rates`), as given.",
    ),
    "computed_at": ("timestamptz not null", "When the scenario was computed."),
    "computed_by": ("text", "Who computed it (`--by`, else $MUNIFUND_OPERATOR, else the login)."),
    "district_code": ("text not null", "The district (区) code."),
    "name_zh": ("text", "The district's name in Chinese."),
    "name_en": ("text", "The district's name in English."),
    "published_standard_cost_yuan": (
        MONEY,
        "The district's standard cost S_d as published for the date, yuan.",
    ),
    "published_base_yuan": (MONEY, "The district's base allocation as published, yuan."),
    "published_incentive_yuan": (
        MONEY,
        "The district's incentive (以奖代补) as published, yuan.",
    ),
    "published_total_yuan": (MONEY, "The district's total as published, yuan."),
    "scenario_standard_cost_yuan": (
        MONEY,
        "The district's standard cost under the scenario (another rates file changes it), yuan.",
    ),
    "scenario_base_yuan": (
        MONEY,
        "The district's base allocation under the scenario, yuan; the districts' add up to the"
        " scenario's base pool to the fen.",
    ),
    "scenario_incentive_yuan": (
        MONEY,
        "The district's incentive under the scenario, yuan; the districts' add up to the"
        " scenario's incentive pool to the fen.",
    ),
    "scenario_total_yuan": (
        MONEY,
        "The district's total under the scenario, base + incentive; the districts' add up to the"
        " scenario's pool to the fen.",
    ),
    "delta_yuan": (MONEY, "scenario_total_yuan - published_total_yuan."),
}
SCENARIO_DESCRIPTION = (
    "One row per district per what-if scenario per as-of date (测算): the allocation of the date"
    " computed from the same inputs with changed parameters (pool, incentive share, threshold,"
    " incentive basis, another unit-cost table), beside the published one. Written by"
    " `munifund whatif`; never an allocation that is paid or approved."
)


def upgrade() -> None:
    # like 0001's schemas: owned by the pipeline, nothing granted to the analyst
    op.execute(f"create schema if not exists whatif authorization {PIPELINE}")
    op.execute(f"set local role {PIPELINE}")
    rates = ", ".join(f"{name} text" for name in RATES_COLUMNS)
    op.execute(f"create table if not exists whatif.unit_cost_standards ({rates})")
    # the one row of the scenario being computed (dbt_project/macros/scenario.sql reads it);
    # the types are the staging ones (budget_pools' pool and share)
    op.execute(
        "create table if not exists whatif.parameters (pool_yuan numeric(18,2),"
        " incentive_share numeric(6,4), incentive_score_threshold numeric(5,2) not null,"
        " incentive_basis text not null)"
    )
    columns = ", ".join(f"{name} {kind}" for name, (kind, _) in SCENARIO_COLUMNS.items())
    op.execute(
        f"create table if not exists published.scenario_allocation ({columns},"
        " primary key (fiscal_year, as_of_date, scenario, district_code))"
    )
    op.execute(
        f"comment on table published.scenario_allocation is {_literal(SCENARIO_DESCRIPTION)}"
    )
    for name, (_, text) in SCENARIO_COLUMNS.items():
        op.execute(f"comment on column published.scenario_allocation.{name} is {_literal(text)}")
    # 0001's default privileges grant it to the analyst; said again for an owner that created
    # it before those
    op.execute("grant select on published.scenario_allocation to analyst")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def downgrade() -> None:
    raise NotImplementedError("the warehouse schema is not downgraded")
