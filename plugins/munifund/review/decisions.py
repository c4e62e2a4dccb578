"""The finance bureau's decision on a published run, recorded in ops.allocation_runs.

The Airflow approval step and `munifund review approve|reject` both end here, so the record is
the same whichever way the bureau decides.
"""

from __future__ import annotations

import psycopg

DECISIONS = ("approved", "rejected")


class ReviewError(RuntimeError):
    pass


def record_decision(
    conn: psycopg.Connection, run_id: str, decision: str, reviewer: str, comment: str | None
) -> None:
    """Record the decision; an approval also freezes a copy of the run's district allocation.

    The copy (`ops.approved_district_allocation`, from the migrations) is what
    `published.approved_district_allocation` shows, so a later re-run of the
    same date (which replaces the published rows) never changes what was approved.
    """
    if decision not in DECISIONS:
        raise ReviewError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    if not reviewer.strip():
        raise ReviewError("say who decides (--by NAME)")
    with conn.transaction():
        known = conn.execute(
            "select 1 from ops.allocation_runs where run_id = %s for update", [run_id]
        ).fetchone()
        if not known:
            raise ReviewError(
                f"no published run {run_id!r}: see `select run_id, as_of_date, review_status from"
                " published.allocation_runs order by published_at desc`"
            )
        conn.execute("delete from ops.approved_district_allocation where run_id = %s", [run_id])
        if decision == "approved":
            copied = conn.execute(
                "insert into ops.approved_district_allocation"
                " select * from published.district_allocation where run_id = %s",
                [run_id],
            ).rowcount
            if copied == 0:
                raise ReviewError(
                    f"run {run_id!r} is no longer the published one for its date (a later run of"
                    " the same date replaced it): approve the latest run of that date instead"
                )
        conn.execute(
            "update ops.allocation_runs set review_status = %s, reviewer = %s,"
            " reviewed_at = now(), review_comment = %s where run_id = %s",
            [decision, reviewer.strip(), comment, run_id],
        )
