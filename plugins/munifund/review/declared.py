"""The review pack's declared sections: a published table whose mart declares ``meta.review``
(munifund.catalog) is shown as a plain table section of the page and a sheet of the workbook,
with no code of its own: its columns' headers are their ``meta.label`` (中文 / English), their
kind their ``meta.kind`` or their type, its rows those of the as-of date in the order of its key,
a total row of its ``totals``.

Only what needs more than a table (a chart, a drill-down, a foot that checks a sum) has a
hand-written section (``sections``, ``money_sections``).
"""

from __future__ import annotations

from dataclasses import dataclass

from munifund.catalog import PublishedColumn, PublishedTable, published_tables
from munifund.review.columns import DISTRICT, Column, Kind
from munifund.review.formatting import KIND_VOCABULARIES, TableView, table_row, total_row

#: every run-stamped row carries these; the pack states them once, in its header
RUN_STAMP = ("fiscal_year", "as_of_date", "run_id")


@dataclass(frozen=True)
class DeclaredSection:
    """A table section of the page made from its declaration."""

    name: str
    zh: str
    en: str
    view: TableView | None
    note: str
    available: bool
    #: what the section explains above its table
    intro: str = ""


def declared_tables() -> list[PublishedTable]:
    """The tables the pack shows from their declarations, in their declared order."""
    tables = [t for t in published_tables().values() if t.review is not None]
    return sorted(tables, key=lambda t: (t.review.order, t.name))  # type: ignore[union-attr]


def _kind(column: PublishedColumn) -> Kind:
    if column.kind:
        return column.kind  # type: ignore[return-value]
    # a column named after a vocabulary of the label seed holds its codes (purpose_code: purpose)
    for kind, vocabulary in KIND_VOCABULARIES.items():
        if column.name in (vocabulary, f"{vocabulary}_code") and kind == vocabulary:
            return kind  # type: ignore[return-value]
    data_type = column.data_type.replace(" ", "").lower()
    if data_type == "numeric(18,2)":
        return "money"
    if data_type in ("integer", "bigint", "smallint"):
        return "int"
    if data_type == "date":
        return "date"
    if data_type.startswith("timestamp"):
        return "datetime"
    if data_type == "boolean":
        return "bool"
    if data_type.startswith("json"):
        return "json"
    if data_type == "numeric(5,2)":
        return "score"
    if data_type.startswith("numeric"):
        return "quantity"
    return "text"


def declared_columns(table: PublishedTable, page: bool = False) -> tuple[Column, ...]:
    """The table's columns as the pack shows them: every one but the run stamp in the workbook,
    the declared ``page_columns`` on the page (a district with its names)."""
    wanted = table.review.page_columns if page and table.review else ()
    columns = [
        c for c in table.columns if (c.name in wanted if wanted else c.name not in RUN_STAMP)
    ]
    if wanted:
        columns.sort(key=lambda c: wanted.index(c.name))
    shown = []
    for c in columns:
        if page and c.name == "district_code":
            shown.append(DISTRICT)
            continue
        shown.append(Column(c.name, c.label_zh or c.name, c.label_en or c.name, _kind(c)))
    return tuple(shown)


def declared_section(
    table: PublishedTable,
    rows: list[dict] | None,
    names: dict[str, tuple[str, str]],
) -> DeclaredSection:
    """The section of ``table`` with the date's ``rows`` (None: not in the warehouse yet)."""
    zh, en = table.label_zh or table.name, table.label_en or table.name
    placement = table.review
    assert placement is not None
    intro = " / ".join(t for t in (placement.note_zh, placement.note_en) if t)
    if rows is None:
        return DeclaredSection(table.name, zh, en, None, "", available=False, intro=intro)
    columns = declared_columns(table, page=True)
    body = [table_row(columns, r, names, district=r.get("district_code")) for r in rows]
    foot = [total_row(columns, rows, placement.totals)] if rows and placement.totals else []
    view = TableView(columns, body, foot, id=f"{table.name.replace('_', '-')}-table")
    note = "" if rows else f"{placement.empty_zh} / {placement.empty_en}"
    return DeclaredSection(table.name, zh, en, view, note, available=True, intro=intro)
