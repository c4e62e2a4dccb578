"""Publication: the audited candidate replaces its as-of date in `published`, in one transaction,
and the run is recorded in `ops.allocation_runs`.

Readers see the previous rows or the new ones, never a mix (MVCC). Every as-of date stays in
`published`, so a past run can be reviewed and compared. The published tables themselves are
the migrations' (munifund/warehouse/schema): publication never creates or alters a table.
"""

from __future__ import annotations

import json
import subprocess

import psycopg
from psycopg import sql

from munifund.config import PROJECT_ROOT
from munifund.publication import RunContext
from munifund.publication.audit import built_marts


class SchemaDrift(RuntimeError):
    """A mart's columns differ from its published table's: a migration is missing."""


class CandidateChanged(RuntimeError):
    """`audit` no longer holds what the audit passed (another run rebuilt it since)."""


def publish_candidate(
    conn: psycopg.Connection, ctx: RunContext, ingested: dict, audited: dict
) -> list[str]:
    """Publish every built mart and record the run, all or nothing; return the marts.

    Only the audited run's rows are copied, and only as many as the audit counted: a candidate
    rebuilt by another run between the audit and now is refused, not published.
    """
    marts = built_marts(conn)
    counted = audited.get("row_counts", {})
    if set(marts) != set(counted):
        raise CandidateChanged(
            f"audit holds the marts {sorted(marts)}, the audit of run {ctx.run_id} checked"
            f" {sorted(counted)}: another run rebuilt the candidate; nothing was published,"
            " run the date again"
        )
    with conn.transaction():
        for mart in marts:
            _publish_mart(conn, mart, ctx, counted[mart])
        _record_run(conn, ctx, ingested, audited)
    return marts


def column_names(conn: psycopg.Connection, schema: str, table: str) -> list[str]:
    """A table's column names, in order."""
    return [
        name
        for (name,) in conn.execute(
            "select attname from pg_attribute where attrelid = %s::regclass and attnum > 0"
            " and not attisdropped order by attnum",
            [sql.Identifier(schema, table).as_string(conn)],
        ).fetchall()
    ]


def _publish_mart(conn: psycopg.Connection, mart: str, ctx: RunContext, audited_rows: int) -> None:
    built = column_names(conn, "audit", mart)
    published = column_names(conn, "published", mart)
    if built != published:
        raise SchemaDrift(
            f"audit.{mart} has the columns {built}, published.{mart} has {published}: a model"
            " changed without a warehouse migration (munifund/warehouse/schema/versions);"
            " nothing was published"
        )
    names = sql.SQL(", ").join(sql.Identifier(n) for n in built)
    target = sql.Identifier("published", mart)
    conn.execute(
        sql.SQL("delete from {} where fiscal_year = %s and as_of_date = %s").format(target),
        [ctx.fiscal_year, ctx.as_of],
    )
    copied = conn.execute(
        sql.SQL("insert into {} ({}) select {} from {} where run_id = %s and as_of_date = %s")
        .format(target, names, names, sql.Identifier("audit", mart)),
        [ctx.run_id, ctx.as_of],
    ).rowcount  # fmt: skip
    if copied != audited_rows:
        raise CandidateChanged(
            f"audit.{mart} holds {copied} rows of run {ctx.run_id} where its audit counted"
            f" {audited_rows}: another run rebuilt the candidate; nothing was published, run the"
            " date again"
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
        " code_version, dbt_version, airflow_version, row_counts, ingest_summary, started_by)"
        " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " on conflict (run_id) do update set as_of_date = excluded.as_of_date,"
        "  fiscal_year = excluded.fiscal_year, input_fingerprints = excluded.input_fingerprints,"
        "  code_version = excluded.code_version, row_counts = excluded.row_counts,"
        "  ingest_summary = excluded.ingest_summary, published_at = now(),"
        "  started_by = coalesce(ops.allocation_runs.started_by, excluded.started_by)",
        [
            ctx.run_id, ctx.as_of, ctx.fiscal_year, json.dumps(fingerprints), _code_version(),
            dbt_version, airflow.__version__, json.dumps(audited.get("row_counts", {})),
            json.dumps(ingested), ctx.started_by,
        ],
    )  # fmt: skip
