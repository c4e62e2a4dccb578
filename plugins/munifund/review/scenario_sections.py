"""What-if scenarios (``queries.SCENARIOS``) as the review pack shows them: the list of a
date's scenarios with a link to each comparison page, and the comparison itself (a table of the
published and the scenario's figures per district, with a chart of the deltas)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby
from typing import Any

from munifund.review.charts import delta_chart
from munifund.review.columns import DISTRICT, SCENARIO_COLUMNS, SCENARIO_LIST_COLUMNS
from munifund.review.formatting import TableView, sum_column, table_row, to_decimal, total_row
from munifund.review.queries import PackData, published_name
from munifund.review.sections import Section

#: The page and workbook of a scenario, beside the date's review pack.
SCENARIO_FILE_STEM = "whatif-{name}"
SCENARIO_PAGE_COLUMNS = (DISTRICT, *SCENARIO_COLUMNS[3:])
MONEY_KEYS = [c.key for c in SCENARIO_COLUMNS if c.kind in ("money", "money_delta")]


def scenario_file(name: str, suffix: str) -> str:
    return SCENARIO_FILE_STEM.format(name=name) + suffix


def scenarios_by_name(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """A date's scenario rows, per scenario (rows ordered by scenario)."""
    return {name: list(group) for name, group in groupby(rows, key=lambda r: r["scenario"])}


def scenario_summary(name: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """One scenario in one line: its changes, its pool, what the districts gain and lose."""
    first = rows[0]
    deltas = [to_decimal(r["delta_yuan"]) for r in rows]
    return {
        "scenario": name,
        "published_run_id": first.get("published_run_id"),
        "changed_parameters": first.get("changed_parameters"),
        "pool_yuan": sum_column(rows, "scenario_total_yuan"),
        "gains_yuan": sum((d for d in deltas if d > 0), Decimal(0)),
        "losses_yuan": sum((d for d in deltas if d < 0), Decimal(0)),
        "computed_at": first.get("computed_at"),
        "computed_by": first.get("computed_by"),
        "href": scenario_file(name, ".html"),
    }


@dataclass(frozen=True)
class ScenarioList:
    available: bool
    missing: str = ""
    view: TableView | None = None
    # (name, file name of its page), in the table's order
    links: tuple[tuple[str, str], ...] = ()


def scenario_list(data: PackData) -> ScenarioList:
    """The review pack's list of the date's scenarios; the name links to its page."""
    table = data.scenarios
    if not table.available:
        return ScenarioList(False, published_name(table.name))
    summaries = [scenario_summary(n, rows) for n, rows in scenarios_by_name(table.rows).items()]
    rows = [table_row(SCENARIO_LIST_COLUMNS, s, css="scenario-row") for s in summaries]
    return ScenarioList(
        True,
        view=TableView(SCENARIO_LIST_COLUMNS, rows, id="scenario-list") if rows else None,
        links=tuple((s["scenario"], s["href"]) for s in summaries),
    )


def comparison_section(rows: list[dict[str, Any]], names: dict[str, tuple[str, str]]) -> Section:
    """The scenario's table, published beside scenario per district, and its delta chart."""
    view = TableView(
        SCENARIO_PAGE_COLUMNS,
        [
            table_row(
                SCENARIO_PAGE_COLUMNS, r, names, css="district-row", district=r["district_code"]
            )
            for r in rows
        ],
        [total_row(SCENARIO_PAGE_COLUMNS, rows, MONEY_KEYS)] if rows else [],
        id="scenario-table",
    )
    chart = delta_chart(
        rows,
        names,
        scenario_file(rows[0]["scenario"], ".png") if rows else "whatif.png",
        "测算与已发布分配相比的变动 / Scenario against the published allocation: change of total",
        "测算下各区合计较已发布分配的变动，元 / Change of each district's total under the"
        " scenario against the published allocation, yuan",
    )
    return Section(True, view=view, chart=chart)
