"""Delivery templates, written from the ingest contracts (`munifund templates --out DIR`).

For every source of `contracts.CONTRACTS`, what a department fills in and delivers into
`<landing>/<source>/<YYYY-MM-DD>/`:

- `<source>.xlsx`: on its first sheet, the only one the loader reads, a header row of the
  columns' Chinese labels, each with its English column name as a cell comment (a second
  header row would be read as data); the required columns' headers bold on amber; list
  validation where the contract names the values (enforced for `allowed` codes and booleans,
  a suggestion for `offered` ones), date validation and a yyyy-mm-dd format on dates, a length
  limit on text; then a second sheet, `示例 example`, with an example row, never loaded;
- `<source>.csv`: the header row alone, in Chinese labels, UTF-8 with a BOM so that Excel opens
  it right; the loader matches a header by a column's name or its Chinese label alike;

and `columns.csv`, the data dictionary of every source's columns. Nothing here is a list of its
own: labels, examples, kinds, required flags and values are the contracts'; the sources' names
are the `source` vocabulary of `seed_code_labels.csv`.
"""

from __future__ import annotations

import csv
import datetime as dt
import unicodedata
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from munifund.ingest.contracts import (
    BOOLEAN_OFFERED,
    CONTRACTS,
    EXAMPLE_SHEET,
    Column,
    Kind,
    SourceContract,
)

COLUMNS_FILE = "columns.csv"
COLUMNS_HEADER = ("source", "column", "label_zh", "label_en", "required", "type", "example")
# the last row of a worksheet: a validation or format covers every row a clerk may fill
LAST_ROW = 1_048_576
# Excel refuses a list validation written inline beyond this many characters
LIST_LIMIT = 255
REQUIRED_FILL = PatternFill("solid", fgColor="FFD966")
OPTIONAL_FILL = PatternFill("solid", fgColor="EDEDED")
EXAMPLE_FONT = Font(italic=True, color="7F7F7F")
# how a cell of each kind shows; text is text ("@"), so that a code such as 0451 keeps its zero
NUMBER_FORMATS = {
    Kind.TEXT: "@",
    Kind.BOOLEAN: "@",
    Kind.DATE: "yyyy-mm-dd",
    Kind.TIMESTAMP: "yyyy-mm-dd hh:mm",
    Kind.MONEY: "#,##0.00",
    Kind.BALANCE: "#,##0.00",
    Kind.YEAR: "0",
}
WHOLE_NUMBERS = (Kind.YEAR, Kind.ORDINAL, Kind.COUNT, Kind.QUARTER)
DECIMALS = (
    Kind.QUANTITY, Kind.MONEY, Kind.BALANCE, Kind.SHARE, Kind.CUMULATIVE_SHARE, Kind.SCORE,
)  # fmt: skip
# Excel's first date (serial 1): a date validation refuses text that is no date
FIRST_DATE = "1"


def choices(column: Column) -> tuple[str, ...]:
    """The values a template offers in a list: the contract's allowed codes (and a wildcard),
    its offered values, or a boolean's spellings."""
    if column.allowed:
        return column.allowed + ((column.wildcard,) if column.wildcard else ())
    if column.kind is Kind.BOOLEAN:
        return BOOLEAN_OFFERED
    return column.offered


def enforced(column: Column) -> bool:
    """Whether the contract refuses a value outside `choices` (else the list is a suggestion)."""
    return bool(column.allowed) or column.kind is Kind.BOOLEAN


def required_text(column: Column) -> str:
    if column.required:
        return "yes"
    if column.required_when_negative:
        return f"when {column.required_when_negative} < 0"
    return "no"


def type_text(column: Column) -> str:
    """The column's kind, and the values a list offers: `text: component | event or other`."""
    values = choices(column)
    if not values:
        return column.kind.value
    rest = "" if enforced(column) else " or other text"
    return f"{column.kind.value}: {' | '.join(values)}{rest}"


def data_dictionary() -> list[tuple[str, ...]]:
    """columns.csv's rows: one per column of every contract, in delivery order."""
    return [
        (
            contract.name,
            column.name,
            column.label or "",
            column.english_label or "",
            required_text(column),
            type_text(column),
            column.example_value or "",
        )
        for contract in CONTRACTS
        for column in contract.columns
    ]


def source_labels() -> dict[str, tuple[str, str]]:
    """Each source's (Chinese, English) name, from the `source` vocabulary of the code labels."""
    from munifund.review.labels import read_code_labels

    labels = read_code_labels()["source"]
    return {c.name: (labels[c.name].zh, labels[c.name].en) for c in CONTRACTS}


def sources_table() -> str:
    """The sources as a markdown table (docs/delivering-data.md holds it; a test compares)."""
    names = source_labels()
    lines = [
        "| 文件夹 folder | 名称 | name | 主键 key |",
        "| --- | --- | --- | --- |",
    ]
    for contract in CONTRACTS:
        zh, en = names[contract.name]
        key = ", ".join(f"{contract.column(k).label} `{k}`" for k in contract.key)
        lines.append(f"| `{contract.name}` | {zh} | {en} | {key} |")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------- writing


def write_templates(out: Path, overwrite: bool = False) -> list[Path]:
    """Every source's .xlsx and .csv template and columns.csv, into `out` (created when
    missing). A file already there is not replaced unless `overwrite`: it may be one a clerk
    has filled in. Returns the files written."""
    targets = [out / COLUMNS_FILE] + [
        out / f"{c.name}.{suffix}" for c in CONTRACTS for suffix in ("xlsx", "csv")
    ]
    existing = [p for p in targets if p.exists()]
    if existing and not overwrite:
        raise FileExistsError(
            f"{existing[0]} exists ({len(existing)} of the {len(targets)} template files are"
            " there already; a filled-in template would be lost): choose another folder, or"
            " --force to replace them"
        )
    out.mkdir(parents=True, exist_ok=True)
    names = source_labels()
    for contract in CONTRACTS:
        workbook(contract, names[contract.name]).save(out / f"{contract.name}.xlsx")
        write_csv_template(contract, out / f"{contract.name}.csv")
    with open(out / COLUMNS_FILE, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS_HEADER)
        writer.writerows(data_dictionary())
    return targets


def write_csv_template(contract: SourceContract, path: Path) -> None:
    """The header row alone, in Chinese labels, UTF-8 with a BOM (Excel reads a CSV without
    one in the machine's code page, and would garble the labels)."""
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerow(header(contract))


def header(contract: SourceContract) -> list[str]:
    """The template's header: each column's Chinese label (its name when it has none)."""
    return [column.label or column.name for column in contract.columns]


def workbook(contract: SourceContract, source_name: tuple[str, str]) -> Workbook:
    book = Workbook()
    sheet = book.active
    sheet.title = contract.name
    for position, column in enumerate(contract.columns, start=1):
        cell = _header_cell(sheet, position, column)
        cell.comment = Comment(comment_text(column), "munifund", height=120, width=260)
        letter = get_column_letter(position)
        dimension = sheet.column_dimensions[letter]
        dimension.width = width(column)
        if column.kind in NUMBER_FORMATS:
            dimension.number_format = NUMBER_FORMATS[column.kind]
        if (rule := validation(column)) is not None:
            rule.add(f"{letter}2:{letter}{LAST_ROW}")
            sheet.add_data_validation(rule)
    sheet.freeze_panes = "A2"
    _example_sheet(book.create_sheet(EXAMPLE_SHEET), contract, source_name)
    return book


def _header_cell(sheet: Worksheet, position: int, column: Column):
    cell = sheet.cell(1, position, column.label or column.name)
    cell.font = Font(bold=column.required)
    cell.fill = REQUIRED_FILL if column.required else OPTIONAL_FILL
    cell.number_format = "@"
    cell.alignment = Alignment(horizontal="center")
    return cell


def comment_text(column: Column) -> str:
    """The header's comment: the English column name first (what the loader also accepts as
    the header), then its label, whether it is required and what it holds."""
    lines = [column.name, column.english_label or ""]
    if column.required:
        lines.append("必填 required")
    elif column.required_when_negative:
        lines.append(f"{column.required_when_negative} < 0 时必填 required when it is negative")
    lines.append(type_text(column))
    return "\n".join(line for line in lines if line)


def width(column: Column) -> float:
    """Wide enough for the label, the name, the example and the longest choice."""
    texts = [column.label or "", column.name, column.example_value or "", *choices(column)]
    if column.kind in (Kind.DATE, Kind.TIMESTAMP):
        texts.append(NUMBER_FORMATS[column.kind])
    return min(max(map(display_width, texts)) + 4, 48)


def display_width(text: str) -> int:
    """Columns a text takes on screen: a Chinese character two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def validation(column: Column) -> DataValidation | None:
    """What Excel checks as a clerk types: a list, a date, or a text's length."""
    label = f"{column.label} {column.name}"
    values = choices(column)
    if values:
        inline = '"' + ",".join(values) + '"'
        if len(inline) > LIST_LIMIT or any("," in v for v in values):
            raise ValueError(
                f"{column.name}'s values do not fit an inline list ({len(inline)} characters,"
                f" at most {LIST_LIMIT}, no commas): write them to a sheet of lists instead"
            )
        strict = enforced(column)
        return DataValidation(
            type="list",
            formula1=inline,
            allow_blank=True,
            errorStyle="stop" if strict else "warning",
            showErrorMessage=True,
            showInputMessage=True,
            errorTitle=label[:32],
            error=(
                "请从列表中选择 pick a value from the list"
                if strict
                else "不在列表中：其他文字会保留，但只计入合计 not in the list: other text is kept"
                " and counts only in the totals"
            ),
            promptTitle=label[:32],
            prompt="从列表中选择 pick from the list",
        )
    if column.kind in (Kind.DATE, Kind.TIMESTAMP):
        shape = NUMBER_FORMATS[column.kind]
        return DataValidation(
            type="date",
            operator="greaterThanOrEqual",
            formula1=FIRST_DATE,
            allow_blank=True,
            errorStyle="stop",
            showErrorMessage=True,
            showInputMessage=True,
            errorTitle=label[:32],
            error=f"请输入日期 enter a date ({shape}); 03/04/2026 这样的日期不被接受 is refused",
            promptTitle=label[:32],
            prompt=f"日期 date: {shape}",
        )
    if column.kind is Kind.TEXT and column.length_limit:
        return DataValidation(
            type="textLength",
            operator="lessThanOrEqual",
            formula1=str(column.length_limit),
            allow_blank=True,
            errorStyle="stop",
            showErrorMessage=True,
            errorTitle=label[:32],
            error=f"最多 {column.length_limit} 个字符 at most {column.length_limit} characters",
        )
    return None


def cell_value(column: Column, text: str | None) -> object:
    """A delivered value as an Excel cell holds it: a date as a date, a number as a number."""
    if text is None or text == "":
        return None
    if column.kind is Kind.DATE:
        return dt.date.fromisoformat(text)
    if column.kind is Kind.TIMESTAMP:
        return dt.datetime.fromisoformat(text)
    if column.kind in WHOLE_NUMBERS:
        return int(text)
    if column.kind in DECIMALS:
        return Decimal(text)
    return text


def _example_sheet(
    sheet: Worksheet, contract: SourceContract, source_name: tuple[str, str]
) -> None:
    """The labels, the names, one example row, then what the colours mean and where the file
    goes. The loader reads the first sheet only: nothing here is loaded."""
    for position, column in enumerate(contract.columns, start=1):
        _header_cell(sheet, position, column)
        sheet.cell(2, position, column.name).font = EXAMPLE_FONT
        example = sheet.cell(3, position, cell_value(column, column.example_value))
        example.number_format = NUMBER_FORMATS.get(column.kind, "General")
        sheet.column_dimensions[get_column_letter(position)].width = width(column)
    zh, en = source_name
    notes = [
        f"{zh} {en}: 交付到 deliver into <landing>/{contract.name}/<YYYY-MM-DD>/",
        "第一个工作表填写数据；本工作表（示例）不会被读取。"
        " Fill in the first sheet; this example sheet is never loaded.",
        "黄色加粗表头为必填列；表头批注是英文列名。"
        " Bold amber headers are required columns; each header's comment is its English name.",
        "日期 YYYY-MM-DD；金额最多两位小数。 Dates YYYY-MM-DD; money at most 2 decimals.",
    ]
    for offset, note in enumerate(notes):
        sheet.cell(5 + offset, 1, note)
    sheet.freeze_panes = "A2"
