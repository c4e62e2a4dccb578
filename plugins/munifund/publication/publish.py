"""Publication: the audited candidate replaces its as-of date in `published`, in one transaction,
and the run is recorded in `ops.allocation_runs`; the earlier runs of the same as-of date, whose
rows it replaced, name it (`superseded_by_run_id`) and, when undecided, become `superseded`.

Readers see the previous rows or the new ones, never a mix (MVCC). Every as-of date stays in
`published`, so a past run can be reviewed and compared. The published tables themselves are
the migrations' (munifund/warehouse/schema): publication never creates or alters a table.
"""

from __future__ import annotations

import json
import os
import subprocess

import psycopg
from psycopg import sql

from munifund.catalog import reference_tables
from munifund.config import PROJECT_ROOT
from munifund.publication import RunContext
from munifund.publication.audit import built_marts

#: Set by `munifund run` (the tasks run in its process): the operating-system user who ran it,
#: recorded as `started_by_login`, whom four eyes refuses whatever `--by` declared.
RUN_LOGIN_VARIABLE = "MUNIFUND_RUN_LOGIN"


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
    references = reference_tables()
    with conn.transaction():
        for mart in marts:
            _publish_mart(conn, mart, ctx, counted[mart])
        for reference in references:
            _publish_reference(conn, reference)
        _record_run(conn, ctx, ingested, audited)
        _record_run_figures(conn, ctx)
    return [*marts, *references]


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


def _published_columns(conn: psycopg.Connection, mart: str) -> sql.Composable:
    """The mart's column list, refused when it differs from its published table's."""
    built = column_names(conn, "audit", mart)
    published = column_names(conn, "published", mart)
    if built != published:
        raise SchemaDrift(
            f"audit.{mart} has the columns {built}, published.{mart} has {published}: a model"
            " changed without a warehouse migration (munifund/warehouse/schema/versions);"
            " nothing was published"
        )
    return sql.SQL(", ").join(sql.Identifier(n) for n in built)


def _publish_mart(conn: psycopg.Connection, mart: str, ctx: RunContext, audited_rows: int) -> None:
    """Replace the run's as-of date in published.<mart> with the audited run's rows."""
    names = _published_columns(conn, mart)
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
    _copy_descriptions(conn, mart)


def _publish_reference(conn: psycopg.Connection, mart: str) -> None:
    """Replace a reference mart (not stamped with a run) whole."""
    names = _published_columns(conn, mart)
    target = sql.Identifier("published", mart)
    conn.execute(sql.SQL("delete from {}").format(target))
    conn.execute(
        sql.SQL("insert into {} ({}) select {} from {}").format(
            target, names, names, sql.Identifier("audit", mart)
        )
    )
    _copy_descriptions(conn, mart)


def descriptions(conn: psycopg.Connection, schema: str, table: str) -> dict[str | None, str | None]:
    """A table's description (key None) and its columns', as COMMENT ON holds them."""
    regclass = sql.Identifier(schema, table).as_string(conn)
    table_text = conn.execute(
        "select obj_description(%s::regclass, 'pg_class')", [regclass]
    ).fetchone()[0]  # type: ignore[index]
    columns = conn.execute(
        "select attname, col_description(attrelid, attnum) from pg_attribute"
        " where attrelid = %s::regclass and attnum > 0 and not attisdropped",
        [regclass],
    ).fetchall()
    return {None: table_text, **dict(columns)}


def _copy_descriptions(conn: psycopg.Connection, mart: str) -> None:
    """dbt writes the models' docs on the audit tables (persist_docs); analysts read them on the
    published ones. Only what changed is written again."""
    built, published = descriptions(conn, "audit", mart), descriptions(conn, "published", mart)
    for column, text in built.items():
        if text == published.get(column):
            continue
        if column is None:
            conn.execute(
                sql.SQL("comment on table {} is {}").format(
                    sql.Identifier("published", mart), sql.Literal(text)
                )
            )
        else:
            conn.execute(
                sql.SQL("comment on column {} is {}").format(
                    sql.Identifier("published", mart, column), sql.Literal(text)
                )
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
    parameters, devolved, coverage = _run_parameters(conn, ctx)
    conn.execute(
        "insert into ops.allocation_runs (run_id, as_of_date, fiscal_year, input_fingerprints,"
        " code_version, dbt_version, airflow_version, row_counts, ingest_summary, parameters,"
        " started_by, started_by_login, devolved_from_city_yuan, city_coverage)"
        " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " on conflict (run_id) do update set as_of_date = excluded.as_of_date,"
        "  fiscal_year = excluded.fiscal_year, input_fingerprints = excluded.input_fingerprints,"
        "  code_version = excluded.code_version, row_counts = excluded.row_counts,"
        "  ingest_summary = excluded.ingest_summary, parameters = excluded.parameters,"
        "  devolved_from_city_yuan = excluded.devolved_from_city_yuan,"
        "  city_coverage = excluded.city_coverage,"
        "  published_at = now(),"
        "  started_by = coalesce(ops.allocation_runs.started_by, excluded.started_by),"
        "  started_by_login = coalesce(ops.allocation_runs.started_by_login,"
        "   excluded.started_by_login),"
        # published again, its rows are the date's once more
        "  superseded_by_run_id = null",
        [
            ctx.run_id, ctx.as_of, ctx.fiscal_year, json.dumps(fingerprints), _code_version(),
            dbt_version, airflow.__version__, json.dumps(audited.get("row_counts", {})),
            json.dumps(ingested), json.dumps(parameters), ctx.started_by,
            os.environ.get(RUN_LOGIN_VARIABLE), devolved, coverage,
        ],
    )  # fmt: skip
    _supersede_earlier_runs(conn, ctx)


def _run_parameters(conn: psycopg.Connection, ctx: RunContext) -> tuple[dict, object, object]:
    """Every parameter the run's allocation was computed with (audit.run_parameters, which dbt
    built from the values its models used), then sum(F) and the city-wide coverage."""
    if conn.execute("select to_regclass('audit.run_parameters')").fetchone()[0] is None:  # type: ignore[index]
        return {}, None, None
    row = conn.execute(
        "select jsonb_build_object('pool_yuan', pool_yuan, 'incentive_share', incentive_share,"
        " 'incentive_basis', incentive_basis, 'score_threshold', score_threshold,"
        " 'payment_schedule', payment_schedule, 'enforcement_pass_score',"
        " enforcement_pass_score), devolved_from_city_yuan, city_coverage"
        " from audit.run_parameters where run_id = %s and as_of_date = %s",
        [ctx.run_id, ctx.as_of],
    ).fetchone()
    if row is None:
        # no pool for the year: the audit refuses such a run before it gets here
        return {}, None, None
    return row[0], row[1], row[2]


def _record_run_figures(conn: psycopg.Connection, ctx: RunContext) -> None:
    """The run's district figures that a plan adjustment's drivers compare, appended to
    ops.published_run_figures: the published rows of a date are replaced by its next run, and an
    approved run's drivers must still be found (the plan adjustments' view reads them)."""
    present = conn.execute("select to_regclass('audit.budget_run_figures')").fetchone()[0]  # type: ignore[index]
    if present is None:
        return
    conn.execute(
        "insert into ops.published_run_figures (run_id, fiscal_year, as_of_date, district_code,"
        " total_yuan, standard_cost_yuan, unit_days, assessment_score, pool_yuan,"
        " transfers_known, rate_standards_known)"
        " select run_id, fiscal_year, as_of_date, district_code, total_yuan, standard_cost_yuan,"
        " unit_days, assessment_score, pool_yuan, transfers_known, rate_standards_known"
        " from audit.budget_run_figures where run_id = %s and as_of_date = %s",
        [ctx.run_id, ctx.as_of],
    )


def _supersede_earlier_runs(conn: psycopg.Connection, ctx: RunContext) -> None:
    """The runs of the same as-of date whose rows this run just replaced name it; those without
    a standing decision are then `superseded` (ops.run_reviews derives it; the warehouse
    refuses to approve them)."""
    conn.execute(
        "update ops.allocation_runs set superseded_by_run_id = %s"
        " where as_of_date = %s and run_id <> %s and superseded_by_run_id is null",
        [ctx.run_id, ctx.as_of, ctx.run_id],
    )
