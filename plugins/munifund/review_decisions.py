"""The finance bureau's decision on a published run, recorded in ops.allocation_runs.

The Airflow approval step and `munifund review approve|reject` both end here, so the record is
the same whichever way the bureau decides.
"""

from __future__ import annotations

from munifund.warehouse import ensure_warehouse

DECISIONS = ("approved", "rejected")


class ReviewError(RuntimeError):
    pass


def record_decision(run_id: str, decision: str, reviewer: str, comment: str | None) -> None:
    if decision not in DECISIONS:
        raise ReviewError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    if not reviewer.strip():
        raise ReviewError("say who decides (--by NAME)")
    with ensure_warehouse().connect() as conn:
        updated = conn.execute(
            "update ops.allocation_runs set review_status = %s, reviewer = %s,"
            " reviewed_at = now(), review_comment = %s where run_id = %s",
            [decision, reviewer.strip(), comment, run_id],
        ).rowcount
    if updated == 0:
        raise ReviewError(
            f"no published run {run_id!r}: see `select run_id, as_of_date from"
            " published.allocation_runs order by published_at desc`"
        )
