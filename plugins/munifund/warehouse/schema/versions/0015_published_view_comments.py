"""Every view of `published` carries its description and its columns', like the tables:
`approved_district_allocation` had none (`\\d+` showed analysts nothing). Its columns that are
district_allocation's take that mart's descriptions (copied from its contract when this revision
was written); its own four are described here.

Revision ID: 0015_published_view_comments
Revises: 0014_decision_integrity
"""

from alembic import op

revision = "0015_published_view_comments"
down_revision = "0014_decision_integrity"
branch_labels = None
depends_on = None

VIEW = "published.approved_district_allocation"
DESCRIPTION = (
    "One row per district per approved run: the district allocation as the finance bureau"
    " approved it, for the latest approval still standing in each fiscal year (a view over the"
    " frozen copies, kept whatever is published later)."
)
OWN_COLUMNS = {
    "decision_id": "The approving decision (published.review_decisions) this copy was frozen by.",
    "reviewer": "Who approved.",
    "reviewed_at": "When the approval was recorded.",
    "review_comment": "The approver's comment.",
}

# district_allocation's contract descriptions (munifund.catalog), as of this revision
MART_COLUMNS = {
    "fiscal_year": "The fiscal year the run computes: the calendar year that contains the as-of date.",
    "as_of_date": "The run's as-of date (the Airflow logical date). Only landing partitions dated on or before it count; re-running for a past date reproduces what was known then.",
    "run_id": "The Airflow run that produced the row.",
    "district_code": "District code (sources.md `districts`), e.g. `230102` for 道里区 Daoli.",
    "name_zh": "District name in Chinese (e.g. 道里区).",
    "name_en": "District name in English (e.g. Daoli).",
    "standard_cost_yuan": "The district's standard cost `S_d` in yuan, numeric(18,2): the sum over days, assets and work types of district- and street-tier work of `quantity x rate / D_Y`, rounded half up to the fen once, from the exact sum.",
    "share": "The base share: S°_d / sum(S°) (baseline standard costs), rounded half up to 10 decimals (0 when every S° is 0); the base pool is split in this proportion, exactly.",
    "base_yuan": "The district's part of the base pool: B x S°_d / sum(S°), rounded to the fen by largest remainder.",
    "cases_due": "Work orders (数字城管 cases) of the district with a deadline in Y on or before the as-of date.",
    "cases_on_time": "Of those, closed at or before the deadline (still open counts as late).",
    "assessment_score": "The assessment (考核) score, numeric(5,2): `100 x on_time / due` over the district's work orders (数字城管 cases) whose deadline falls in the fiscal year on or before the as-of date; on time means closed at or before the deadline, still open counts as late. Null when no case is due. Shown rounded half up to 2 decimals; the threshold is compared on the exact counts.",
    "own_investment_yuan": "The district's own investment in Y (sources.md own_investment); 0 when none was delivered.",
    "incentive_share_of_pool": "w_d / sum(w) with w_d = investment figure (incentive_inputs) x score / 100 for a district at or above the threshold, else 0; rounded half up to 10 decimals (0 when every w is 0).",
    "incentive_yuan": "The district's incentive (以奖代补): I x w_d / sum(w), rounded to the fen by largest remainder; 0 below the threshold, without due cases, or when the pool fell back.",
    "total_yuan": "base_yuan + incentive_yuan + devolved_yuan, the district's allocation. Over all districts it adds up to pool_yuan + sum(devolved_yuan) to the fen.",
    "pool_yuan": "The city's maintenance pool `P` for the fiscal year (sources.md `budget_pools`), numeric(18,2).",
    "base_pool_yuan": "B = pool_yuan - incentive_pool_yuan.",
    "incentive_pool_yuan": "I = round(P x s, 2) (half up), or 0 when it fell back to the base pool.",
    "incentive_share": "The incentive share s of the pool, 0 <= s <= 0.5 (budget_pools).",
    "incentive_fell_back": "True when no district had a positive incentive weight, so the incentive pool joined the base pool.",
    "incentive_basis": "The own investment the incentive (以奖代补) weighs, dbt var `incentive_basis`: `increase` (the default, as the text means: 激励各城区增加投入), the increase of the year's own investment over the previous fiscal year's, floored at 0 (a year with no figure counts as 0), or `level`, the year's own investment.",
    "coverage": "Coverage (足额, domain.md): total_yuan / standard_cost_yuan, the published figures, rounded half up to 6 decimals; null when standard_cost_yuan is 0. 1 means the district's allocation funds exactly the standard cost of its work. The city-wide coverage, sum(total_yuan) / sum(standard_cost_yuan), is recorded with the run (allocation_runs.city_coverage).",
    "baseline_standard_cost_yuan": "S°_d, the baseline standard cost: the standard cost of the work the district held on 1 January of the year (matrix defaults, adopted roads and bridges, and transfers effective on or before 1 January), day by day over the year, rounded half up to the fen. The base pool is split in proportion to it (share). Equals S_d - F_d before rounding. Null only on rows published before money followed the task (migration 0012).",
    "devolved_yuan": "F_d, money that followed the task (费随事转): the cost, from each transfer's effective date, of the work the district took over during the year minus that of the work it handed on, half up to the fen once per district (devolved_funding has it per transfer). Paid by, or given back to, the city's own budget: no other district's allocation moves. total_yuan = base_yuan + incentive_yuan + devolved_yuan. Null only on rows published before money followed the task (migration 0012).",
    "plan_yuan": "The district's plan in force on the as-of date (下达, published.budget_plan): the"
    " total of the run of this fiscal year whose approval is the latest decision among the"
    " approved, unrevoked runs with an as-of date on or before this one. Null before the year's"
    " first approval.",
    "change_from_plan_yuan": "total_yuan - plan_yuan: what approving this draft would add to (+,"
    " 追加) or take away from (-, 追减) the district's plan. Null before the year's first approval"
    " (approving would issue the initial plan).",
}


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def upgrade() -> None:
    # the view belongs to a role nobody logs in as (0014): the administrator's session comments it
    op.execute("reset role")
    op.execute(f"comment on view {VIEW} is {_literal(DESCRIPTION)}")
    for column, text in OWN_COLUMNS.items():
        op.execute(f"comment on column {VIEW}.{column} is {_literal(text)}")
    # the rest are district_allocation's columns, described as its contract described them
    # when this revision was written (a literal copy: a landed revision never changes)
    for column, text in MART_COLUMNS.items():
        op.execute(f"comment on column {VIEW}.{column} is {_literal(text)}")
    op.execute("set local role munifund_pipeline")


def downgrade() -> None:
    raise NotImplementedError("the warehouse schema is not downgraded")
