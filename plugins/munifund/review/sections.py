"""The page's sections, one per published table: a table view, its foot, its chart, its note.

The page folds some columns together to fit a screen (cases on time / due, score and pool as
"previous → now"); the workbook keeps every column. A relation that does not exist renders as
"not available" with its name.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from munifund.review.charts import (
    Chart,
    allocation_chart,
    changes_chart,
    kiosk_chart,
)
from munifund.review.columns import (
    ALLOCATION_COLUMNS,
    ASSESSMENT_COLUMNS,
    CHANGE_COLUMNS,
    CITY_COST_COLUMNS,
    DISTRICT,
    DQ_COUNT_COLUMNS,
    DQ_ROW_COLUMNS,
    KIOSK_COLUMNS,
    LINE_COLUMNS,
    STREET_COLUMNS,
    UNMEASURED_SUMMARY_COLUMNS,
    Column,
    Kind,
)
from munifund.review.formatting import (
    DASH,
    Cell,
    Row,
    TableView,
    format_cell,
    format_money,
    format_money_delta,
    sum_column,
    table_row,
    to_decimal,
    total_row,
)
from munifund.review.labels import labels_by_vocabulary
from munifund.review.queries import DATA_QUALITY, PackData, published_name

#: How the page names the city row of the year over year (district_code null).
CITY = "全市 / City"
#: Rows of the quarantine listed on the page (the workbook lists more).
DQ_PAGE_ROWS = 50

ALLOCATION_PAGE_COLUMNS = (
    DISTRICT,
    *ALLOCATION_COLUMNS[3:7],
    Column("_cases", "按时办结 / 到期案件", "Cases on time / due", "cases"),
    *ALLOCATION_COLUMNS[9:],
)
CHANGE_PAGE_COLUMNS = (
    DISTRICT,
    *CHANGE_COLUMNS[1:9],
    Column("_score", "考核得分（上次 → 本次）", "Score (previous → now)", "pair"),
    Column("_pool", "资金池（上次 → 本次）", "Pool (previous → now, yuan)", "pair"),
    Column("drivers", "变动原因", "Drivers", "drivers"),
)
KIOSK_PAGE_COLUMNS = (DISTRICT, *KIOSK_COLUMNS[3:])
# Days in year is one number for the whole year: the page states it once, above the lines.
LINE_PAGE_COLUMNS = tuple(c for c in LINE_COLUMNS if c.key not in ("district_code", "days_in_year"))
CITY_COST_PAGE_COLUMNS = tuple(c for c in CITY_COST_COLUMNS if c.key != "days_in_year")
STREET_PAGE_COLUMNS = STREET_COLUMNS[1:]
# the ranking shows the districts: rank first, the street column (empty on their rows) left out
ASSESSMENT_PAGE_COLUMNS = (
    ASSESSMENT_COLUMNS[8],
    DISTRICT,
    *ASSESSMENT_COLUMNS[3:8],
)
#: The ranking tables, in this order; their titles are the codes' labels (seed_code_labels.csv).
CATEGORIES = ("all", "component", "event")


@dataclass(frozen=True)
class Section:
    """A table section: ``available`` False renders "not available" with ``missing`` named."""

    available: bool
    missing: str = ""
    view: TableView | None = None
    chart: Chart | None = None
    note: str = ""


@dataclass(frozen=True)
class DistrictLines:
    """One district's lines, with their subtotal against the district's standard cost."""

    code: str
    name_zh: str
    name_en: str
    count: int
    subtotal: str
    expected: str
    ok: bool
    view: TableView


@dataclass(frozen=True)
class PoolCheck:
    """The districts' totals against the pool: the split must add up to the fen."""

    total: str
    pool: str
    ok: bool
    difference: str
    devolved: str = ""


def _cases_text(on_time: Any, due: Any) -> str:
    return DASH if due is None else f"{int(on_time or 0):,} / {int(due):,}"


def _change_text(kind: Kind, previous: Any, current: Any) -> str:
    """The page's "previous → current", or the one value when it did not change."""
    column = Column("", "", "", kind)
    now = format_cell(column, current).text
    return now if previous == current else f"{format_cell(column, previous).text} → {now}"


def pool_check(rows: list[dict[str, Any]]) -> PoolCheck | None:
    """The check of the allocation's rows; None when there are none."""
    if not rows:
        return None
    total = sum_column(rows, "total_yuan") or Decimal(0)
    pools = {to_decimal(r["pool_yuan"]) for r in rows if r.get("pool_yuan") is not None}
    pool = pools.pop() if len(pools) == 1 else None
    # money that followed the task (费随事转) comes from the city's own budget, on top of the pool
    devolved = sum_column(rows, "devolved_yuan") or Decimal(0)
    expected = None if pool is None else pool + devolved
    ok = expected is not None and total == expected
    difference = (
        format_money_delta(total - expected)
        if expected is not None
        else "资金池不一致 / pool differs between rows"
    )
    return PoolCheck(
        format_money(total), format_money(pool), ok, difference, format_money_delta(devolved)
    )


def allocation_section(data: PackData, names: dict[str, tuple[str, str]]) -> Section:
    table = data.allocation
    if not table.available:
        return Section(False, published_name(table.name))
    columns = ALLOCATION_PAGE_COLUMNS
    records = [
        {**r, "_cases": _cases_text(r.get("cases_on_time"), r.get("cases_due"))} for r in table.rows
    ]
    rows = [
        table_row(columns, r, names, css="district-row", district=r.get("district_code"))
        for r in records
    ]
    summed = ["standard_cost_yuan", "baseline_standard_cost_yuan", "share", "base_yuan",
              "own_investment_yuan", "incentive_share_of_pool", "incentive_yuan", "devolved_yuan",
              "total_yuan"]  # fmt: skip
    foot = []
    if table.rows:
        foot = [total_row(columns, table.rows, summed)]
        cases = columns.index(next(c for c in columns if c.key == "_cases"))
        foot[0].cells[cases] = Cell(
            _cases_text(
                sum_column(table.rows, "cases_on_time") or 0, sum_column(table.rows, "cases_due")
            ),
            numeric=True,
        )
    view = TableView(columns, rows, foot, id="allocation-table")
    note = "" if table.rows else "本截止日无分配数据 / No allocation rows for this as-of date."
    return Section(True, view=view, chart=allocation_chart(table.rows), note=note)


def changes_section(data: PackData, names: dict[str, tuple[str, str]]) -> Section:
    table = data.changes
    if not table.available:
        return Section(
            False, published_name(table.name), note="本年度首次发布 / First publication of the year"
        )
    if not table.rows:
        return Section(
            True,
            note="本年度首次发布，无可比较的上次发布 / First publication of the year: nothing to compare with.",
        )
    columns = CHANGE_PAGE_COLUMNS
    records = [
        {
            **r,
            "_score": _change_text(
                "score", r.get("previous_assessment_score"), r.get("assessment_score")
            ),
            "_pool": _change_text("money", r.get("previous_pool_yuan"), r.get("pool_yuan")),
        }
        for r in table.rows
    ]
    rows = [
        table_row(columns, r, names, css="change-row", district=r.get("district_code"))
        for r in records
    ]
    summed = ["previous_total_yuan", "total_yuan", "delta_yuan", "standard_cost_delta_yuan"]
    view = TableView(columns, rows, [total_row(columns, table.rows, summed)], id="changes-table")
    return Section(True, view=view, chart=changes_chart(table.rows, names))


def rows_by_district(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """A published table's rows grouped by district_code, in their order."""
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        grouped[r["district_code"]].append(r)
    return grouped


def lines_groups(data: PackData) -> list[DistrictLines]:
    names = data.district_names()
    expected = {r["district_code"]: r.get("standard_cost_yuan") for r in data.allocation.rows}
    by_district = rows_by_district(data.lines.rows)
    columns = LINE_PAGE_COLUMNS
    groups = []
    for code in sorted(set(by_district) | set(expected)):
        rows = by_district.get(code, [])
        subtotal = sum_column(rows, "standard_cost_yuan") or Decimal(0)
        want = expected.get(code)
        view = TableView(
            columns,
            [_with_assets_link(columns, table_row(columns, r), r, data) for r in rows],
            [
                total_row(
                    columns,
                    rows,
                    ["cost_exact_yuan", "standard_cost_yuan"],
                    "小计 / Subtotal",
                )
            ]
            if rows
            else [],
        )
        zh, en = names.get(code, ("", ""))
        groups.append(
            DistrictLines(
                code, zh, en, len(rows), format_money(subtotal), format_money(want),
                ok=want is not None and subtotal == to_decimal(want), view=view,
            )
        )  # fmt: skip
    return groups


def _with_assets_link(columns, row: Row, record: dict[str, Any], data: PackData) -> Row:
    """A line's row with its count of assets linked to their page (the assets pages),
    when the warehouse publishes them."""
    from munifund.review.assets_pages import line_href

    if not data.assets.available or not data.assets.rows:
        return row
    at = next(i for i, c in enumerate(columns) if c.key == "assets")
    cells = list(row.cells)
    cells[at] = replace(cells[at], href=line_href(record["district_code"], record))
    return replace(row, cells=cells)


def days_in_year(data: PackData) -> int:
    for row in [*data.lines.rows, *data.city_costs.rows]:
        if row.get("days_in_year"):
            return int(row["days_in_year"])
    start = dt.date(data.fiscal_year, 1, 1)
    return (start.replace(year=start.year + 1) - start).days


def city_costs_section(data: PackData) -> Section:
    table = data.city_costs
    if not table.available:
        return Section(False, published_name(table.name))
    foot = (
        [total_row(CITY_COST_PAGE_COLUMNS, table.rows, ["standard_cost_yuan"])]
        if table.rows
        else []
    )
    view = TableView(
        CITY_COST_PAGE_COLUMNS,
        [table_row(CITY_COST_PAGE_COLUMNS, r) for r in table.rows],
        foot,
        id="city-costs-table",
    )
    return Section(True, view=view, note="" if table.rows else "无市本级作业 / No city-tier work.")


def unmeasured_by_class(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[r.get("asset_class") or ""].append(r)
    return [
        {
            "asset_class": cls or None,
            "assets": len({r.get("asset_id") for r in members}),
            "pairs": len(members),
            "unmeasured_days": sum(int(r.get("unmeasured_days") or 0) for r in members),
            "first_unmeasured_on": min(
                (r["first_unmeasured_on"] for r in members if r.get("first_unmeasured_on")),
                default=None,
            ),
        }
        for cls, members in sorted(groups.items())
    ]


def unmeasured_section(data: PackData) -> Section:
    table = data.unmeasured
    if not table.available:
        return Section(False, published_name(table.name))
    summary = unmeasured_by_class(table.rows)
    foot = []
    if summary:
        foot = [total_row(UNMEASURED_SUMMARY_COLUMNS, summary, ["pairs", "unmeasured_days"])]
        foot[0].cells[1] = format_cell(
            UNMEASURED_SUMMARY_COLUMNS[1], len({r.get("asset_id") for r in table.rows})
        )
    view = TableView(
        UNMEASURED_SUMMARY_COLUMNS,
        [table_row(UNMEASURED_SUMMARY_COLUMNS, r) for r in summary],
        foot,
        id="unmeasured-table",
    )
    note = (
        "每项设施×作业的明细见工作簿 “unmeasured 未测量” 表 / Every asset and work type is listed in the workbook, sheet “unmeasured 未测量”."
        if summary
        else "所有在用设施均有核定测量 / Every active asset has a verified measurement."
    )
    return Section(True, view=view, note=note)


def kiosk_section(data: PackData, names: dict[str, tuple[str, str]]) -> Section:
    table = data.kiosk
    if not table.available:
        return Section(False, published_name(table.name))
    columns = KIOSK_PAGE_COLUMNS
    rows = [
        table_row(columns, r, names, css="kiosk-row", district=r.get("district_code"))
        for r in table.rows
    ]
    money = [c.key for c in columns if c.kind == "money"]
    foot = [total_row(columns, table.rows, money)] if table.rows else []
    view = TableView(columns, rows, foot, id="kiosk-table")
    note = "" if table.rows else "本截止日无占道费数据 / No kiosk-fee rows for this as-of date."
    return Section(True, view=view, chart=kiosk_chart(table.rows), note=note)


def dq_sections(data: PackData) -> tuple[Section, Section]:
    dq = data.data_quality
    if not dq.available:
        return Section(False, published_name(DATA_QUALITY)), Section(
            False, published_name(DATA_QUALITY)
        )
    if not dq.counts:
        empty = Section(
            True,
            note="截止日及以前的分区无隔离数据 / Nothing quarantined in partitions up to the as-of date.",
        )
        return empty, Section(True)
    counts_view = TableView(DQ_COUNT_COLUMNS, [table_row(DQ_COUNT_COLUMNS, r) for r in dq.counts],
                            [total_row(DQ_COUNT_COLUMNS, dq.counts, ["issues"])], id="dq-counts-table")  # fmt: skip
    shown = dq.rows[:DQ_PAGE_ROWS]
    rows_view = TableView(
        DQ_ROW_COLUMNS, [table_row(DQ_ROW_COLUMNS, r) for r in shown], id="dq-rows-table"
    )
    note = f"最近的 {len(shown):,} 条，共 {dq.total:,} 条 / The latest {len(shown):,} of {dq.total:,} issues (newest partition first)."
    return Section(True, view=counts_view), Section(True, view=rows_view, note=note)


@dataclass(frozen=True)
class DistrictStreets:
    """One district's street offices, with their indicative amounts against its total."""

    code: str
    name_zh: str
    name_en: str
    count: int
    subtotal: str
    total: str
    view: TableView


def streets_groups(data: PackData) -> list[DistrictStreets]:
    """The street offices of each district (their published allocation), collapsed like the lines."""
    names = data.district_names()
    totals = {r["district_code"]: r.get("total_yuan") for r in data.allocation.rows}
    by_district = rows_by_district(data.streets.rows)
    columns = STREET_PAGE_COLUMNS
    groups = []
    for code in sorted(by_district):
        rows = by_district[code]
        summed = ["street_tier_cost_yuan", "indicative_yuan"]
        view = TableView(
            columns,
            [table_row(columns, r) for r in rows],
            [total_row(columns, rows, summed, "小计 / Subtotal")],
        )
        zh, en = names.get(code, ("", ""))
        groups.append(
            DistrictStreets(
                code, zh, en, len(rows),
                format_money(sum_column(rows, "indicative_yuan") or Decimal(0)),
                format_money(totals.get(code)), view,
            )
        )  # fmt: skip
    return groups


@dataclass(frozen=True)
class Ranking:
    """The districts' assessment results of one category, best first."""

    category: str
    zh: str
    en: str
    view: TableView


def assessment_rankings(data: PackData, names: dict[str, tuple[str, str]]) -> list[Ranking]:
    """One ranking table per category (all, components, events) over the districts' rows."""
    rankings = []
    district_rows = [r for r in data.assessment.rows if r.get("street_code") is None]
    labels = labels_by_vocabulary().get("work_order_category", {})
    for category in CATEGORIES:
        label = labels.get(category)
        zh, en = (label.zh, label.en) if label else (category, category)
        rows = sorted(
            (r for r in district_rows if r.get("category") == category),
            key=lambda r: (r.get("rank") is None, r.get("rank") or 0, r["district_code"]),
        )
        view = TableView(
            ASSESSMENT_PAGE_COLUMNS,
            [
                table_row(ASSESSMENT_PAGE_COLUMNS, r, names, district=r["district_code"])
                for r in rows
            ],
            id=f"assessment-{category}-table",
        )
        rankings.append(Ranking(category, zh, en, view))
    return rankings
