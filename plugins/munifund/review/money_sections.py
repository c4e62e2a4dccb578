"""The review pack's sections on the money cycle: payments against the schedule, use of the
allocation with its vouchers, coverage, and the year-over-year comparison."""

from __future__ import annotations

from munifund.review.charts import (
    year_over_year_chart,
)
from munifund.review.columns import (
    COVERAGE_COLUMNS,
    DISBURSEMENT_COLUMNS,
    DISTRICT,
    SPENDING_COLUMNS,
    SPENDING_FLAG_COLUMNS,
    YEAR_OVER_YEAR_COLUMNS,
    Column,
)
from munifund.review.formatting import (
    TableView,
    format_cell,
    format_money,
    sum_column,
    table_row,
    total_row,
)
from munifund.review.queries import PackData, published_name
from munifund.review.sections import CITY, Section

DISBURSEMENT_PAGE_COLUMNS = (DISTRICT, *DISBURSEMENT_COLUMNS[3:])
SPENDING_PAGE_COLUMNS = (DISTRICT, *SPENDING_COLUMNS[3:])
SPENDING_FLAG_PAGE_COLUMNS = (DISTRICT, *SPENDING_FLAG_COLUMNS[1:])
COVERAGE_PAGE_COLUMNS = (DISTRICT, *COVERAGE_COLUMNS[3:])
# the page shows the money and the coverage; the quantities by work type are in the workbook
YEAR_OVER_YEAR_PAGE_COLUMNS = (
    Column("district_code", "区（空为全市）", "District (empty: the city)", "district"),
    *(c for c in YEAR_OVER_YEAR_COLUMNS[3:14]),
    next(c for c in YEAR_OVER_YEAR_COLUMNS if c.key == "pool_kept_pace"),
)


def _district_table(
    table, columns: tuple[Column, ...], names, css: str, summed: list[str], id: str
) -> TableView:
    rows = [
        table_row(columns, r, names, css=css, district=r.get("district_code")) for r in table.rows
    ]
    foot = [total_row(columns, table.rows, summed)] if table.rows and summed else []
    return TableView(columns, rows, foot, id=id)


def disbursement_section(data: PackData, names: dict[str, tuple[str, str]]) -> Section:
    """Who is behind on payment, and by how much (disbursement_status)."""
    table = data.disbursements
    if not table.available:
        return Section(False, published_name(table.name))
    summed = ["total_yuan", "due_to_date_yuan", "paid_to_date_yuan", "shortfall_yuan",
              "balance_of_year_yuan"]  # fmt: skip
    view = _district_table(
        table, DISBURSEMENT_PAGE_COLUMNS, names, "payment-row", summed, "disbursement-table"
    )
    behind = [r for r in table.rows if r.get("status") == "behind"]
    note = (
        f"{len(behind)} 个区拨付滞后，欠拨合计 {format_money(sum_column(behind, 'shortfall_yuan'))} 元"
        f" / {len(behind)} district(s) behind, shortfall {format_money(sum_column(behind, 'shortfall_yuan'))} yuan."
        if behind
        else "无拨付滞后的区 / No district is behind on payment."
    )
    return Section(True, view=view, note=note if table.rows else "本截止日无拨付数据 / No rows.")


def spending_section(data: PackData, names: dict[str, tuple[str, str]]) -> Section:
    """How the districts used the maintenance money (allocation_spending)."""
    table = data.spending
    if not table.available:
        return Section(False, published_name(table.name))
    summed = ["received_yuan", "spent_maintenance_yuan", "diverted_yuan", "unspent_yuan"]
    view = _district_table(
        table, SPENDING_PAGE_COLUMNS, names, "spending-row", summed, "spending-table"
    )
    return Section(True, view=view, note="" if table.rows else "本截止日无数据 / No rows.")


def spending_flags_section(data: PackData, names: dict[str, tuple[str, str]]) -> Section:
    """The vouchers behind a diverted or overspent district (allocation_spending_flags)."""
    table = data.spending_flags
    if not table.available:
        return Section(False, published_name(table.name))
    if not table.rows:
        return Section(True, note="无被标记凭证 / No flagged vouchers.")
    view = _district_table(
        table,
        SPENDING_FLAG_PAGE_COLUMNS,
        names,
        "flag-row",
        ["amount_yuan"],
        "spending-flags-table",
    )
    return Section(True, view=view)


def coverage_section(data: PackData, names: dict[str, tuple[str, str]]) -> Section:
    """Coverage per district (district_allocation.coverage) and the city's (its YoY row)."""
    table = data.allocation
    if not table.available or not any("coverage" in r for r in table.rows):
        return Section(False, published_name(table.name) + ".coverage")
    view = _district_table(
        table, COVERAGE_PAGE_COLUMNS, names, "coverage-row", [], "coverage-table"
    )
    city = next((r for r in data.year_over_year.rows if r.get("district_code") is None), None)
    note = (
        f"全市足额率（资金池 / 标准经费合计）{format_cell(COVERAGE_COLUMNS[-1], city.get('coverage')).text}"
        f" / City coverage (pool / sum of standard costs) {format_cell(COVERAGE_COLUMNS[-1], city.get('coverage')).text}"
        if city
        else ""
    )
    return Section(True, view=view, note=note)


def year_over_year_section(data: PackData, names: dict[str, tuple[str, str]]) -> Section:
    """This run against last year's final publication (allocation_year_over_year)."""
    table = data.year_over_year
    if not table.available:
        return Section(False, published_name(table.name))
    if table.rows and all(r.get("comparison") == "no_previous_year" for r in table.rows):
        return Section(
            True,
            note="上一财政年度无已发布的分配，无可比较 / No allocation of the previous fiscal year"
            " is published: nothing to compare.",
        )
    columns = YEAR_OVER_YEAR_PAGE_COLUMNS
    rows = [
        table_row(columns, {**r, "district_code": r.get("district_code") or CITY}, names,
                  css="yoy-row", district=r.get("district_code"))
        for r in table.rows
    ]  # fmt: skip
    previous = {r.get("previous_as_of_date") for r in table.rows} - {None}
    note = (
        f"与上一财政年度最终发布（截止 {min(previous).isoformat()}）比较"
        f" / Against the previous fiscal year's final publication (as of {min(previous).isoformat()})."
        if previous
        else ""
    )
    view = TableView(columns, rows, id="year-over-year-table")
    return Section(True, view=view, chart=year_over_year_chart(table.rows, names), note=note)
