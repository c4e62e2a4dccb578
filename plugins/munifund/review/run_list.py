"""`munifund review list`: the published runs, one line each, read from the warehouse.

Each run's status is the decision log's (the run records and the decisions of ``published``,
read through ``status``), never a file's. The plan in force of a fiscal year is the run whose
approval is the latest decision (by decision time, then decision id) among the year's standing
approvals: domain.md's rule, as ``int_budget_plans_resolved`` applies it, for an as-of date
after every run listed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import psycopg
from psycopg.rows import dict_row
from rich import box
from rich.markup import escape
from rich.table import Table

from munifund.config import CITY_TIMEZONE
from munifund.review.status import LAST_DECISION, RUNS, RunStatus, run_status

#: the runs listed at most (the newest)
LIMIT = 1000


@dataclass(frozen=True)
class ListedRun:
    run_id: str
    as_of_date: dt.date
    fiscal_year: int
    status: RunStatus
    in_force: bool


def read_runs(conn: psycopg.Connection, year: int | None = None) -> list[ListedRun]:
    """The published runs (of ``year``, else all), newest as-of date first."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            f"""
            with in_force as (
                select distinct on (fiscal_year) fiscal_year, run_id
                from published.review_decisions
                where decision = 'approved' and is_standing
                order by fiscal_year, decided_at desc, decision_id desc
            )
            select runs.*, last.*, in_force.run_id is not null as in_force
            from {RUNS} runs
            {LAST_DECISION}
            left join in_force using (fiscal_year, run_id)
            where %(year)s::integer is null or runs.fiscal_year = %(year)s::integer
            order by runs.as_of_date desc, runs.published_at desc, runs.run_id desc
            limit %(limit)s
            """,
            {"year": year, "limit": LIMIT},
        ).fetchall()
    return [
        ListedRun(r["run_id"], r["as_of_date"], r["fiscal_year"], run_status(r), r["in_force"])
        for r in rows
    ]


def _when(value: dt.datetime | None) -> str:
    # the date over the time: two lines of 10 columns, never cut
    return "" if value is None else f"{value.astimezone(CITY_TIMEZONE):%Y-%m-%d\n%H:%M}"


def runs_table(runs: list[ListedRun], year: int | None = None) -> Table:
    """The runs as a table that fits 80 columns: a long run id or name folds, no date is cut."""
    table = Table(
        title=f"运行 Runs{f', fiscal year {year}' if year else ''}",
        caption="下达 In force: 本年度现行计划 / its year's plan in force; Asia/Shanghai time",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    table.add_column("截止日\nAs-of", no_wrap=True, width=10)
    table.add_column("运行编号\nRun id", overflow="fold", min_width=18)
    table.add_column("状态\nStatus", no_wrap=True)
    table.add_column("下达\nIn force", no_wrap=True, justify="center")
    table.add_column("审核人\nDecided by", overflow="fold", min_width=6, max_width=14)
    table.add_column("审核时间\nDecided at", no_wrap=True, width=10)
    for run in runs:
        table.add_row(
            run.as_of_date.isoformat(),
            escape(run.run_id),
            run.status.code,
            "✓" if run.in_force else "",
            escape(run.status.decided_by or ""),
            _when(run.status.decided_at),
        )
    return table
