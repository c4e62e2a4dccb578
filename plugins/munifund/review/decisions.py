"""The finance bureau's decisions on published runs: an append-only log, and each run's current
state derived from it.

The Airflow approval step and `munifund review approve|reject|revoke` both end in
`record_decision`, so the same rules hold whichever way the bureau decides:

- every decision is a new row of `ops.review_decisions`, never changed or deleted (the
  migrations make the table append-only);
- a run with a standing decision (an approval or rejection that nobody revoked) is decided again
  only by naming that decision (`revokes`) and giving a reason: nothing is overwritten silently;
- `revoked` withdraws the standing decision, with a reason; the run is a draft again;
- the person who started a run cannot approve it (four eyes);
- an approval freezes a copy of the run's district allocation, keyed by the decision, and that
  copy stays whatever is decided later;
- a run whose rows a later run of the same as-of date replaced (`superseded_by_run_id`) is not
  approved: the later run is.

`ops.allocation_runs` keeps the run's current state (`review_status`, `reviewer`,
`reviewed_at`, `review_comment`, `review_decision_id`): the standing decision, derived from the
log in the same transaction as the decision; without one, `superseded` when a later run replaced
it, else `draft`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import psycopg
from psycopg import sql

from munifund.config import CITY_TIMEZONE

DECISIONS = ("approved", "rejected", "revoked")
DECISION_COLUMNS = (
    "decision_id, run_id, decision, decided_by, decided_at, comment, revokes_decision_id"
)


class ReviewError(RuntimeError):
    """The decision was refused and not recorded; the message says why and what to do."""


@dataclass(frozen=True)
class Decision:
    decision_id: int
    run_id: str
    decision: str
    decided_by: str
    decided_at: dt.datetime
    comment: str | None
    revokes_decision_id: int | None

    def describe(self) -> str:
        at = self.decided_at.astimezone(CITY_TIMEZONE).isoformat(sep=" ", timespec="seconds")
        return f"decision {self.decision_id}, {self.decision} by {self.decided_by} at {at}"


def same_person(a: str | None, b: str | None) -> bool:
    return bool(a and b) and a.strip().casefold() == b.strip().casefold()  # type: ignore[union-attr]


def record_decision(
    conn: psycopg.Connection,
    run_id: str,
    decision: str,
    reviewer: str,
    comment: str | None,
    revokes: int | None = None,
) -> Decision:
    """Record a decision on a published run, or raise ReviewError and record nothing."""
    if decision not in DECISIONS:
        raise ReviewError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    reviewer = reviewer.strip()
    if not reviewer:
        raise ReviewError("say who decides (--by NAME)")
    comment = (comment or "").strip() or None
    with conn.transaction():
        # the run's row, locked: two decisions on one run are made one after the other
        run = conn.execute(
            "select started_by, superseded_by_run_id, as_of_date from ops.allocation_runs"
            " where run_id = %s for update",
            [run_id],
        ).fetchone()
        if not run:
            raise ReviewError(
                f"no published run {run_id!r}: see `select run_id, as_of_date, review_status from"
                " published.allocation_runs order by published_at desc`"
            )
        if decision == "approved" and same_person(run[0], reviewer):
            raise ReviewError(
                f"{reviewer} started run {run_id} and so cannot approve it: another person of the"
                " finance bureau approves it (four eyes)"
            )
        if decision == "approved" and run[1] is not None:
            raise ReviewError(
                f"run {run_id} is superseded: run {run[1]} replaced its figures for {run[2]}, so"
                f" approve that run instead (--run {run[1]})"
            )
        _check_revocation(conn, run_id, decision, revokes, comment)
        made = Decision(
            *conn.execute(  # type: ignore[misc]
                "insert into ops.review_decisions (run_id, decision, decided_by, comment,"
                f" revokes_decision_id) values (%s, %s, %s, %s, %s) returning {DECISION_COLUMNS}",
                [run_id, decision, reviewer, comment, revokes],
            ).fetchone()
        )
        if decision == "approved":
            _freeze_approved_copy(conn, made)
        _derive_run_state(conn, run_id)
    return made


def standing_decision(conn: psycopg.Connection, run_id: str) -> Decision | None:
    """The run's approval or rejection in force, if any."""
    row = conn.execute(
        f"select {DECISION_COLUMNS} from ops.standing_review_decisions where run_id = %s"
        " order by decision_id desc limit 1",
        [run_id],
    ).fetchone()
    return Decision(*row) if row else None


def _check_revocation(
    conn: psycopg.Connection, run_id: str, decision: str, revokes: int | None, comment: str | None
) -> None:
    """A decided run is decided again only by revoking its standing decision, with a reason."""
    standing = standing_decision(conn, run_id)
    if revokes is None:
        if standing is not None:
            raise ReviewError(
                f"run {run_id} already has a standing decision ({standing.describe()}): to"
                f" change it, revoke that decision with a reason: --revokes"
                f" {standing.decision_id} --comment WHY"
            )
        if decision == "revoked":
            raise ReviewError(f"run {run_id} has no standing decision to revoke: it is a draft")
        return
    if comment is None:
        raise ReviewError(f"revoking decision {revokes} needs a reason: --comment WHY")
    if standing is None or standing.decision_id != revokes:
        now = f"its standing decision is {standing.decision_id}" if standing else "it is a draft"
        raise ReviewError(
            f"decision {revokes} is not the standing decision of run {run_id} ({now}): only the"
            " decision in force can be revoked; see published.review_decisions"
        )


def _freeze_approved_copy(conn: psycopg.Connection, approval: Decision) -> None:
    """What was approved, kept: a later re-run of the same date replaces the published rows,
    and a later decision may revoke the approval, but this copy stays."""
    from munifund.publication.publish import column_names

    names = sql.SQL(", ").join(
        sql.Identifier(name) for name in column_names(conn, "published", "district_allocation")
    )
    copied = conn.execute(
        sql.SQL(
            "insert into ops.approved_district_allocation ({}, decision_id)"
            " select {}, %s from published.district_allocation where run_id = %s"
        ).format(names, names),
        [approval.decision_id, approval.run_id],
    ).rowcount
    if copied == 0:
        raise ReviewError(
            f"run {approval.run_id!r} is no longer the published one for its date (a later run of"
            " the same date replaced it): approve the latest run of that date instead"
        )


def _derive_run_state(conn: psycopg.Connection, run_id: str) -> None:
    """The run's review columns from the log: the standing decision; without one, `superseded`
    when a later run of the same date replaced the run's rows, else `draft`."""
    conn.execute(
        """
        update ops.allocation_runs runs set
            review_status = coalesce(
                standing.decision,
                case when runs.superseded_by_run_id is null then 'draft' else 'superseded' end
            ),
            reviewer = standing.decided_by,
            reviewed_at = standing.decided_at,
            review_comment = standing.comment,
            review_decision_id = standing.decision_id
        from (select %s::text as run_id) this
        left join ops.standing_review_decisions standing using (run_id)
        where runs.run_id = this.run_id
        """,
        [run_id],
    )
