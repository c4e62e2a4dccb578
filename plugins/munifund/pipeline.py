"""What the nightly DAG's Python tasks do. The DAG file only wires these together.

Every function takes the logical date (``ds``) and the Airflow run id, never the clock: a task
re-run for a date does the same thing.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from dataclasses import dataclass

import psycopg
from psycopg import sql

from munifund.config import PROJECT_ROOT, load_settings
from munifund.warehouse import ensure_warehouse

# The marts that publication copies from `audit` into `published`, every row stamped with
# fiscal_year, as_of_date and run_id; publication replaces the rows of the same as_of_date.
PUBLISHED_MARTS = (
    "district_allocation",
    "district_allocation_lines",
    "city_tier_costs",
    "unmeasured_assets",
    "allocation_changes",
    "kiosk_fee_compliance",
    "kiosk_fee_flags",
    "kiosk_arrears",
)


class AuditFailed(RuntimeError):
    """The candidate allocation is wrong or incomplete; `published` was left as it was."""


@dataclass(frozen=True)
class RunContext:
    as_of: dt.date
    run_id: str

    @property
    def fiscal_year(self) -> int:
        return self.as_of.year


def _context(as_of: str | None, run_id: str | None) -> RunContext:
    if not as_of or not run_id:
        raise ValueError("a task needs the logical date (ds) and the run id")
    return RunContext(dt.date.fromisoformat(as_of), run_id)


def _landing_path(landing: str):
    """The landing area as an ObjectStoragePath: a local folder or any object-store URL."""
    from airflow.sdk import ObjectStoragePath

    if "://" not in landing:
        landing = "file://" + str(PROJECT_ROOT.joinpath(landing).resolve())
    return ObjectStoragePath(landing)


# ------------------------------------------------------------------------------ ingest


def ingest_landing_task(as_of: str | None, run_id: str | None) -> dict:
    from munifund.ingest.loader import ingest

    ctx = _context(as_of, run_id)
    settings = load_settings()
    with ensure_warehouse(settings).connect() as conn:
        report = ingest(conn, _landing_path(settings.landing), ctx.as_of, ctx.run_id)
        ages = source_ages(conn, ctx.as_of)
    return {**report.as_dict(), "source_age_days": ages}


def stale_sources(ages: dict[str, int | None]) -> dict[str, int | None]:
    """The periodic sources not delivered within their bound (None: never delivered)."""
    from munifund.ingest.contracts import BY_NAME

    return {
        name: age
        for name, age in ages.items()
        if BY_NAME[name].stale_after_days is not None
        and (age is None or age > BY_NAME[name].stale_after_days)
    }


def source_ages(conn: psycopg.Connection, as_of: dt.date) -> dict[str, int | None]:
    """Days since each source's latest partition, as of the run's date (None: never delivered).

    A missing delivery is not an error: the last known data stands and its age is reported.
    (`munifund dbt source freshness` reports the same against the clock, for operators.)
    """
    from munifund.ingest.contracts import BY_NAME

    latest = dict(
        conn.execute(
            "select source, max(partition_date) from ops.partitions_taken"
            " where partition_date <= %s and unreadable_reason is null group by source",
            [as_of],
        ).fetchall()
    )
    return {name: (as_of - latest[name]).days if name in latest else None for name in BY_NAME}


# ------------------------------------------------------------------------------- audit


def _existing_marts(conn: psycopg.Connection, schema: str) -> list[str]:
    rows = conn.execute(
        "select table_name from information_schema.tables where table_schema = %s",
        [schema],
    ).fetchall()
    present = {r[0] for r in rows}
    return [m for m in PUBLISHED_MARTS if m in present]


def audit_task(as_of: str | None, run_id: str | None) -> dict:
    """Checks on the candidate in `audit` that must hold before anything is published."""
    ctx = _context(as_of, run_id)
    with ensure_warehouse().connect() as conn:
        marts = _existing_marts(conn, "audit")
        counts: dict[str, int] = {}
        for mart in marts:
            table = sql.Identifier("audit", mart)
            counts[mart] = conn.execute(
                sql.SQL("select count(*) from {}").format(table)
            ).fetchone()[0]  # type: ignore[index]
            stale = conn.execute(
                sql.SQL("select count(*) from {} where run_id <> %s or as_of_date <> %s").format(
                    table
                ),
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


# A mart losing more than this share of its rows against the last published run of the year is
# more likely a broken delivery than a real change.
# Only marts whose size follows the city's structure: unmeasured assets, changes and flags
# shrink legitimately (a measurement verified, a voucher corrected).
ROW_COUNT_DROP_LIMIT = 0.5
ROW_COUNT_CHECKED = frozenset(
    {
        "district_allocation",
        "district_allocation_lines",
        "city_tier_costs",
        "kiosk_fee_compliance",
        "kiosk_arrears",
    }
)


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
    for mart, count in counts.items():
        if mart not in ROW_COUNT_CHECKED:
            continue
        before = int(last_counts.get(mart, 0))
        if before and count < before * (1 - ROW_COUNT_DROP_LIMIT):
            problems.append(
                f"audit.{mart} has {count} rows where the last published run ({last_run}) had"
                f" {before}: check the deliveries before publishing"
            )
    return problems


def _allocation_problems(conn: psycopg.Connection, ctx: RunContext) -> list[str]:
    """Blockers the models found (a missing rate or pool, ...), then the totals against the pool."""
    problems = [
        message
        for (message,) in conn.execute(
            "select message from audit.allocation_blockers order by blocker, message"
        ).fetchall()
    ]
    row = conn.execute(
        "select count(*), sum(total_yuan), max(pool_yuan), min(pool_yuan)"
        " from audit.district_allocation"
    ).fetchone()
    n, total, pool, pool_min = row  # type: ignore[misc]
    if n == 0:
        problems.append("no district has an allocation")
    elif pool != pool_min or total != pool:
        problems.append(f"district totals add up to {total} yuan, the pool is {pool} yuan")
    return problems


# ----------------------------------------------------------------------------- publish


def _columns(conn: psycopg.Connection, schema: str, table: str) -> list[tuple[str, str]]:
    """(name, type with its modifiers) of a table's columns, in order."""
    return conn.execute(
        "select attname, format_type(atttypid, atttypmod) from pg_attribute"
        " where attrelid = %s::regclass and attnum > 0 and not attisdropped order by attnum",
        [sql.Identifier(schema, table).as_string(conn)],
    ).fetchall()


def publish_task(as_of: str | None, run_id: str | None, ingested: dict, audited: dict) -> dict:
    """Replace this as-of date's rows in `published` with the audited ones, in one transaction.

    Readers see the previous rows or the new ones, never a mix (MVCC). Every as-of date stays
    in `published`, so a past run can be reviewed and compared.
    """
    ctx = _context(as_of, run_id)
    with ensure_warehouse().connect() as conn:
        marts = _existing_marts(conn, "audit")
        with conn.transaction():
            for mart in marts:
                _publish_mart(conn, mart, ctx)
            _record_run(conn, ctx, ingested, audited)
    return {"as_of_date": ctx.as_of.isoformat(), "run_id": ctx.run_id, "marts": marts}


def _publish_mart(conn: psycopg.Connection, mart: str, ctx: RunContext) -> None:
    source = sql.Identifier("audit", mart)
    target = sql.Identifier("published", mart)
    conn.execute(sql.SQL("create table if not exists {} (like {})").format(target, source))
    have = {name for name, _ in _columns(conn, "published", mart)}
    columns = _columns(conn, "audit", mart)
    for name, type_ in columns:
        if name not in have:  # a column added by a newer version of the model
            conn.execute(
                sql.SQL("alter table {} add column {} {}").format(
                    target, sql.Identifier(name), sql.SQL(type_)
                )
            )
    conn.execute(
        sql.SQL("delete from {} where fiscal_year = %s and as_of_date = %s").format(target),
        [ctx.fiscal_year, ctx.as_of],
    )
    names = sql.SQL(", ").join(sql.Identifier(n) for n, _ in columns)
    conn.execute(
        sql.SQL("insert into {} ({}) select {} from {}").format(target, names, names, source)
    )


def _code_version() -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "rev-parse", "HEAD"],
            capture_output=True, text=True, check=True, timeout=5,
        )  # fmt: skip
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def _record_run(conn: psycopg.Connection, ctx: RunContext, ingested: dict, audited: dict) -> None:
    import airflow
    from dbt.version import __version__ as dbt_version

    fingerprints = conn.execute(
        "select coalesce(jsonb_agg(jsonb_build_object('source', source, 'partition_date',"
        " partition_date, 'file', file, 'sha256', fingerprint) order by source, partition_date,"
        " file), '[]') from ops.partitions_taken where partition_date <= %s",
        [ctx.as_of],
    ).fetchone()[0]  # type: ignore[index]
    conn.execute(
        "insert into ops.allocation_runs (run_id, as_of_date, fiscal_year, input_fingerprints,"
        " code_version, dbt_version, airflow_version, row_counts, ingest_summary)"
        " values (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " on conflict (run_id) do update set as_of_date = excluded.as_of_date,"
        "  fiscal_year = excluded.fiscal_year, input_fingerprints = excluded.input_fingerprints,"
        "  code_version = excluded.code_version, row_counts = excluded.row_counts,"
        "  ingest_summary = excluded.ingest_summary, published_at = now()",
        [
            ctx.run_id, ctx.as_of, ctx.fiscal_year, json.dumps(fingerprints), _code_version(),
            dbt_version, airflow.__version__, json.dumps(audited.get("row_counts", {})),
            json.dumps(ingested),
        ],
    )  # fmt: skip


# ------------------------------------------------------------------------- review pack


def review_pack_task(as_of: str | None, published: dict) -> str:
    from munifund.review import write_review_pack

    settings = load_settings()
    with ensure_warehouse(settings).connect() as conn:
        path = write_review_pack(conn, dt.date.fromisoformat(str(as_of)), settings.reviews_dir)
    return str(path)
