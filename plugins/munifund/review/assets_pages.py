"""The assets behind each allocation line (their published table), one page per district
beside the review page (``assets-<district>.html``), linked from each line's count of assets.

A page of its own, read when a line is opened, keeps the review page the size it was: a city
has tens of thousands of asset-work pairs, which folded into the review page would make every
reader download them all. On the asset page each line is folded too, and printing opens them
(the print style and script of ``_look.html.j2``).
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from munifund.review.columns import ASSET_COLUMNS
from munifund.review.formatting import (
    TableView,
    format_cell,
    sum_column,
    table_row,
    total_row,
)
from munifund.review.labels import label_zh
from munifund.review.queries import PackData

#: the line's key: what a line of district_allocation_lines is
LINE_KEY = ("tier", "work_type", "asset_class", "rate_valid_from")
#: an asset's columns on its line's table (the line's key is the table's heading)
ASSET_PAGE_COLUMNS = tuple(c for c in ASSET_COLUMNS if c.key not in ("district_code", *LINE_KEY))
UNIT_DAYS = next(c for c in ASSET_COLUMNS if c.key == "unit_days")
#: every assets page is named so (munifund.web.app serves names of this shape)
PREFIX = "assets-"
_SAFE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def asset_file_name(district_code: str) -> str:
    """The district's assets page: its code when the code is a plain one, else a digest of it
    (a delivered code is never a path)."""
    if _SAFE.fullmatch(district_code):
        return f"{PREFIX}{district_code}.html"
    return f"{PREFIX}{hashlib.sha256(district_code.encode()).hexdigest()[:16]}.html"


def line_anchor(row: dict[str, Any]) -> str:
    """The id of a line's section on its district's assets page."""
    text = "-".join(str(row.get(k)) for k in LINE_KEY)
    slug = re.sub(r"[^A-Za-z0-9_-]", "_", text)
    return (
        f"line-{slug}" if slug == text else f"line-{hashlib.sha256(text.encode()).hexdigest()[:16]}"
    )


def line_href(district_code: str, row: dict[str, Any]) -> str:
    return f"{asset_file_name(district_code)}#{line_anchor(row)}"


@dataclass(frozen=True)
class LineAssets:
    anchor: str
    heading: str
    count: int
    unit_days: str
    view: TableView


@dataclass(frozen=True)
class DistrictAssets:
    code: str
    name_zh: str
    name_en: str
    file_name: str
    lines: list[LineAssets]
    assets: int


def _heading(row: dict[str, Any]) -> str:
    parts = []
    for key, vocabulary in (
        ("tier", "tier"),
        ("work_type", "work_type"),
        ("asset_class", "asset_class"),
    ):
        code = row.get(key)
        parts.append(f"{label_zh(vocabulary, code) or code} {code}")
    valid = row.get("rate_valid_from")
    return " · ".join(parts) + (f" · 标准自 / rate from {valid.isoformat()}" if valid else "")


def _with_street_name(row: dict[str, Any], streets: dict[str, str | None]) -> dict[str, Any]:
    code = row.get("street_code")
    name = streets.get(code) if code else None
    return {**row, "street_code": f"{name} {code}"} if name else row


def district_assets(data: PackData) -> list[DistrictAssets]:
    """Each district's lines with their assets, in the lines' order."""
    names = data.district_names()
    # a street office by its name too, as the streets' drill-down shows it
    streets = {
        r["street_code"]: r.get("name_zh") for r in data.streets.rows if r.get("street_code")
    }
    by_district: dict[str, dict[tuple, list[dict[str, Any]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for row in data.assets.rows:
        by_district[row["district_code"]][tuple(row.get(k) for k in LINE_KEY)].append(row)
    pages = []
    for code in sorted(by_district):
        lines = []
        for rows in by_district[code].values():
            unit_days = sum_column(rows, "unit_days") or Decimal(0)
            view = TableView(
                ASSET_PAGE_COLUMNS,
                [table_row(ASSET_PAGE_COLUMNS, _with_street_name(r, streets)) for r in rows],
                [total_row(ASSET_PAGE_COLUMNS, rows, ["days", "unit_days", "cost_exact_yuan"],
                           "小计 / Subtotal")],
            )  # fmt: skip
            unit_days_text = format_cell(UNIT_DAYS, unit_days).text
            lines.append(
                LineAssets(
                    line_anchor(rows[0]), _heading(rows[0]),
                    len({r["asset_id"] for r in rows}), unit_days_text, view,
                )
            )  # fmt: skip
        zh, en = names.get(code, ("", ""))
        count = len({r["asset_id"] for rows in by_district[code].values() for r in rows})
        pages.append(DistrictAssets(code, zh, en, asset_file_name(code), lines, count))
    return pages


def render_asset_pages(data: PackData) -> dict[str, str]:
    """The assets pages of ``data``: file name to HTML."""
    from munifund.review.page import template_env

    template = template_env().get_template("assets.html.j2")
    run = data.run or {}
    return {
        page.file_name: template.render(
            district=page,
            as_of=data.as_of.isoformat(),
            fiscal_year=data.fiscal_year,
            run_id=run.get("run_id") or "",
        )
        for page in district_assets(data)
    }
