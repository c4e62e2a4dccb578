"""Checks on the candidate in `audit` that must hold before anything is published."""

from __future__ import annotations

import psycopg
from psycopg import sql

from munifund.catalog import published_tables, run_stamped_tables
from munifund.publication import RunContext


class AuditFailed(RuntimeError):
    """The candidate allocation is wrong or incomplete; `published` was left as it was."""


# A mart losing more than this share of its rows against the last published run of the year is
# more likely a broken delivery than a real change. Checked on the marts whose size follows the
# city's structure (`meta.row_count_stable` in their yml): unmeasured assets, changes and flags
# shrink legitimately (a measurement verified, a voucher corrected).
ROW_COUNT_DROP_LIMIT = 0.5


def _has_table(conn: psycopg.Connection, table: str) -> bool:
    return conn.execute("select to_regclass(%s)", [f"audit.{table}"]).fetchone()[0] is not None  # type: ignore[index]


def built_marts(conn: psycopg.Connection) -> list[str]:
    """The published marts that the dbt build made in `audit`, in publication order."""
    present = {
        name
        for (name,) in conn.execute(
            "select table_name from information_schema.tables where table_schema = 'audit'"
        ).fetchall()
    }
    return [m for m in run_stamped_tables() if m in present]


def audit_candidate(conn: psycopg.Connection, ctx: RunContext) -> dict:
    """Raise AuditFailed with every problem found; return the marts' row counts."""
    marts = built_marts(conn)
    counts: dict[str, int] = {}
    for mart in marts:
        table = sql.Identifier("audit", mart)
        counts[mart] = conn.execute(sql.SQL("select count(*) from {}").format(table)).fetchone()[0]  # type: ignore[index]
        stale = conn.execute(
            sql.SQL("select count(*) from {} where run_id <> %s or as_of_date <> %s").format(table),
            [ctx.run_id, ctx.as_of],
        ).fetchone()[0]  # type: ignore[index]
        if stale:
            raise AuditFailed(
                f"audit.{mart} holds {stale} rows of another run or date: the dbt build did not"
                f" rebuild it for run {ctx.run_id}; nothing was published"
            )
    problems = _allocation_problems(conn, ctx) if "district_allocation" in marts else []
    problems += _row_count_problems(conn, ctx, counts)
    if problems:
        raise AuditFailed("the allocation cannot be published:\n- " + "\n- ".join(problems))
    return {"row_counts": counts}


def _row_count_problems(
    conn: psycopg.Connection, ctx: RunContext, counts: dict[str, int]
) -> list[str]:
    last = conn.execute(
        "select run_id, row_counts from ops.allocation_runs where fiscal_year = %s"
        " and run_id <> %s order by published_at desc limit 1",
        [ctx.fiscal_year, ctx.run_id],
    ).fetchone()
    if not last:
        return []
    last_run, last_counts = last
    problems = []
    tables = published_tables()  # once: each call checks the manifest against the project files
    for mart, count in counts.items():
        if not tables[mart].row_count_stable:
            continue
        before = int(last_counts.get(mart, 0))
        if before and count < before * (1 - ROW_COUNT_DROP_LIMIT):
            problems.append(
                f"audit.{mart} has {count} rows where the last published run ({last_run}) had"
                f" {before}: check the deliveries before publishing"
            )
    return problems


def waits_for_pool(conn: psycopg.Connection, schema: str, ctx: RunContext) -> bool:
    """A run of fiscal year Y before Y's pool is delivered: nothing of Y is allocated, and the run
    publishes Y-1's settlement (domain.md "The budget year"): not an error."""
    allocated, settled = conn.execute(
        sql.SQL(
            "select (select count(*) from {} where as_of_date = %s and run_id = %s),"
            " (select count(*) from {} where as_of_date = %s and run_id = %s"
            "  and settled_fiscal_year = %s)"
        ).format(
            sql.Identifier(schema, "district_allocation"),
            sql.Identifier(schema, "year_end_settlement"),
        ),
        [ctx.as_of, ctx.run_id, ctx.as_of, ctx.run_id, ctx.fiscal_year - 1],
    ).fetchone()  # type: ignore[misc]
    return allocated == 0 and settled > 0


def _allocation_problems(conn: psycopg.Connection, ctx: RunContext) -> list[str]:
    """Blockers the models found (a missing rate or pool, ...), then the totals against the pool;
    none for a run that waits for its year's pool (the models name no blocker then)."""
    problems = [
        message
        for (message,) in conn.execute(
            "select message from audit.allocation_blockers order by blocker, message"
        ).fetchall()
    ]
    row = conn.execute(
        "select count(*), sum(total_yuan), max(pool_yuan), min(pool_yuan), sum(devolved_yuan)"
        " from audit.district_allocation"
    ).fetchone()
    n, total, pool, pool_min, devolved = row  # type: ignore[misc]
    if n == 0 and not problems and _has_table(conn, "year_end_settlement"):
        if waits_for_pool(conn, "audit", ctx):
            return []
    # money that followed the task comes from the city's own budget, on top of the pool
    if n == 0:
        problems.append("no district has an allocation")
    elif pool != pool_min or total != pool + devolved:
        problems.append(
            f"district totals add up to {total} yuan, the pool is {pool} yuan and the money that"
            f" followed the task (费随事转) {devolved} yuan"
        )
    return problems
