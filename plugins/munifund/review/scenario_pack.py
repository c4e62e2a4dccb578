"""A what-if scenario's comparison page and workbook, beside the date's review pack
(``reviews/<as_of>/whatif-<name>.html``, ``.xlsx`` and the chart ``.png``), in the pack's look:
its template macros and style (``templates/_look.html.j2``), charts, labels and sheets.

Read from ``published`` only: the scenario's rows and the date's
published allocation for the parameters it was compared with. Deterministic like the pack: the
one timestamp is the scenario's ``computed_at``.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import psycopg

from munifund.config import CITY_TIMEZONE
from munifund.review.archive import reproducible_zip
from munifund.review.columns import SCENARIO_COLUMNS, Column
from munifund.review.formatting import DASH, TableView, format_datetime, format_money, table_row
from munifund.review.page import Fact, template_env
from munifund.review.queries import scenario_and_parameters
from munifund.review.scenario_sections import comparison_section, scenario_file
from munifund.review.sections import pool_check
from munifund.review.workbook import Sheet, write_sheet

PARAMETER_COLUMNS = (
    Column("parameter", "参数", "Parameter"),
    Column("published", "已发布", "Published"),
    Column("scenario", "测算", "Scenario"),
)
PARAMETER_LABELS = {
    "pool_yuan": "资金池 / Pool (yuan)",
    "incentive_share": "奖励比例 / Incentive share",
    "incentive_score_threshold": "奖励考核得分门槛 / Incentive score threshold",
    "incentive_basis": "奖励依据 / Incentive basis",
    "rates": "经费标准 / Unit-cost standards",
}


@dataclass(frozen=True)
class ScenarioData:
    name: str
    as_of: dt.date
    rows: list[dict[str, Any]]
    # the published allocation's parameters, as its rows record them
    published: dict[str, Any]
    published_threshold: str

    @property
    def parameters(self) -> dict[str, Any]:
        return self.rows[0]["parameters"]

    @property
    def stamp(self) -> dt.datetime:
        return self.rows[0]["computed_at"].astimezone(CITY_TIMEZONE)


def read_scenario(
    conn: psycopg.Connection, name: str, as_of: dt.date, published_threshold: str
) -> ScenarioData:
    rows, published = scenario_and_parameters(conn, name, as_of)
    return ScenarioData(name, as_of, rows, published or {}, published_threshold)


def _rates_text(rates: dict[str, str] | None) -> str:
    if not rates:
        return "已交付的标准 / as delivered"
    return f"{rates['file']} (SHA-256 {rates['sha256'][:12]}…)"


def parameter_rows(data: ScenarioData) -> list[dict[str, Any]]:
    """Each parameter, published beside scenario, as text."""
    scenario, published = data.parameters, data.published
    values = {
        "pool_yuan": (format_money(published.get("pool_yuan")), format_money(scenario["pool_yuan"])),
        "incentive_share": (str(published.get("incentive_share", DASH)), scenario["incentive_share"]),
        "incentive_score_threshold": (data.published_threshold, scenario["incentive_score_threshold"]),
        "incentive_basis": (published.get("incentive_basis") or DASH, scenario["incentive_basis"]),
        "rates": (_rates_text(None), _rates_text(scenario.get("rates"))),
    }  # fmt: skip
    return [
        {"parameter": PARAMETER_LABELS[k], "published": p, "scenario": s}
        for k, (p, s) in values.items()
    ]


def _facts(data: ScenarioData) -> list[Fact]:
    first = data.rows[0]
    return [
        Fact("测算", "Scenario", data.name),
        Fact("截止日", "As-of date", data.as_of.isoformat()),
        Fact("对比的已发布运行", "Compared with published run", first["published_run_id"]),
        Fact("测算时间", "Computed at", format_datetime(first["computed_at"]) + " (Asia/Shanghai)"),
        Fact("测算人", "Computed by", first.get("computed_by") or DASH),
    ]


def render_scenario_page(data: ScenarioData):
    """The page's HTML and its delta chart."""
    names = {
        r["district_code"]: (r.get("name_zh") or "", r.get("name_en") or "") for r in data.rows
    }
    comparison = comparison_section(data.rows, names)
    # the money that followed the task (费随事转) is what a total holds beyond its base and
    # incentive: the city's own budget, on top of the pool
    pool_rows = [
        {
            "total_yuan": r["scenario_total_yuan"],
            "pool_yuan": data.parameters["pool_yuan"],
            "devolved_yuan": r["scenario_total_yuan"]
            - r["scenario_base_yuan"]
            - r["scenario_incentive_yuan"],
        }
        for r in data.rows
    ]
    html = (
        template_env()
        .get_template("whatif.html.j2")
        .render(
            name=data.name,
            as_of=data.as_of.isoformat(),
            fiscal_year=data.as_of.year,
            facts=_facts(data),
            parameters=TableView(
                PARAMETER_COLUMNS,
                [table_row(PARAMETER_COLUMNS, r) for r in parameter_rows(data)],
                id="parameter-table",
            ),
            comparison=comparison,
            pool_check=pool_check(pool_rows),
            not_available="",
        )
    )
    return html, comparison.chart


def render_scenario_workbook(data: ScenarioData) -> bytes:
    from openpyxl import Workbook
    from openpyxl.xml.functions import tostring

    wb = Workbook()
    wb.remove(wb.active)
    write_sheet(wb, Sheet("parameters 参数", PARAMETER_COLUMNS, parameter_rows(data)))
    money = [c.key for c in SCENARIO_COLUMNS if c.kind in ("money", "money_delta")]
    write_sheet(wb, Sheet("whatif 测算", SCENARIO_COLUMNS, data.rows, totals=money))
    stamp = data.stamp.astimezone(dt.UTC).replace(tzinfo=None)
    props = wb.properties
    props.creator = props.lastModifiedBy = "munifund"
    props.title = f"测算 / What if {data.name} {data.as_of.isoformat()}"
    props.created = stamp
    buf = io.BytesIO()
    wb.save(buf)
    props.modified = stamp  # openpyxl stamps the clock on save; put the scenario's time back
    return reproducible_zip(
        buf.getvalue(), data.stamp, {"docProps/core.xml": tostring(props.to_tree())}
    )


def scenario_files(data: ScenarioData) -> dict[str, bytes]:
    """File name -> bytes of the scenario's page, workbook and chart."""
    html, chart = render_scenario_page(data)
    files = {
        scenario_file(data.name, ".html"): html.encode("utf-8"),
        scenario_file(data.name, ".xlsx"): render_scenario_workbook(data),
    }
    if chart is not None:
        files[chart.file_name] = chart.png
    return files
