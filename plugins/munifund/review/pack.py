"""The finance bureau's review pack of one as-of date: an HTML page and an .xlsx workbook.

Everything comes from schema ``published`` (``queries``); the page (``page``, ``sections``,
``charts``) and the workbook (``workbook``, ``archive``) show the same tables, with the labels
of ``seed_code_labels.csv`` (``labels``) and the headers of the catalog (``columns``), formatted one
way (``formatting``). A table that does not exist yet is shown as "not available"; the pack is
still written.

The content is deterministic: no clock is read. The only timestamp is the run's
``published_at`` (or midnight of the as-of date when no run is recorded), also used for the
workbook's properties and the zip entries, so the same warehouse state writes the same bytes.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import psycopg

from munifund.review.assets_pages import PREFIX as ASSETS_PREFIX
from munifund.review.assets_pages import render_asset_pages
from munifund.review.charts import CHART_NAMES
from munifund.review.page import render_page
from munifund.review.public_results import write_public_results
from munifund.review.queries import read_pack_data
from munifund.review.sections import DQ_PAGE_ROWS
from munifund.review.status import run_as_of
from munifund.review.workbook import DQ_SHEET_ROWS, render_workbook

HTML_NAME = "review.html"
XLSX_NAME = "review.xlsx"


def replace_file(path: Path, content: bytes) -> None:
    """Write next to the target and rename over it: a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(content)
    os.replace(tmp, path)


def write_review_pack(
    conn: psycopg.Connection, as_of: dt.date, reviews_dir: Path, *, workbook: bool = True
) -> Path:
    """Write ``reviews_dir/<as_of>/review.html``, ``review.xlsx``, the charts and the assets
    pages (``assets-<district>.html``); return the folder.

    Reads only schema ``published``. Re-writing replaces the files; a chart that has nothing to
    show any more (say, kiosk fees gone) is removed. ``workbook=False`` (a what-if scenario added
    to the page's list, which the workbook and the assets pages do not show): those only when
    missing.
    """
    data = read_pack_data(conn, as_of, dq_rows=max(DQ_PAGE_ROWS, DQ_SHEET_ROWS))
    folder = Path(reviews_dir) / as_of.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    page = render_page(data)
    written = set()
    for chart in page.charts:
        replace_file(folder / chart.file_name, chart.png)
        written.add(chart.file_name)
    for stale in set(CHART_NAMES) - written:
        (folder / stale).unlink(missing_ok=True)
    replace_file(folder / HTML_NAME, page.html.encode("utf-8"))
    # the assets behind the lines, a page per district (a district's page gone when its lines
    # are); like the workbook, they show no scenario, so a scenario's rewrite leaves them
    if workbook or not any(folder.glob(f"{ASSETS_PREFIX}*.html")):
        assets = render_asset_pages(data)
        for name, html in assets.items():
            replace_file(folder / name, html.encode("utf-8"))
        for stale in folder.glob(f"{ASSETS_PREFIX}*.html"):
            if stale.name not in assets:
                stale.unlink(missing_ok=True)
    if workbook or not (folder / XLSX_NAME).exists():
        replace_file(folder / XLSX_NAME, render_workbook(data))
    write_public_results(data, folder)
    return folder


def rewrite_pack_of_run(conn: psycopg.Connection, run_id: str, reviews_dir: Path) -> Path | None:
    """After a decision on ``run_id``: its date's pack written again, so that the files say the
    decision (status, decider, time) and not the status they were written with. Only a pack
    that is there (this machine's ``reviews_dir``) is rewritten; returns its folder, or None."""
    as_of = run_as_of(conn, run_id)
    if as_of is None or not (Path(reviews_dir) / as_of.isoformat() / HTML_NAME).is_file():
        return None
    return write_review_pack(conn, as_of, reviews_dir)


__all__ = [
    "read_pack_data",
    "render_page",
    "render_workbook",
    "rewrite_pack_of_run",
    "write_review_pack",
]
