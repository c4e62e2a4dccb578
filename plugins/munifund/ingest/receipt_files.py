"""A receipt as the sender reads it: a self-contained HTML page (Chinese first) and an .xlsx
workbook of the same, under `$MUNIFUND_HOME/receipts/<as_of>/<sender>/`.

Every delivered value is hostile: the page escapes every text it shows (names, files, reasons,
values) and holds no script, link or image; the workbook writes every text as text (never a
formula), as the review pack does (`review.workbook.sheet_cell`). A run's receipt is named after
the run (`receipt-<run>.html`, `.xlsx`): a retry of the run writes the same files again, and a
later run of the same date adds its own beside it.
"""

from __future__ import annotations

import html
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

from munifund.ingest.receipts import REFUSALS_LISTED, Receipt, Refusal

RECEIPTS = "receipts"
SAFE = re.compile(r"[^A-Za-z0-9_-]")
NAME_LIMIT = 100


@dataclass(frozen=True)
class ReceiptFiles:
    sender: str
    html: Path
    xlsx: Path
    rows_refused: int
    files_refused_whole: int


def receipts_dir(home: Path) -> Path:
    return home / RECEIPTS


def receipt_stem(run_id: str) -> str:
    """The files' name of a run's receipt: the run id in letters, digits, `_` and `-` only."""
    return "receipt-" + SAFE.sub("_", run_id)[:NAME_LIMIT]


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _value(refusal: Refusal) -> str:
    if refusal.value is None:
        return ""
    if refusal.value_length is not None and refusal.value_length > len(refusal.value):
        n = f"{refusal.value_length:,}"
        return f"{refusal.value}…（已截断，原文 {n} 字符 / cut, {n} characters in all）"
    return refusal.value


FILE_HEADERS = (
    "文件 / File",
    "载入行数 / Rows loaded",
    "拒收行数 / Rows refused",
    "整个文件拒收 / File refused",
)
REFUSAL_HEADERS = (
    "文件 / File",
    "行 / Line",
    "列 / Column",
    "原因 / Reason",
    "原始值 / Value as delivered",
)


def _file_rows(receipt: Receipt) -> list[tuple]:
    return [(f.path, f.rows_loaded, f.rows_refused, f.refused_whole or "") for f in receipt.files]


def _refusal_rows(receipt: Receipt) -> list[tuple]:
    return [
        (r.path, "" if r.line is None else r.line, r.column or "", r.reason, _value(r))
        for r in receipt.refusals
    ]


def render_html(receipt: Receipt) -> str:
    def table(headers: tuple[str, ...], rows: list[tuple]) -> str:
        head = "".join(f"<th>{_e(h)}</th>" for h in headers)
        body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    title = (
        f"数据交付回执 / Delivery receipt: {receipt.name_zh} {receipt.name_en} ({receipt.sender})"
    )
    summary = (
        f"截至 {receipt.as_of.isoformat()}，本次运行收到文件 {len(receipt.files)} 个，载入"
        f" {receipt.rows_loaded} 行，拒收 {receipt.rows_refused} 行。"
        f" / As of {receipt.as_of.isoformat()}, this run took {len(receipt.files)} files,"
        f" loaded {receipt.rows_loaded} rows and refused {receipt.rows_refused}."
    )
    advice = (
        "被拒收的行未进入数据仓库：请更正后在新的交付日期文件夹中重新交付。"
        " / Refused rows did not enter the warehouse: correct them and deliver them again in a"
        " new partition."
    )
    refused = (
        table(REFUSAL_HEADERS, _refusal_rows(receipt))
        if receipt.refusals
        else "<p>无拒收 / nothing refused</p>"
    )
    if receipt.rows_refused > len({(r.path, r.line) for r in receipt.refusals if r.line}):
        refused += (
            f"<p>每个文件最多列出 {REFUSALS_LISTED} 条问题，行数为全部。"
            f" / At most {REFUSALS_LISTED} problems are listed per file; the counts are all.</p>"
        )
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title><style>"
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
        "th,td{border:1px solid #999;padding:.3em .6em;text-align:left;vertical-align:top;"
        "white-space:pre-wrap;word-break:break-all}th{background:#eee}"
        "</style></head><body>"
        f"<h1>{_e(title)}</h1>"
        f"<p>运行 / Run: {_e(receipt.run_id)}</p><p>{_e(summary)}</p><p>{_e(advice)}</p>"
        f"<h2>收到的文件 / Files taken</h2>{table(FILE_HEADERS, _file_rows(receipt))}"
        f"<h2>拒收 / Refused</h2>{refused}"
        "</body></html>"
    )


def render_xlsx(receipt: Receipt) -> bytes:
    from openpyxl import Workbook

    from munifund.review.workbook import sheet_cell

    wb = Workbook()
    wb.remove(wb.active)
    for title, headers, rows in (
        ("文件 Files", FILE_HEADERS, _file_rows(receipt)),
        ("拒收 Refused", REFUSAL_HEADERS, _refusal_rows(receipt)),
    ):
        ws = wb.create_sheet(title)
        for row in (headers, *rows):
            ws.append([sheet_cell(ws, value) for value in row])
    props = wb.properties
    props.creator = props.lastModifiedBy = "munifund"
    props.title = f"数据交付回执 / Delivery receipt {receipt.sender} {receipt.as_of.isoformat()}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _write(path: Path, content: bytes) -> None:
    """Whole or not at all: a reader (the web app, the mail) never sees half a receipt."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(content)
    os.replace(tmp, path)


def write_receipt(receipt: Receipt, home: Path) -> ReceiptFiles:
    folder = receipts_dir(home) / receipt.as_of.isoformat() / receipt.sender
    folder.mkdir(parents=True, exist_ok=True)
    stem = receipt_stem(receipt.run_id)
    page, workbook = folder / f"{stem}.html", folder / f"{stem}.xlsx"
    _write(page, render_html(receipt).encode("utf-8"))
    _write(workbook, render_xlsx(receipt))
    whole = sum(1 for f in receipt.files if f.refused_whole)
    return ReceiptFiles(receipt.sender, page, workbook, receipt.rows_refused, whole)
