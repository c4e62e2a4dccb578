"""The nightly DAG's Python task bodies; the DAG file only wires these together.

Each takes the run's as-of date and Airflow run id, never the clock, so a task re-run for a
date does the same thing. Each reaches the warehouse through the Airflow connection
(`task_warehouse`) and hands the work to the room that does it: `ingest`, `publication`,
`review`.

The two that write what a run is made of, `ingest_landing_task` and `publish_task`, hold the
warehouse's run lock (`munifund.warehouse.run_lock`) while they work, so that a scheduled run
and a `munifund run` by hand never load or publish at the same time; a task that finds it held
fails, naming the holder, and Airflow retries it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from munifund.config import PROJECT_ROOT, load_settings
from munifund.publication import RunContext
from munifund.warehouse import task_warehouse


def _context(as_of: str | None, run_id: str | None) -> RunContext:
    if not as_of or not run_id:
        raise ValueError("a task needs the logical date (ds) and the run id")
    return RunContext(dt.date.fromisoformat(as_of), run_id)


def run_starter(dag_run: Any) -> str:
    """Who started an Airflow run: the user who triggered it, else "scheduler" for a scheduled
    run. Inside `munifund run`, the runner's own record wins (`hold_run_lock`)."""
    user = getattr(dag_run, "triggering_user_name", None)
    if user:
        return str(user)
    run_type = str(getattr(dag_run, "run_type", "") or "").lower()
    return "scheduler" if run_type.endswith("scheduled") else f"airflow ({run_type or 'unknown'})"


@contextmanager
def _run_lock(task: str, ctx: RunContext, started_by: str | None) -> Iterator[RunContext]:
    """The run lock for a task, and the run's context with who started it."""
    from munifund.warehouse.run_lock import RunHolder, hold_run_lock

    holder = RunHolder(task, ctx.as_of, started_by or "unknown", run_id=ctx.run_id)
    with hold_run_lock(task_warehouse(), holder) as held:
        yield replace(ctx, started_by=held.started_by)


def _landing_path(landing: str):
    """The landing area as an ObjectStoragePath: a local folder or any object-store URL."""
    from airflow.sdk import ObjectStoragePath

    if "://" not in landing:
        landing = "file://" + str(PROJECT_ROOT.joinpath(landing).resolve())
    return ObjectStoragePath(landing)


def ingest_landing_task(
    as_of: str | None, run_id: str | None, started_by: str | None = None
) -> dict:
    from munifund.ingest.freshness import source_ages
    from munifund.ingest.loader import ingest
    from munifund.warehouse.migrate import require_current_schema

    with _run_lock("ingest_landing", _context(as_of, run_id), started_by) as ctx:
        with task_warehouse().connect() as conn:
            require_current_schema(conn)
            report = ingest(conn, _landing_path(load_settings().landing), ctx.as_of, ctx.run_id)
            ages = source_ages(conn, ctx.as_of)
    return {**report.as_dict(), "source_age_days": ages}


def audit_task(as_of: str | None, run_id: str | None) -> dict:
    from munifund.publication.audit import audit_candidate

    ctx = _context(as_of, run_id)
    with task_warehouse().connect() as conn:
        return audit_candidate(conn, ctx)


def publish_task(
    as_of: str | None,
    run_id: str | None,
    ingested: dict,
    audited: dict,
    started_by: str | None = None,
) -> dict:
    from munifund.publication.publish import publish_candidate

    with _run_lock("publish_allocation", _context(as_of, run_id), started_by) as ctx:
        with task_warehouse().connect() as conn:
            marts = publish_candidate(conn, ctx, ingested, audited)
    return {"as_of_date": ctx.as_of.isoformat(), "run_id": ctx.run_id, "marts": marts}


def review_pack_task(as_of: str | None, published: dict) -> str:
    from munifund.review.pack import write_review_pack

    with task_warehouse().connect() as conn:
        path = write_review_pack(
            conn, dt.date.fromisoformat(str(as_of)), load_settings().reviews_dir
        )
    return str(path)


def receipts_task(as_of: str | None, run_id: str | None, context: Any = None) -> dict:
    """Each sender's receipt of what this run took of its deliveries, written under
    `$MUNIFUND_HOME/receipts/` and mailed to the sender's address in `contacts`. A receipt that
    cannot be written is logged and named in the result, and fails nothing: the run's outcome is
    the warehouse's (notify.py's rule for mail)."""
    import logging

    from munifund.ingest.receipt_files import write_receipt
    from munifund.ingest.receipts import run_receipts
    from munifund.notify import contact_addresses, mail_receipts

    ctx = _context(as_of, run_id)
    with task_warehouse().connect() as conn:
        receipts = run_receipts(conn, ctx.as_of, ctx.run_id)
        addresses = contact_addresses(conn, ctx.as_of)
    home = load_settings().home
    written, unwritten = [], []
    for receipt in receipts:
        try:
            written.append((receipt, write_receipt(receipt, home)))
        except OSError as err:
            logging.getLogger(__name__).error("receipt of %s not written: %s", receipt.sender, err)
            unwritten.append(receipt.sender)
    mailed = mail_receipts(context or {}, addresses, written)
    return {
        "receipts": {r.sender: str(files.html.parent) for r, files in written},
        "mailed": mailed,
        "unwritten": unwritten,
    }
