"""What `munifund run` prints when a run published: the allocation, the money cycle in two
lines, the quarantine, stale sources, and where the review pack and the logs are. It reads what
the review pack reads (`munifund.review.queries.read_pack_data`), so the screen and the pack
never differ."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from munifund.config import Settings
from munifund.review.queries import PackData

#: the money-cycle tables counted by status on the screen, as the pack names them
STATUS_COUNTS = (("payments", "disbursement_status"), ("use", "allocation_spending"))


def _pack_data(url: str, as_of: dt.date) -> PackData:
    import psycopg

    from munifund.review.queries import read_pack_data

    with psycopg.connect(url) as conn:
        return read_pack_data(conn, as_of, dq_rows=0)


def print_one_line(
    url: str, as_of: dt.date, run_id: str | None, settings: Settings, console: Console
) -> None:
    """A run published on the way to another: its total, its run id and its review pack."""
    rows = _pack_data(url, as_of).allocation.rows
    total = sum((r["total_yuan"] for r in rows), start=Decimal(0))
    console.print(
        escape(
            f"fiscal year {as_of.year} published as of {as_of}: {len(rows)} districts,"
            f" {total:,.2f} yuan in all; run {run_id}, a draft; review pack:"
            f" {settings.reviews_dir / as_of.isoformat()}"
        ),
        soft_wrap=True,
    )


def money_cycle_lines(data: PackData) -> list[str]:
    """The city's year over year, and the districts counted by payment and by use status."""
    city = next((r for r in data.year_over_year.rows if r.get("district_code") is None), None)
    lines = []
    if city is None or city.get("comparison") != "compared":
        lines.append(f"year over year: nothing of fiscal year {data.fiscal_year - 1} is published")
    else:
        lines.append(
            f"year over year (against {city['previous_as_of_date']}): standard cost"
            f" {city['standard_cost_growth_pct']:+} %, pool {city['pool_growth_pct']:+} %; the pool "
            + ("kept pace" if city["pool_kept_pace"] else "did not keep pace")
        )
    tables = {
        "disbursement_status": data.disbursements,
        **data.declared,
    }
    counted = []
    for label, name in STATUS_COUNTS:
        table = tables.get(name)
        statuses = Counter(r.get("status") for r in table.rows) if table else Counter()
        counted.append(
            f"{label}: "
            + ", ".join(f"{n} {str(s).replace('_', ' ')}" for s, n in sorted(statuses.items()))
        )
    lines.append(" · ".join(counted) + " (districts; the review pack names them)")
    return lines


#: the allocation's figures on the screen: (key, Chinese header, English header)
FIGURES = (
    ("standard_cost_yuan", "标准经费", "Standard cost"),
    ("assessment_score", "得分", "Score"),
    ("base_yuan", "基础", "Base"),
    ("incentive_yuan", "奖励", "Incentive"),
    ("devolved_yuan", "费随事转", "Devolved"),
    ("total_yuan", "合计", "Total"),
)
#: below this width the screen leaves out the standard cost and the base (the pack has both;
#: base = total - incentive - devolved) rather than cut an amount: the other figures of a
#: billion-yuan city fit 80 columns whole
WIDE = 100
WIDE_ONLY = ("standard_cost_yuan", "base_yuan")
#: from this width on, districts in both languages and one-line headers in a boxed table
ROOMY = 140


def allocation_table(data: PackData, width: int) -> Table:
    """The districts' allocation as a table that fits `width` columns without cutting a figure:
    an amount never wraps nor shortens. Below ROOMY columns the district shows its Chinese name
    and the headers take two lines; below WIDE the standard cost and the base are left to the
    review pack."""
    from rich import box

    narrow, compact = width < WIDE, width < ROOMY
    figures = [f for f in FIGURES if not (narrow and f[0] in WIDE_ONLY)]
    table = Table(
        title=f"分配 Allocation, fiscal year {data.fiscal_year}, as of {data.as_of}",
        caption="标准经费、基础分配见审核包 / standard cost, base: review pack" if narrow else None,
        box=box.SIMPLE_HEAD if compact else box.HEAVY_HEAD,
        pad_edge=not compact,
    )
    table.add_column(
        "区\nDistrict" if compact else "区 District", justify="left", overflow="fold", min_width=8
    )
    for _, zh, en in figures:
        table.add_column(f"{zh}\n{en}" if compact else f"{zh} {en}", justify="right", no_wrap=True)
    rows = data.allocation.rows

    def shown(key: str, value: object) -> str:
        if value is None:
            return "—" if key == "assessment_score" else ""
        if key == "assessment_score":
            return f"{value}"
        return f"{value:+,.2f}" if key == "devolved_yuan" else f"{value:,.2f}"

    for r in rows:
        name = r["name_zh"] if compact else f"{r['name_zh']} {r['name_en']}"
        table.add_row(escape(str(name)), *(shown(k, r.get(k)) for k, _, _ in figures))
    sums = {
        k: sum((r.get(k) or 0 for r in rows), start=Decimal(0)) if k != "assessment_score" else None
        for k, _, _ in figures
    }
    table.add_row(
        "合计" if compact else "合计 Total",
        *("" if sums[k] is None else shown(k, sums[k]) for k, _, _ in figures),
        style="bold",
    )
    return table


def budget_lines(data: PackData) -> list[str]:
    """The plan in force and what approving this draft would change (下达, 追加/追减); the
    settlement of the year this run settles; or, before the year's pool, that the allocation
    waits for it."""
    from munifund.config import CITY_TIMEZONE

    rows, year = data.allocation.rows, data.fiscal_year
    planned = [r for r in rows if r.get("plan_yuan") is not None]
    lines = []
    if not rows:
        lines.append(
            f"fiscal year {year}'s allocation waits for its pool: no budget_pools row of {year}"
            f" is known on {data.as_of}; deliver it and run again (this run published the"
            " settlement of the year before)"
        )
    elif planned:
        plan = next((r for r in data.plan.rows if r.get("plan_run_id")), {})
        change = sum((r["change_from_plan_yuan"] for r in planned), start=Decimal(0))
        up = sum(1 for r in planned if r["change_from_plan_yuan"] > 0)
        down = sum(1 for r in planned if r["change_from_plan_yuan"] < 0)
        approved_at = plan.get("approved_at")
        when = f" on {approved_at.astimezone(CITY_TIMEZONE):%Y-%m-%d}" if approved_at else ""
        lines.append(
            f"plan in force (下达): {sum(r['plan_yuan'] for r in planned):,.2f} yuan, run"
            f" {plan.get('plan_run_id')} approved by {plan.get('approved_by')}{when}; approving"
            f" this draft would change it by {change:+,.2f} yuan (追加 {up} districts, 追减 {down})"
        )
    else:
        lines.append(
            f"no plan of fiscal year {year} is approved yet (未下达): approving this draft"
            " issues the initial plan; payments are listed as no_plan"
        )
    settled: dict[int, list[dict]] = {}
    for r in data.settlement.rows:
        settled.setdefault(r["settled_fiscal_year"], []).append(r)
    for settled_year, districts in sorted(settled.items()):
        paid = sum((r["paid_yuan"] for r in districts), start=Decimal(0))
        carried = sum((r["carried_over_yuan"] for r in districts), start=Decimal(0))
        if any(r.get("plan_yuan") is not None for r in districts):
            plan_sum = sum((r["plan_yuan"] or 0 for r in districts), start=Decimal(0))
            owed = sum((r["owed_yuan"] or 0 for r in districts), start=Decimal(0))
            text = f"plan {plan_sum:,.2f}, paid {paid:,.2f}, owed {owed:+,.2f} yuan"
        else:
            text = f"never approved, paid {paid:,.2f} yuan"
        lines.append(
            f"settlement of fiscal year {settled_year} (结算, {len(districts)} districts): {text};"
            f" carried over {carried:,.2f} yuan (结转)"
        )
    return lines


#: the most files with refused rows the screen names; the receipts and the quarantine have all
REFUSED_FILES_SHOWN = 10


def refused_lines(files: list[tuple[str, int, bool]], width: int) -> list[str]:
    """One line per file of the run with refused rows, `(path, rows, refused whole)`, each within
    `width` columns (Chinese takes two): a path too long keeps its start and its file name."""
    from rich.cells import cell_len

    lines = []
    for path, rows, whole in files[:REFUSED_FILES_SHOWN]:
        head = "拒收 / refused: " + ("whole file " if whole else f"{rows} rows in ")
        room = width - cell_len(head)
        lines.append(head + _fit(path, room))
    if len(files) > REFUSED_FILES_SHOWN:
        lines.append(f"拒收 / refused: {len(files) - REFUSED_FILES_SHOWN} more files (receipts)")
    return lines


def _fit(text: str, room: int) -> str:
    """The text, or its start and its end around an ellipsis, within `room` columns."""
    from rich.cells import cell_len

    if cell_len(text) <= room:
        return text
    budget = max(room - 1, 0)  # the ellipsis takes one column
    end = ""
    for ch in reversed(text):
        if cell_len(ch + end) > budget // 2:
            break
        end = ch + end
    start = ""
    for ch in text:
        if cell_len(start + ch) > budget - cell_len(end):
            break
        start += ch
    return start + "…" + end


def _refused_files(conn, run_id: str | None) -> list[tuple[str, int, bool]]:
    """The files of the run with refused rows, or refused whole, most rows first."""
    rows = conn.execute(
        "select source || '/' || to_char(partition_date, 'YYYY-MM-DD') || '/' || file,"
        " count(distinct line),"
        " bool_or(line is null) from ops.quarantine where run_id = %s"
        " group by source, partition_date, file order by 3 desc, 2 desc, 1",
        [run_id],
    ).fetchall()
    return [(path, rows, whole) for path, rows, whole in rows]


def print_summary(
    url: str,
    as_of: dt.date,
    run_id: str | None,
    settings: Settings,
    console: Console,
    logs: Path | None = None,
) -> None:
    import psycopg

    from munifund.ingest.freshness import source_ages, stale_sources

    data = _pack_data(url, as_of)
    with psycopg.connect(url) as conn:
        quarantined = conn.execute(
            "select count(*), count(*) filter (where run_id = %s) from ops.quarantine"
            " where partition_date <= %s",
            [run_id, as_of],
        ).fetchone()
        stale = stale_sources(source_ages(conn, as_of))
        refused = _refused_files(conn, run_id)
    allocated = bool(data.allocation.rows)
    if allocated:
        console.print(allocation_table(data, console.width))
    for line in budget_lines(data) + (money_cycle_lines(data) if allocated else []):
        console.print(escape(line), soft_wrap=True)
    console.print(
        f"quarantined: {quarantined[1]} rows or files taken by this run, {quarantined[0]} in all"
        " (listed in the review pack and in each sender's receipt)"
    )
    for line in refused_lines(refused, console.width):
        console.print(escape(line), soft_wrap=True)
    if stale:
        listed = ", ".join(
            f"{s} ({'never delivered' if a is None else f'last delivered {a} days before'})"
            for s, a in stale.items()
        )
        console.print(
            f"[yellow]stale sources as of {as_of}:[/] {escape(listed)}; the last known data stands"
        )
    console.print(escape(f"review pack: {settings.reviews_dir / as_of.isoformat()}"))
    if logs:
        console.print(escape(f"logs: {logs}"))
    if not allocated:
        return  # nothing allocated, nothing to approve
    console.print(
        escape(
            f"the run is a draft: approve it with `munifund review approve --run {run_id} --by NAME`"
        )
    )
