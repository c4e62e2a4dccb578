"""The assessment results the public sees (考核结果, 自动生成评价排序, 定期公布): a page and a
workbook per as-of date, beside the review pack, in Chinese only.

From ``published.assessment_results`` (as the pack read it) and the names of the districts and
street offices; nothing else. What the bureau's pack holds and the public must not see stays
out by construction, not by filtering: the page is built from the figures of the assessment
(cases due, on time, late, still open, score, rank) and the names only, never from a run id, a
review status, an amount of money, a code or a path. Served without login by
``munifund.web.public`` when ``MUNIFUND_PUBLIC_RESULTS=1``, found there by these file names.

Deterministic like the pack: the same published rows write the same bytes (the workbook's one
timestamp is midnight of the as-of date in the city).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2

from munifund.config import CITY_TIMEZONE
from munifund.review.queries import PackData

HTML_NAME = "public-results.html"
XLSX_NAME = "public-results.xlsx"
PUBLIC_FILES = (HTML_NAME, XLSX_NAME)

#: the categories as the public reads them, in the order shown (seed_code_labels.csv's
#: work_order_category; "all" is 合计 there, 综合 here: the ranking of every case)
CATEGORIES = (("all", "综合"), ("component", "部件"), ("event", "事件"))
FIGURES = (
    ("cases_due", "应结案件"),
    ("on_time", "按期结案"),
    ("late", "超期结案"),
    ("still_open", "尚未结案"),
    ("score", "得分"),
)
NONE = "—"


@dataclass(frozen=True)
class Unit:
    """A district or a street office, by name, with its figures per category."""

    name: str
    district: str
    figures: dict[str, dict[str, Any]]


def _rank_key(unit: Unit, category: str) -> tuple:
    rank = unit.figures.get(category, {}).get("rank")
    return (rank is None, rank or 0, unit.name)


def _text(value: Any) -> str:
    if value is None:
        return NONE
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def public_units(data: PackData) -> tuple[list[Unit], list[Unit]]:
    """The districts and the street offices of the date's assessment, by name."""
    districts = {code: zh for code, (zh, _en) in data.district_names().items() if zh}
    streets = {r["street_code"]: r.get("name_zh") for r in data.streets.rows if r.get("name_zh")}
    found: dict[tuple[str, str | None], Unit] = {}
    for row in data.assessment.rows:
        code, street = row["district_code"], row.get("street_code")
        district = districts.get(code) or code
        name = district if street is None else (streets.get(street) or street)
        unit = found.setdefault((code, street), Unit(name, district, {}))
        unit.figures[row["category"]] = row
    district_units = [u for (_, s), u in found.items() if s is None]
    street_units = [u for (_, s), u in found.items() if s is not None]
    return district_units, street_units


_PAGE = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string(
    """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>城市管理考核结果 {{ year }}年（截至{{ as_of }}）</title>
<style>
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 1.5rem auto;
  max-width: 1200px; padding: 0 1rem; color: #1a1a1a; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; } h3 { font-size: 1rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border-bottom: 1px solid #ddd; padding: .3rem .7rem; text-align: right; }
th { background: #f3f5f7; }
th.name, td.name { text-align: left; }
td { font-variant-numeric: tabular-nums; }
.note { color: #555; font-size: .9rem; max-width: 60rem; }
</style>
</head>
<body>
<h1>城市管理考核结果</h1>
<p>{{ year }}年1月1日至{{ as_of }}，数字城管案件按期结案情况，各区和各街道办事处的评价排序。</p>
<p class="note">统计处置期限在此期间内的案件。得分 = 按期结案数 ÷ 应结案件数 × 100，尚未结案的案件计为未按期；
部件指公共设施的损坏、缺失等问题，事件指市容环境、街面秩序等问题，综合包含全部案件。
得分相同者名次相同；没有应结案件的不计得分、不排名。另有表格文件可下载：<a href="{{ xlsx }}">{{ xlsx }}</a></p>

<h2>各区排名</h2>
{% for category, label in categories %}
<section id="districts-{{ category }}">
<h3>{{ label }}</h3>
<table>
<thead><tr><th>名次</th><th class="name">区</th>{% for _, f in figures %}<th>{{ f }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in districts[category] %}<tr><td>{{ row.rank }}</td><td class="name">{{ row.name }}</td>{% for v in row.cells %}<td>{{ v }}</td>{% endfor %}</tr>
{% endfor %}</tbody>
</table>
</section>
{% endfor %}

<h2>各街道办事处排名</h2>
<section id="streets">
<table>
<thead>
<tr><th rowspan="2">名次</th><th rowspan="2" class="name">街道办事处</th><th rowspan="2" class="name">所属区</th>
<th colspan="{{ figures|length }}">综合</th><th colspan="2">部件</th><th colspan="2">事件</th></tr>
<tr>{% for _, f in figures %}<th>{{ f }}</th>{% endfor %}<th>得分</th><th>名次</th><th>得分</th><th>名次</th></tr>
</thead>
<tbody>
{% for row in streets %}<tr><td>{{ row.rank }}</td><td class="name">{{ row.name }}</td><td class="name">{{ row.district }}</td>{% for v in row.cells %}<td>{{ v }}</td>{% endfor %}</tr>
{% endfor %}</tbody>
</table>
</section>
</body>
</html>
"""
)


def render_public_page(data: PackData) -> str:
    districts, streets = public_units(data)
    by_category = {
        category: [
            {
                "rank": _text(u.figures.get(category, {}).get("rank")),
                "name": u.name,
                "cells": [_text(u.figures.get(category, {}).get(k)) for k, _ in FIGURES],
            }
            for u in sorted(districts, key=lambda u: _rank_key(u, category))
        ]
        for category, _ in CATEGORIES
    }
    street_rows = [
        {
            "rank": _text(u.figures.get("all", {}).get("rank")),
            "name": u.name,
            "district": u.district,
            "cells": [
                *(_text(u.figures.get("all", {}).get(k)) for k, _ in FIGURES),
                *(
                    _text(u.figures.get(c, {}).get(k))
                    for c in ("component", "event")
                    for k in ("score", "rank")
                ),
            ],
        }
        for u in sorted(streets, key=lambda u: _rank_key(u, "all"))
    ]
    return _PAGE.render(
        year=data.fiscal_year,
        as_of=data.as_of.isoformat(),
        categories=CATEGORIES,
        figures=FIGURES,
        districts=by_category,
        streets=street_rows,
        xlsx=XLSX_NAME,
    )


def render_public_workbook(data: PackData) -> bytes:
    from openpyxl import Workbook
    from openpyxl.xml.functions import tostring

    from munifund.review.archive import reproducible_zip
    from munifund.review.workbook import sheet_cell

    districts, streets = public_units(data)
    wb = Workbook()
    wb.remove(wb.active)
    for title, units, with_district in (
        ("各区排名", districts, False),
        ("街道办事处排名", streets, True),
    ):
        sheet = wb.create_sheet(title)
        # every value through the pack's sheet_cell: a delivered name is text, never a formula
        # nor a character the format cannot hold
        header = (
            ["类别", "名次", "街道办事处" if with_district else "区"]
            + (["所属区"] if with_district else [])
            + [label for _, label in FIGURES]
        )
        sheet.append([sheet_cell(sheet, v) for v in header])
        for category, label in CATEGORIES:
            for u in sorted(units, key=lambda u: _rank_key(u, category)):
                row = u.figures.get(category, {})
                values = (
                    [label, row.get("rank"), u.name]
                    + ([u.district] if with_district else [])
                    + [row.get(k) for k, _ in FIGURES]
                )
                sheet.append([sheet_cell(sheet, v) for v in values])
        sheet.freeze_panes = "A2"
        for column, width in zip("ABCDEFGHI", (8, 6, 18, 12, 10, 10, 10, 10, 8), strict=False):
            sheet.column_dimensions[column].width = width
    stamp = dt.datetime.combine(data.as_of, dt.time(), CITY_TIMEZONE)
    props = wb.properties
    props.creator = props.lastModifiedBy = ""
    props.title = f"城市管理考核结果 截至{data.as_of.isoformat()}"
    props.created = stamp.astimezone(dt.UTC).replace(tzinfo=None)
    buf = io.BytesIO()
    wb.save(buf)
    props.modified = props.created  # openpyxl stamps the clock on save
    return reproducible_zip(buf.getvalue(), stamp, {"docProps/core.xml": tostring(props.to_tree())})


def write_public_results(data: PackData, folder: Path) -> None:
    """The public page and workbook of the pack's date into ``folder`` (the pack's), or none
    when the date has no assessment published."""
    from munifund.review.pack import replace_file

    if not data.assessment.available or not data.assessment.rows:
        for name in PUBLIC_FILES:
            (folder / name).unlink(missing_ok=True)
        return
    replace_file(folder / HTML_NAME, render_public_page(data).encode("utf-8"))
    replace_file(folder / XLSX_NAME, render_public_workbook(data))
