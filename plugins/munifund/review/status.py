"""A run's review status as the bureau reads it: the status, who decided and when.

One reading for the page's status line, the workbook's summary, the served page (read live,
``munifund.web.app``) and `munifund review list`, so that none of them says 草稿 / draft of a
run the bureau decided. The published run records (``RUNS``) derive a run's status from the
decision log; a revoked decision leaves the run a draft there, which hides that it was decided and
withdrawn, so a draft whose last decision is a revocation reads ``revoked``, with who revoked it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import dict_row

from munifund.review.labels import labels_by_vocabulary

#: the published run records, one row per published run (a view the migrations make): read here
#: and through this name only
RUNS = "published.allocation_runs"

#: the run's last decision, beside its derived status (``published.review_decisions``)
LAST_DECISION = """
    left join lateral (
        select decision.decision as last_decision, decision.decided_by as last_decided_by,
            decision.decided_at as last_decided_at, decision.comment as last_comment,
            decision.decision_id as last_decision_id
        from published.review_decisions decision
        where decision.run_id = runs.run_id
        order by decision.decision_id desc
        limit 1
    ) last on true
"""


@dataclass(frozen=True)
class RunStatus:
    """What the status line says of a run."""

    code: str
    decided_by: str | None = None
    decided_at: dt.datetime | None = None
    comment: str | None = None
    superseded_by: str | None = None
    #: the standing decision (an approval or rejection), which a revocation names
    decision_id: int | None = None

    @property
    def zh(self) -> str:
        label = labels_by_vocabulary().get("review_status", {}).get(self.code)
        return label.zh if label else self.code

    @property
    def en(self) -> str:
        label = labels_by_vocabulary().get("review_status", {}).get(self.code)
        return label.en if label else self.code

    @property
    def is_draft(self) -> bool:
        return self.code == "draft"


def run_status(run: dict[str, Any]) -> RunStatus:
    """The status of a row of ``RUNS`` (with ``LAST_DECISION``'s columns
    when read with them)."""
    code = str(run.get("review_status") or "draft")
    superseded_by = run.get("superseded_by_run_id")
    if code in ("approved", "rejected"):
        return RunStatus(
            code,
            run.get("reviewer"),
            run.get("reviewed_at"),
            run.get("review_comment"),
            superseded_by,
            run.get("review_decision_id"),
        )
    if run.get("last_decision") == "revoked":
        # withdrawn: a draft again (or superseded, when a later run replaced its rows meanwhile)
        return RunStatus(
            "revoked" if code == "draft" else code,
            run.get("last_decided_by"),
            run.get("last_decided_at"),
            run.get("last_comment"),
            superseded_by,
        )
    return RunStatus(code, superseded_by=superseded_by)


def read_run_status(conn: psycopg.Connection, run_id: str) -> RunStatus | None:
    """The status of ``run_id`` now; None for a run that is not published."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(
            f"select runs.*, last.* from {RUNS} runs {LAST_DECISION} where runs.run_id = %s",
            [run_id],
        ).fetchone()
    return run_status(row) if row else None


@dataclass(frozen=True)
class SupersededApproval:
    """An approved run whose rows a later run of the same as-of date replaced."""

    run_id: str
    decided_by: str
    decided_at: dt.datetime
    decision_id: int


def superseded_approvals(conn: psycopg.Connection, run_id: str) -> list[SupersededApproval]:
    """The approved runs that ``run_id`` superseded (it re-ran their as-of date). Their approval
    stands, with the allocation it froze: the plan in force stays theirs until ``run_id`` is
    approved (domain.md, the plan in force is the latest standing approval)."""
    rows = conn.execute(
        f"select run_id, reviewer, reviewed_at, review_decision_id from {RUNS}"
        " where superseded_by_run_id = %s and review_status = 'approved'"
        " order by reviewed_at, run_id",
        [run_id],
    ).fetchall()
    return [SupersededApproval(*row) for row in rows]


def run_as_of(conn: psycopg.Connection, run_id: str) -> dt.date | None:
    """The as-of date of a published run; None for a run that is not published."""
    row = conn.execute(f"select as_of_date from {RUNS} where run_id = %s", [run_id]).fetchone()
    return row[0] if row else None


def runs_with_status(conn: psycopg.Connection, limit: int) -> list[dict[str, Any]]:
    """The latest published runs, each row with its last decision's columns (``run_status``)."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            f"select runs.*, last.* from {RUNS} runs {LAST_DECISION}"
            " order by runs.as_of_date desc, runs.published_at desc limit %s",
            [limit],
        ).fetchall()


def approved_as_of_dates(conn: psycopg.Connection) -> set[dt.date]:
    """The as-of dates whose current run (no later run of the date replaced it) stands approved:
    what may be shown to the public. A re-run, a rejection or a revocation takes a date off."""
    rows = conn.execute(
        f"select as_of_date from {RUNS}"
        " where superseded_by_run_id is null and review_status = 'approved'"
    ).fetchall()
    return {row[0] for row in rows}
