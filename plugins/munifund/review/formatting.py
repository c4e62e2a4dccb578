"""How a value is shown: exact text from ``Decimal``, codes with their Chinese labels, and the
cells, rows and table views the page is built of.

Money is formatted from ``Decimal`` (numeric in the warehouse), never through a float.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from munifund.config import CITY_TIMEZONE
from munifund.review.columns import Column
from munifund.review.labels import label_zh, labels_by_vocabulary

# Texts that the page and the workbook both show.
NOT_AVAILABLE_ZH = "不可用"
NOT_AVAILABLE_EN = "Not available"
NOT_AVAILABLE = f"{NOT_AVAILABLE_ZH} / {NOT_AVAILABLE_EN}"
APPROVE_COMMAND = "munifund review approve --run {run_id} --by <name> [--comment ...]"
REJECT_COMMAND = "munifund review reject --run {run_id} --by <name> --comment <why>"
#: The vocabulary of ``seed_code_labels.csv`` that labels the codes of a coded column kind.
KIND_VOCABULARIES = {
    "tier": "tier",
    "work_type": "work_type",
    "asset_class": "asset_class",
    "kiosk_status": "kiosk_fee_status",
    "flag_reason": "kiosk_fee_flag_reason",
    "unmeasured_reason": "unmeasured_reason",
    "drivers": "change_driver",
    "category": "work_order_category",
    "incentive_basis": "incentive_basis",
    "payment_status": "disbursement_status",
    "spending_status": "allocation_spending_status",
    "spending_reason": "allocation_spending_flag_reason",
    "comparison": "year_over_year_comparison",
    "enforcement_status": "enforcement_quarter_status",
    "adjustment_kind": "budget_adjustment_kind",
    "purpose": "purpose",
    "funding_source": "funding_source",
}
REVIEW_STATUS_VOCABULARY = "review_status"
#: The text of a missing value.
DASH = "—"
#: The most characters of one text that the page or the workbook shows: a delivered value
#: longer than any real name or code (10 MB of it, say) is cut, not copied into every file.
TEXT_LIMIT = 500


def to_decimal(value: Any) -> Decimal:
    """The exact value of a warehouse numeric (already a Decimal) or of its text."""
    return value if isinstance(value, Decimal) else Decimal(value)


def format_money(value: Any) -> str:
    """Thousands separators and 2 decimals, from the exact Decimal."""
    return DASH if value is None else f"{to_decimal(value):,.2f}"


def format_money_delta(value: Any) -> str:
    if value is None:
        return DASH
    return ("+" if to_decimal(value) > 0 else "") + format_money(value)


def format_fraction_percent(value: Any, places: int) -> str:
    return DASH if value is None else f"{to_decimal(value) * 100:,.{places}f}%"


def format_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return DASH
    if value.tzinfo is not None:
        value = value.astimezone(CITY_TIMEZONE)
    return value.strftime("%Y-%m-%d %H:%M:%S")


def _enum_text(kind: str, value: Any) -> tuple[str, str]:
    if value is None:
        return DASH, ""
    zh = label_zh(KIND_VOCABULARIES[kind], value)
    return (zh, value) if zh else (str(value), "")


def _drivers_text(value: Any) -> tuple[str, str]:
    codes = [d.strip() for d in (value or "").split(",") if d.strip()]
    if not codes:
        return "无 / none", ""
    vocabulary = KIND_VOCABULARIES["drivers"]
    return "、".join(label_zh(vocabulary, d) or d for d in codes), ", ".join(codes)


def code_text(kind: str, value: str) -> str:
    """A code as the workbook writes it: the code, then its labels (``A01 道路清扫 Road
    sweeping``), from the label seed; a code the seed does not know, exactly as delivered. A
    list of known codes (drivers), each so, comma-separated."""
    vocabulary = labels_by_vocabulary().get(KIND_VOCABULARIES[kind], {})

    def one(code: str) -> str:
        label = vocabulary.get(code)
        return f"{code} {label.zh} {label.en}" if label else code

    if kind == "drivers":
        codes = [c.strip() for c in value.split(",") if c.strip()]
        if not codes or any(c not in vocabulary for c in codes):
            return value  # not a list of known codes: exactly as delivered
        return ", ".join(one(c) for c in codes)
    return one(value)


def cut_text(text: str, limit: int = TEXT_LIMIT) -> str:
    """``text``, or its first ``limit`` characters, an ellipsis and how long the text was."""
    if len(text) <= limit:
        return text
    n = f"{len(text):,}"
    return f"{text[:limit]}…（已截断，原文 {n} 字符 / cut, {n} characters in all）"


def json_text(value: Any, limit: int) -> str:
    """A JSON value (or its text) on one line, cut to ``limit`` characters (``cut_text``)."""
    if value is None:
        return DASH
    text = (
        value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    )
    return cut_text(text, limit)


@dataclass(frozen=True)
class Cell:
    text: str
    sub: str = ""
    numeric: bool = False
    css: str = ""
    #: a link from the value (a line's assets count to its assets' page)
    href: str = ""


def format_cell(column: Column, value: Any) -> Cell:
    """One value as the page shows it: exact text, with a second line for codes and names."""
    kind = column.kind
    numeric = column.numeric
    if value is None:
        if kind == "score":
            return Cell(DASH, "无到期案件 / no cases due", numeric=True)
        if kind == "quarter_score":
            return Cell(DASH, "未考核 / not assessed", numeric=True)
        return Cell(DASH, numeric=numeric)
    match kind:
        case "money":
            return Cell(
                format_money(value), numeric=True, css="neg" if to_decimal(value) < 0 else ""
            )
        case "money_delta":
            sign = to_decimal(value)
            return Cell(
                format_money_delta(value),
                numeric=True,
                css="neg" if sign < 0 else ("pos" if sign > 0 else ""),
            )
        case "int":
            return Cell(f"{int(value):,}", numeric=True)
        case "score" | "quarter_score":
            return Cell(f"{to_decimal(value):.2f}", numeric=True)
        case "share":
            return Cell(format_fraction_percent(value, 4), numeric=True)
        case "rate":
            return Cell(format_fraction_percent(value, 2), numeric=True)
        case "quantity":
            return Cell(f"{to_decimal(value):,.6f}", numeric=True)
        case "days":
            return Cell(f"{to_decimal(value):,.4f}", numeric=True)
        case "date":
            return Cell(value.isoformat(), css="date")
        case "datetime":
            return Cell(format_datetime(value), css="date")
        case "cases" | "pair":
            return Cell(str(value), numeric=True)
        case "bool":
            return Cell("是 / yes" if value else "否 / no")
        case "json":
            return Cell(json_text(value, 160), css="raw")
        case "drivers":
            text, sub = _drivers_text(value)
            return Cell(text, sub)
        case "kiosk_status" | "payment_status" | "spending_status" | "enforcement_status":
            text, sub = _enum_text(kind, value)
            return Cell(text, sub, css=f"status status-{value}")
        case (
            "tier" | "work_type" | "asset_class" | "flag_reason" | "unmeasured_reason"
            | "category" | "incentive_basis" | "spending_reason" | "comparison"
            | "adjustment_kind" | "purpose" | "funding_source"
        ):  # fmt: skip
            text, sub = _enum_text(kind, value)
            return Cell(text, sub)
        case _:
            return Cell(str(value))


@dataclass(frozen=True)
class Row:
    cells: list[Cell]
    css: str = ""
    district: str | None = None


@dataclass(frozen=True)
class TableView:
    columns: Sequence[Column]
    rows: list[Row]
    foot: list[Row] = field(default_factory=list)
    id: str | None = None


def table_row(
    columns: Sequence[Column],
    record: dict[str, Any],
    names: dict[str, tuple[str, str]] | None = None,
    **kwargs: Any,
) -> Row:
    """One record as a row of the page: every column formatted, a district with its names."""
    cells = []
    for c in columns:
        if c.kind == "district":
            cells.append(_district_cell(record.get(c.key), names or {}))
        else:
            cells.append(format_cell(c, record.get(c.key)))
    return Row(cells, **kwargs)


def _district_cell(code: str | None, names: dict[str, tuple[str, str]]) -> Cell:
    if code is None:
        return Cell(DASH)
    zh, en = names.get(code, ("", ""))
    return Cell(zh or en or code, " · ".join(x for x in (code, en if zh else "") if x))


def sum_column(rows: Iterable[dict[str, Any]], key: str) -> Decimal | None:
    """The exact sum of ``key`` over ``rows``; None when no row has a value."""
    values = [r[key] for r in rows if r.get(key) is not None]
    return sum((to_decimal(v) for v in values), Decimal(0)) if values else None


def total_row(
    columns: Sequence[Column],
    rows: list[dict[str, Any]],
    summed: Iterable[str],
    label: str = "合计 / Total",
) -> Row:
    """The foot row: ``label`` in the first cell, the sums of the ``summed`` columns."""
    summed = set(summed)
    record = {c.key: sum_column(rows, c.key) for c in columns if c.key in summed}
    cells = [format_cell(c, record[c.key]) if c.key in summed else Cell("") for c in columns]
    cells[0] = Cell(label)
    return Row(cells, css="total-row")
