"""The review workbook (.xlsx): a summary sheet, then one sheet per published table with every
column, bilingual headers, number formats and totals; the main sheets (allocation, streets, the
plan, year over year) with a native Excel chart of their own cells.

Numbers are written as numbers (Excel has no decimal type; the number format shows the fen),
codes with their labels from the label seed (``A01 道路清扫 Road sweeping``), times in the
city's zone. Every cell is made by ``sheet_cell``, which writes a
text as text: a delivered ``=HYPERLINK(…)`` is shown, never run. The workbook's properties and
zip entries carry the pack's one timestamp, so the same warehouse state writes the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from munifund.config import CITY_TIMEZONE
from munifund.review.archive import reproducible_zip
from munifund.review.budget_sections import adjustment_table
from munifund.review.columns import (
    ADJUSTMENT_COLUMNS,
    ALLOCATION_COLUMNS,
    ASSESSMENT_COLUMNS,
    CHANGE_COLUMNS,
    CITY_COST_COLUMNS,
    COVERAGE_COLUMNS,
    DISBURSEMENT_COLUMNS,
    DQ_COUNT_COLUMNS,
    DQ_ROW_COLUMNS,
    KIOSK_COLUMNS,
    LINE_COLUMNS,
    PLAN_CHANGE_COLUMNS,
    PLAN_COLUMNS,
    SETTLEMENT_COLUMNS,
    STREET_COLUMNS,
    UNMEASURED_COLUMNS,
    YEAR_OVER_YEAR_COLUMNS,
    Column,
)
from munifund.review.declared import declared_columns, declared_tables
from munifund.review.formatting import (
    APPROVE_COMMAND,
    KIND_VOCABULARIES,
    NOT_AVAILABLE,
    code_text,
    format_cell,
    json_text,
    sum_column,
)
from munifund.review.queries import DATA_QUALITY, PackData, published_name
from munifund.review.status import run_status

if TYPE_CHECKING:
    from openpyxl.cell import Cell

#: Rows of the quarantine listed in the workbook (the page lists fewer).
DQ_SHEET_ROWS = 1000
MONEY_FORMAT = "#,##0.00"
EXCEL_FORMATS: dict[str, str] = {
    "money": MONEY_FORMAT,
    "money_delta": "+#,##0.00;-#,##0.00;0.00",
    "int": "#,##0",
    "score": "0.00",
    "quarter_score": "0.00",
    "share": "0.0000%",
    "rate": "0.00%",
    "quantity": "#,##0.000000",
    "days": "#,##0.0000",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm:ss",
}
#: The rows a column's width is measured on: enough for its widest value in practice, and a
#: sheet of every asset (tens of thousands of rows) is not measured cell by cell.
WIDTH_SAMPLE = 500
#: A quarantined row's raw text holds every column a department delivered, so it gets more room
#: than one text (``TEXT_LIMIT``); 1,000 of them still make a workbook of a few MB at most.
RAW_ROW_LIMIT = 2_000
#: How a text starts that a spreadsheet reads as a formula when it is typed or imported (OWASP's
#: CSV-injection list): such a cell is marked as typed with a leading apostrophe.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _control_picture(match: re.Match[str]) -> str:
    # U+2400 "SYMBOL FOR NULL" onwards: the control character made visible, as one character
    return chr(0x2400 + ord(match.group()))


def sheet_cell(ws, value: Any) -> Cell:
    """A cell of ``ws`` holding ``value``; every cell of the workbook is made here.

    A text stays text, exactly as given: openpyxl would make a text starting with "=" a formula
    cell, so the type is set back to string (openpyxl then writes an inline string, no
    ``<f>``); a text starting with a formula trigger also gets the quote prefix, the mark Excel
    gives a text typed with a leading apostrophe, so that editing the cell keeps it text. The
    apostrophe is a mark of the cell's style, not a character of its text. Control characters,
    which the file format cannot hold (openpyxl refuses them, and so the whole workbook), are
    shown as their symbols (U+2400 onwards).
    """
    from openpyxl.cell import Cell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cell = Cell(ws)
    if not isinstance(value, str):
        cell.value = value
        return cell
    text = ILLEGAL_CHARACTERS_RE.sub(_control_picture, value)
    cell.value = text
    cell.data_type = "s"
    if text.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True
    return cell


def sheet_title(text: str) -> str:
    """A worksheet's name as Excel takes it: no ``[]:*?/\\``, at most 31 characters."""
    return re.sub(r"[\[\]:*?/\\]", " ", text).strip()[:31]


def _append(ws, values: Sequence[Any]) -> None:
    """A row at the bottom of ``ws``, each value through ``sheet_cell``."""
    ws.append([sheet_cell(ws, v) for v in values])


def excel_value(column: Column, value: Any) -> Any:
    """A value as a workbook cell: numbers as numbers, times in the city's zone, codes with
    their labels."""
    if value is None:
        return None
    if column.kind == "int":
        return int(value)
    if column.numeric:
        return float(value)  # Excel has no decimal type; the number format shows the fen
    if column.kind == "datetime" and isinstance(value, dt.datetime):
        return value.astimezone(CITY_TIMEZONE).replace(tzinfo=None) if value.tzinfo else value
    if column.kind == "json":
        return json_text(value, RAW_ROW_LIMIT)
    if column.kind in KIND_VOCABULARIES and isinstance(value, str):
        return code_text(column.kind, value)  # the code with its labels, from the label seed
    if isinstance(value, (dt.date, bool, int, str)):
        return value
    return str(value)


def _display_width(text: str) -> int:
    # CJK characters take two columns of Excel's width unit
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


@dataclass(frozen=True)
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: list[dict[str, Any]]
    available: bool = True
    missing: str = ""
    totals: Sequence[str] = ()
    note: str = ""


def write_sheet(wb, sheet: Sheet) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(sheet.title)
    bold = Font(bold=True)
    _append(ws, [c.label for c in sheet.columns])
    for cell in ws[1]:
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="DDE5F0")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    # wide enough for the bilingual header to wrap onto two lines at most
    widths = [min(max(_display_width(c.label) // 2 + 3, 10), 40) for c in sheet.columns]
    if not sheet.available:
        _append(ws, [f"{NOT_AVAILABLE}: {sheet.missing}"])
    for record in sheet.rows:
        _append(ws, [excel_value(c, record.get(c.key)) for c in sheet.columns])
    if sheet.totals and sheet.rows:
        totals = {key: sum_column(sheet.rows, key) for key in sheet.totals}
        values = [excel_value(c, totals[c.key]) if c.key in totals else None for c in sheet.columns]
        values[0] = "合计 / Total"
        _append(ws, values)
        for cell in ws[ws.max_row]:
            cell.font = bold
    if sheet.note:
        _append(ws, [sheet.note])
    for i, column in enumerate(sheet.columns, start=1):
        number_format = EXCEL_FORMATS.get(column.kind)
        for record in sheet.rows[:WIDTH_SAMPLE]:
            written = excel_value(column, record.get(column.key))
            shown = (
                written
                if isinstance(written, str)
                else format_cell(column, record.get(column.key)).text
            )
            widths[i - 1] = max(widths[i - 1], min(_display_width(shown) + 2, 60))
        for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
            if number_format and not isinstance(cell.value, str):
                cell.number_format = number_format
        ws.column_dimensions[get_column_letter(i)].width = widths[i - 1]
    ws.row_dimensions[1].height = 45  # three lines of 11 pt


@dataclass(frozen=True)
class SheetChart:
    """A native Excel bar chart of a sheet's own cells: one bar per row (its category column),
    one series per column named, so that it follows the figures if someone edits them."""

    title: str
    categories: str
    series: tuple[str, ...]
    axis: str = "元 / yuan"
    stacked: bool = False


#: The main sheets' charts, by sheet title.
SHEET_CHARTS: dict[str, SheetChart] = {
    "allocation 分配": SheetChart(
        "各区分配：基础 + 奖励 / Allocation per district: base + incentive",
        "name_zh", ("base_yuan", "incentive_yuan"), stacked=True,
    ),
    "streets 街道": SheetChart(
        "街道办事处参考金额 / Street offices' indicative amounts", "name_zh", ("indicative_yuan",)
    ),
    "plan 下达计划": SheetChart("各区下达计划 / The plan in force per district", "name_zh", ("plan_yuan",)),
    "draft vs plan 测算与计划": SheetChart(
        "本次测算与下达计划 / This draft against the plan in force",
        "name_zh", ("total_yuan", "plan_yuan"),
    ),
    "year over year 同比": SheetChart(
        "较上年增长（空为全市） / Growth against last year (empty: the city)",
        "district_code", ("standard_cost_growth_pct", "total_growth_pct"), axis="% / percent",
    ),
}  # fmt: skip


def add_sheet_chart(ws, sheet: Sheet, spec: SheetChart) -> None:
    """``spec``'s chart beside the table of ``sheet`` (its rows, not the totals row)."""
    from openpyxl.chart import BarChart, Reference
    from openpyxl.utils import get_column_letter

    keys = [c.key for c in sheet.columns]
    if not sheet.available or not sheet.rows or spec.categories not in keys:
        return
    last = len(sheet.rows) + 1
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "stacked" if spec.stacked else "clustered"
    if spec.stacked:
        chart.overlap = 100
    chart.title = spec.title
    chart.y_axis.title = spec.axis
    chart.y_axis.numFmt = "#,##0"
    # openpyxl 3.1 marks both axes deleted unless told otherwise: Excel then shows no axis
    chart.x_axis.delete = chart.y_axis.delete = False
    for key in spec.series:
        column = keys.index(key) + 1
        chart.add_data(
            Reference(ws, min_col=column, min_row=1, max_row=last), titles_from_data=True
        )
    chart.set_categories(
        Reference(ws, min_col=keys.index(spec.categories) + 1, min_row=2, max_row=last)
    )
    chart.width = min(max(16.0, 0.9 * len(sheet.rows) + 6), 60.0)  # cm
    chart.height = 9.0
    ws.add_chart(chart, f"{get_column_letter(len(keys) + 2)}2")


def _summary_sheet(wb, data: PackData) -> None:
    from openpyxl.styles import Font

    ws = wb.create_sheet("review 审核")
    _append(ws, ["项目 / Item", "值 / Value"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    run = data.run or {}
    status = run_status(run)
    first = data.allocation.rows[0] if data.allocation.rows else {}
    when = Column("", "", "", "datetime")
    approve = APPROVE_COMMAND.format(run_id=run["run_id"]) if run.get("run_id") else None
    items: list[tuple[str, Any, str | None]] = [
        ("财政年度 / Fiscal year", data.fiscal_year, None),
        ("截止日 / As-of date", data.as_of, EXCEL_FORMATS["date"]),
        ("运行编号 / Run id", run.get("run_id") or first.get("run_id"), None),
        ("审核状态 / Review status", f"{status.zh} / {status.en} ({status.code})" if run else None, None),
        ("审核人 / Reviewer", status.decided_by, None),
        ("审核时间 / Reviewed at", excel_value(when, status.decided_at), EXCEL_FORMATS["datetime"]),
        ("审核意见 / Comment", status.comment, None),
        ("发布时间 / Published at", excel_value(when, run.get("published_at")), EXCEL_FORMATS["datetime"]),
        ("资金池 / Pool (yuan)", first.get("pool_yuan"), MONEY_FORMAT),
        ("基础资金池 / Base pool (yuan)", first.get("base_pool_yuan"), MONEY_FORMAT),
        ("奖励资金池 / Incentive pool (yuan)", first.get("incentive_pool_yuan"), MONEY_FORMAT),
        ("奖励比例 / Incentive share", first.get("incentive_share"), EXCEL_FORMATS["rate"]),
        ("奖励并入基础 / Incentive fell back into base", first.get("incentive_fell_back"), None),
        ("奖励依据 / Incentive basis", first.get("incentive_basis"), None),
        ("分配合计 / Sum of district totals (yuan)", sum_column(data.allocation.rows, "total_yuan"), MONEY_FORMAT),
        ("代码版本 / Code version", run.get("code_version"), None),
        ("批准 / Approve", approve, None),
    ]  # fmt: skip
    for label, value, number_format in items:
        _append(ws, [label, float(value) if isinstance(value, Decimal) else value])
        if number_format and value is not None:
            ws.cell(ws.max_row, 2).number_format = number_format
    ws.column_dimensions["A"].width = 48
    ws.column_dimensions["B"].width = 72


def _sheets(data: PackData) -> list[Sheet]:
    dq = data.data_quality
    dq_rows = dq.rows[:DQ_SHEET_ROWS]
    dq_note = (
        f"前 {len(dq_rows):,} 条，共 {dq.total:,} 条 / First {len(dq_rows):,} of {dq.total:,} issues"
        if dq.total > len(dq_rows)
        else ""
    )
    # no sheet of the lines' assets: 15,596 rows on the sample city cost the nightly 5 s of
    # openpyxl; the assets pages beside the pack list them, the analysts' table holds them
    table_sheets = [
        ("allocation 分配", ALLOCATION_COLUMNS, data.allocation,
         [c.key for c in ALLOCATION_COLUMNS if c.kind == "money" or c.key in ("cases_due", "cases_on_time")]),
        ("lines 明细", LINE_COLUMNS, data.lines, ["standard_cost_yuan"]),
        ("streets 街道", STREET_COLUMNS, data.streets, ["street_tier_cost_yuan", "indicative_yuan"]),
        ("assessment 考核", ASSESSMENT_COLUMNS, data.assessment, []),
        ("city costs 市本级", CITY_COST_COLUMNS, data.city_costs, ["standard_cost_yuan"]),
        ("changes 变动", CHANGE_COLUMNS, data.changes, ["previous_total_yuan", "total_yuan", "delta_yuan"]),
        ("unmeasured 未测量", UNMEASURED_COLUMNS, data.unmeasured, []),
        ("kiosk compliance 占道费", KIOSK_COLUMNS, data.kiosk, [c.key for c in KIOSK_COLUMNS if c.kind == "money"]),
        ("plan 下达计划", PLAN_COLUMNS, data.plan, ["plan_yuan"]),
        ("draft vs plan 测算与计划", PLAN_CHANGE_COLUMNS, data.allocation,
         ["total_yuan", "plan_yuan", "change_from_plan_yuan"]),
        ("adjustments 追加追减", ADJUSTMENT_COLUMNS, adjustment_table(data), ["adjustment_yuan"]),
        ("settlement 结算", SETTLEMENT_COLUMNS, data.settlement,
         ["plan_yuan", "paid_yuan", "owed_yuan", "unspent_yuan", "carried_over_yuan"]),
        ("payments 拨付", DISBURSEMENT_COLUMNS, data.disbursements,
         ["total_yuan", "due_to_date_yuan", "paid_to_date_yuan", "shortfall_yuan", "balance_of_year_yuan"]),
        ("coverage 足额率", COVERAGE_COLUMNS, data.allocation, []),
        ("year over year 同比", YEAR_OVER_YEAR_COLUMNS, data.year_over_year, []),
    ]  # fmt: skip
    sheets = [
        Sheet(title, columns, table.rows, table.available, published_name(table.name), totals)
        for title, columns, table, totals in table_sheets
    ]
    for table in declared_tables():
        read = data.declared.get(table.name)
        if read is None:
            continue
        sheets.append(
            Sheet(
                sheet_title(
                    (table.review and table.review.sheet)
                    or f"{table.label_en or table.name} {table.label_zh or ''}"
                ),
                declared_columns(table),
                read.rows,
                read.available,
                published_name(table.name),
                table.review.totals if table.review else (),
            )
        )
    sheets += [
        Sheet("data quality 数据质量", DQ_COUNT_COLUMNS, dq.counts, dq.available, published_name(DATA_QUALITY), ["issues"]),
        Sheet("dq issues 质量问题", DQ_ROW_COLUMNS, dq_rows, dq.available, published_name(DATA_QUALITY), note=dq_note),
    ]  # fmt: skip
    return sheets


def _workbook_stamp(data: PackData) -> dt.datetime:
    """The run's publication as naive UTC, which is what workbook properties hold."""
    return data.stamp.astimezone(dt.UTC).replace(tzinfo=None)


def render_workbook(data: PackData) -> bytes:
    from openpyxl import Workbook
    from openpyxl.xml.functions import tostring

    wb = Workbook()
    wb.remove(wb.active)
    _summary_sheet(wb, data)
    for sheet in _sheets(data):
        write_sheet(wb, sheet)
        if sheet.title in SHEET_CHARTS:
            add_sheet_chart(wb[sheet.title], sheet, SHEET_CHARTS[sheet.title])
    stamp = _workbook_stamp(data)
    props = wb.properties
    props.creator = "munifund"
    props.lastModifiedBy = "munifund"
    props.title = f"城市维护经费审核包 / Maintenance fund review pack {data.as_of.isoformat()}"
    props.created = stamp
    buf = io.BytesIO()
    wb.save(buf)
    props.modified = stamp  # openpyxl stamps the clock on save; put the run's time back
    core = tostring(props.to_tree())
    return reproducible_zip(buf.getvalue(), data.stamp, {"docProps/core.xml": core})
