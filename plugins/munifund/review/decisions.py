"""The finance bureau's decisions on published runs: an append-only log that no application role
can rewrite, and each run's current state derived from it.

The warehouse keeps the rules (revision 0014): the log, the approved copies and the reviewers
belong to `munifund_decisions`, a role nobody logs in as, and a decision is recorded only by
`ops.record_review_decision`, which checks it and stamps who made it. This module calls it and
turns a refusal into a ReviewError. The rules:

- every decision is a new row of `ops.review_decisions`, never changed or deleted;
- a run with a standing decision (an approval or rejection that nobody revoked) is decided again
  only by naming that decision (`revokes`) and giving a reason: nothing is overwritten silently;
- `revoked` withdraws the standing decision, with a reason; the run is a draft again; a
  rejection needs a reason too;
- the person who started a run cannot approve it (four eyes), names compared as identities
  (`munifund.identity`: `ｒｏｏｔ` and `root` + U+200B are root);
- an approval freezes a copy of the run's district allocation, keyed by the decision, and that
  copy stays whatever is decided later;
- a run whose rows a later run of the same as-of date replaced (`superseded_by_run_id`) is not
  approved: the later run is;
- approving a run older than the fiscal year's plan in force (the standing approval decided
  last) replaces that newer allocation, so it is refused unless asked for (`replaces_newer`),
  and the decision names the approval it replaced.

Who decides is the login: a reviewer's own (`munifund review --by NAME`, a role
`reviewer:<identity>` created by `munifund reviewer add`), whose name is recorded, whatever the
caller says; or the pipeline's, for the DAG's approval step only, which names the Airflow user
who answered (`reviewer`). A run's review status is `ops.run_reviews`, derived from the log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import psycopg

from munifund.config import CITY_TIMEZONE
from munifund.identity import same_person  # noqa: F401 - the review's own name for it

DECISIONS = ("approved", "rejected", "revoked")
DECISION_COLUMNS = (
    "decision_id, run_id, decision, decided_by, decided_at, comment, revokes_decision_id"
)
# the SQLSTATE of a decision ops.record_review_decision refused, with the reason as its message
REFUSED = "MF001"


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
    #: an approval of a run older than the plan in force: the approval it replaced, and its run
    replaced_decision_id: int | None = None
    replaced_run_id: str | None = None

    def describe(self) -> str:
        at = self.decided_at.astimezone(CITY_TIMEZONE).isoformat(sep=" ", timespec="seconds")
        return f"decision {self.decision_id}, {self.decision} by {self.decided_by} at {at}"


def record_decision(
    conn: psycopg.Connection,
    run_id: str,
    decision: str,
    reviewer: str | None,
    comment: str | None,
    revokes: int | None = None,
    *,
    replaces_newer: bool = False,
) -> Decision:
    """Record a decision on a published run, or raise ReviewError and record nothing.

    `reviewer` is the Airflow user who answered the approval step, on the pipeline's login; on
    a reviewer's login it is None (the login is who decides)."""
    if decision not in DECISIONS:
        raise ReviewError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    if reviewer is not None and not reviewer.strip():
        raise ReviewError("say who decides (--by NAME)")
    try:
        with conn.transaction():
            made, replaced_id, replaced_run = conn.execute(  # type: ignore[misc]
                "select * from ops.record_review_decision(%s, %s, %s, %s, %s, %s)",
                [run_id, decision, comment, revokes, replaces_newer, reviewer],
            ).fetchone()
            row = conn.execute(
                f"select {DECISION_COLUMNS} from ops.review_decisions where decision_id = %s",
                [made],
            ).fetchone()
    except psycopg.Error as err:
        if err.sqlstate == REFUSED and err.diag.message_primary:
            raise ReviewError(err.diag.message_primary) from None
        raise
    return Decision(*row, replaced_decision_id=replaced_id, replaced_run_id=replaced_run)  # type: ignore[misc]


def standing_decision(conn: psycopg.Connection, run_id: str) -> Decision | None:
    """The run's approval or rejection in force, if any."""
    row = conn.execute(
        f"select {DECISION_COLUMNS} from ops.standing_review_decisions where run_id = %s"
        " order by decision_id desc limit 1",
        [run_id],
    ).fetchone()
    return Decision(*row) if row else None
