"""The review pack's sections on the budget year: the plan in force and what approving this
draft would change (下达), the adjustments of the year (追加/追减), and the year-end settlement
with the carry-over (结算, 结转)."""

from __future__ import annotations

from munifund.review.columns import (
    ADJUSTMENT_COLUMNS,
    DISTRICT,
    PLAN_CHANGE_COLUMNS,
    SETTLEMENT_COLUMNS,
)
from munifund.review.formatting import (
    TableView,
    format_datetime,
    format_money,
    format_money_delta,
    sum_column,
    table_row,
    total_row,
)
from munifund.review.queries import PackData, Table, published_name
from munifund.review.sections import Section

PLAN_CHANGE_PAGE_COLUMNS = (DISTRICT, *PLAN_CHANGE_COLUMNS[3:])
ADJUSTMENT_PAGE_COLUMNS = (ADJUSTMENT_COLUMNS[0], DISTRICT, *ADJUSTMENT_COLUMNS[2:])
SETTLEMENT_PAGE_COLUMNS = (SETTLEMENT_COLUMNS[0], DISTRICT, *SETTLEMENT_COLUMNS[4:])


def waits_for_pool(data: PackData) -> bool:
    """A run of a year whose pool is not delivered: no allocation, last year's settlement."""
    return not data.allocation.rows and bool(data.settlement.rows)


def plan_section(data: PackData, names: dict[str, tuple[str, str]]) -> Section:
    """The plan in force on the as-of date and this draft's change from it."""
    if not data.plan.available:
        return Section(False, published_name(data.plan.name))
    if waits_for_pool(data):
        return Section(
            True,
            note=f"{data.fiscal_year} 年度资金池尚未下达，本年分配待资金池到位后测算；本次发布上年结算"
            f" / Fiscal year {data.fiscal_year}'s allocation waits for its pool (budget_pools):"
            " this run publishes the settlement of the year before.",
        )
    planned = [r for r in data.plan.rows if r.get("plan_yuan") is not None]
    if not planned:
        return Section(
            True,
            note="本年度尚无批准的计划：批准本次测算即为年初下达；拨付按“未下达计划”列示"
            " / No plan of the year is approved yet: approving this draft issues the initial"
            " plan; payments are listed as no_plan.",
        )
    plan = planned[0]
    rows = [
        table_row(
            PLAN_CHANGE_PAGE_COLUMNS, r, names, css="plan-row", district=r.get("district_code")
        )
        for r in data.allocation.rows
    ]
    summed = ["total_yuan", "plan_yuan", "change_from_plan_yuan"]
    foot = [total_row(PLAN_CHANGE_PAGE_COLUMNS, data.allocation.rows, summed)]
    change = sum_column(data.allocation.rows, "change_from_plan_yuan")
    approved_at = format_datetime(plan["approved_at"]) if plan.get("approved_at") else ""
    note = (
        f"下达计划：运行 {plan['plan_run_id']}（截止 {plan['plan_as_of_date']}），{plan['approved_by']}"
        f" 于 {approved_at} 批准；批准本次测算将调整 {format_money_delta(change)} 元"
        f" / Plan in force: run {plan['plan_run_id']} (as of {plan['plan_as_of_date']}), approved"
        f" by {plan['approved_by']} at {approved_at}; approving this draft would change it by"
        f" {format_money_delta(change)} yuan."
    )
    return Section(
        True, view=TableView(PLAN_CHANGE_PAGE_COLUMNS, rows, foot, id="plan-table"), note=note
    )


def _adjustment_rows(data: PackData) -> Table:
    """The year's adjustments; with last year's too when this run settles it."""
    rows = list(data.adjustments.rows)
    if data.settlement.rows:
        rows = [*data.previous_adjustments.rows, *rows]
    return Table(data.adjustments.name, rows, available=data.adjustments.available)


def adjustments_section(data: PackData, names: dict[str, tuple[str, str]]) -> Section:
    """Every approval and revocation of the year's plan, per district (the published adjustments)."""
    table = _adjustment_rows(data)
    if not table.available:
        return Section(False, published_name(table.name))
    if not table.rows:
        return Section(True, note="本年度计划尚无调整 / No adjustment of the year's plan yet.")
    rows = [
        table_row(
            ADJUSTMENT_PAGE_COLUMNS, r, names, css="adjustment-row", district=r.get("district_code")
        )
        for r in table.rows
    ]
    flagged = [r for r in table.rows if r.get("flag")]
    note = (
        f"{len(flagged)} 条撤销提示：撤销后的计划早于已按被撤销计划拨付的款项"
        f" / {len(flagged)} flag(s): a revocation left a plan in force older than payments made"
        " against the revoked one (see the Flag column)."
        if flagged
        else ""
    )
    return Section(
        True, view=TableView(ADJUSTMENT_PAGE_COLUMNS, rows, id="adjustments-table"), note=note
    )


def settlement_section(data: PackData, names: dict[str, tuple[str, str]]) -> Section:
    """The year-end settlement and carry-over published by this run."""
    table = data.settlement
    if not table.available:
        return Section(False, published_name(table.name))
    if not table.rows:
        return Section(True, note="本次运行不结算任何年度 / This run settles no year.")
    rows = [
        table_row(
            SETTLEMENT_PAGE_COLUMNS, r, names, css="settlement-row", district=r.get("district_code")
        )
        for r in table.rows
    ]
    summed = ["plan_yuan", "paid_yuan", "owed_yuan", "unspent_yuan", "carried_over_yuan"]
    foot = [total_row(SETTLEMENT_PAGE_COLUMNS, table.rows, summed)]
    owed = sum_column(table.rows, "owed_yuan")
    carried = sum_column(table.rows, "carried_over_yuan")
    note = (
        f"应补(+)/应退(-)合计 {format_money_delta(owed)} 元，结转下年 {format_money(carried)} 元"
        f" / Owed in all {format_money_delta(owed)} yuan (+ the city owes, - the districts"
        f" return); carried over {format_money(carried)} yuan."
    )
    return Section(
        True, view=TableView(SETTLEMENT_PAGE_COLUMNS, rows, foot, id="settlement-table"), note=note
    )


def adjustment_table(data: PackData) -> Table:
    return _adjustment_rows(data)
