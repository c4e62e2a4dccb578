"""The review pack's sections on the money cycle that need more than a table: payments against
the schedule (a note on who is behind), coverage (the city's figure), and the year-over-year
comparison (a chart). The use of the allocation and its vouchers are declared sections
(``declared``)."""

from __future__ import annotations

from munifund.review.charts import (
    year_over_year_chart,
)
from munifund.review.columns import (
    COVERAGE_COLUMNS,
    DISBURSEMENT_COLUMNS,
    DISTRICT,
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
    """Who is behind on payment, and by how much (the published payment status)."""
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


def coverage_section(data: PackData, names: dict[str, tuple[str, str]]) -> Section:
    """Coverage per district (the allocation's coverage) and the city's (the run record)."""
    table = data.allocation
    if not table.available or not any("coverage" in r for r in table.rows):
        return Section(False, published_name(table.name) + ".coverage")
    view = _district_table(
        table, COVERAGE_PAGE_COLUMNS, names, "coverage-row", [], "coverage-table"
    )
    # the city-wide coverage sum(total) / sum(S) is recorded with the run (migration 0012)
    coverage = (data.run or {}).get("city_coverage")
    text = format_cell(COVERAGE_COLUMNS[-1], coverage).text
    note = (
        f"全市足额率（分配合计 / 标准经费合计）{text}"
        f" / City coverage (sum of totals / sum of standard costs) {text}"
        if coverage is not None
        else ""
    )
    return Section(True, view=view, note=note)


def year_over_year_section(data: PackData, names: dict[str, tuple[str, str]]) -> Section:
    """This run against last year's final publication (the published year over year)."""
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
