"""One run at a time, and no decision lost: who holds the run lock, who started a run, and the
finance bureau's decisions as an append-only log.

- `ops.run_locks`: one row each time the run lock (`munifund.warehouse.run_lock`) is taken.
- `ops.allocation_runs.started_by`: who started the run (four eyes: that person cannot approve
  it); `review_decision_id`: the standing decision, whose reviewer, time and comment the
  columns `review_status`, `reviewer`, `reviewed_at`, `review_comment` repeat.
- `ops.review_decisions`: every decision, never updated or deleted; a decision is changed only
  by a later one that revokes it, with a reason. `published.review_decisions` shows the log.
- `ops.approved_district_allocation` keeps one copy per approving decision, and
  `published.approved_district_allocation` shows the latest approval still standing per year.

Decisions recorded before this revision (the columns of `ops.allocation_runs`) become the first
entries of the log, and the approved copies are keyed by them.

Revision ID: 0005_run_lock_and_decision_log
Revises: 0004_streets_assessment
"""

from alembic import op

revision = "0005_run_lock_and_decision_log"
down_revision = "0004_streets_assessment"
branch_labels = None
depends_on = None

PIPELINE = "munifund_pipeline"
APPEND_ONLY = ("ops.review_decisions", "ops.approved_district_allocation")


def upgrade() -> None:
    op.execute(f"set local role {PIPELINE}")
    _run_locks()
    _decision_log()
    _carry_over_recorded_decisions()
    _approved_copy_per_decision()
    _append_only()
    _published_views()


def downgrade() -> None:
    raise NotImplementedError("the warehouse schema is not downgraded")


def _run_locks() -> None:
    # The lock itself is a session-level advisory lock, which PostgreSQL drops with its session;
    # a row here only names who took it. The live holder is the row whose backend (pid and start
    # time, so that a reused pid is not mistaken for it) holds the lock now: a row left by a
    # killed process is history, never a false "busy".
    op.execute(
        """
        create table ops.run_locks (
            lock_id       bigint      generated always as identity primary key,
            token         text        not null unique,  -- handed to the holder's own tasks
            holder        text        not null,         -- `munifund run` or the task's id
            as_of_date    date        not null,
            run_id        text,                         -- the Airflow run, when known
            started_by    text        not null,
            acquired_at   timestamptz not null default now(),
            client_pid    integer     not null,
            client_host   text        not null,
            backend_pid   integer     not null,
            backend_start timestamptz not null
        )
        """
    )
    op.execute("create index run_locks_backend_idx on ops.run_locks (backend_pid, backend_start)")


def _decision_log() -> None:
    op.execute(
        """
        create table ops.review_decisions (
            decision_id         bigint      generated always as identity primary key,
            run_id              text        not null references ops.allocation_runs (run_id),
            decision            text        not null
                check (decision in ('approved', 'rejected', 'revoked')),
            decided_by          text        not null check (btrim(decided_by) <> ''),
            decided_at          timestamptz not null default now(),
            comment             text,
            -- a decision is revoked once at most, by a later decision on the same run
            revokes_decision_id bigint      unique,
            unique (run_id, decision_id),
            foreign key (run_id, revokes_decision_id)
                references ops.review_decisions (run_id, decision_id),
            check (revokes_decision_id is null or btrim(coalesce(comment, '')) <> ''),
            check (decision <> 'revoked' or revokes_decision_id is not null)
        )
        """
    )
    # Standing: an approval or rejection that no later decision revoked. record_decision keeps
    # at most one per run (it locks the run's row and refuses a decision that does not revoke
    # the standing one).
    op.execute(
        """
        create view ops.standing_review_decisions as
        select decision.*
        from ops.review_decisions decision
        where decision.decision in ('approved', 'rejected')
            and not exists (
                select from ops.review_decisions later
                where later.revokes_decision_id = decision.decision_id
            )
        """
    )
    op.execute("alter table ops.allocation_runs add column started_by text")
    op.execute("alter table ops.allocation_runs add column review_decision_id bigint")
    op.execute(
        "alter table ops.allocation_runs add constraint allocation_runs_review_decision_fkey"
        " foreign key (run_id, review_decision_id)"
        " references ops.review_decisions (run_id, decision_id)"
    )


def _carry_over_recorded_decisions() -> None:
    op.execute(
        """
        insert into ops.review_decisions (run_id, decision, decided_by, decided_at, comment)
        select run_id, review_status, coalesce(nullif(btrim(reviewer), ''), 'unknown'),
            coalesce(reviewed_at, published_at), review_comment
        from ops.allocation_runs
        where review_status <> 'draft'
        order by coalesce(reviewed_at, published_at), run_id
        """
    )
    op.execute(
        """
        update ops.allocation_runs runs set review_decision_id = decision.decision_id
        from ops.review_decisions decision
        where decision.run_id = runs.run_id
        """
    )


def _approved_copy_per_decision() -> None:
    # Until now a rejection deleted the copy, so every copy belongs to a run still approved.
    op.execute(
        """
        do $$
        begin
            if exists (
                select from ops.approved_district_allocation approved
                join ops.allocation_runs runs using (run_id)
                where runs.review_status <> 'approved'
            ) then
                raise exception 'ops.approved_district_allocation holds rows of runs that are'
                    ' not approved: keep them elsewhere, delete them, and migrate again';
            end if;
        end
        $$
        """
    )
    op.execute(
        "alter table ops.approved_district_allocation add column decision_id bigint"
        " references ops.review_decisions (decision_id)"
    )
    op.execute(
        """
        update ops.approved_district_allocation approved
        set decision_id = runs.review_decision_id
        from ops.allocation_runs runs
        where runs.run_id = approved.run_id
        """
    )
    op.execute("alter table ops.approved_district_allocation alter column decision_id set not null")
    op.execute(
        "alter table ops.approved_district_allocation add primary key (decision_id, district_code)"
    )


def _append_only() -> None:
    # Append-only in fact, not by convention: the pipeline's role (their owner) keeps only
    # select and insert, and a trigger refuses a rewrite even to a role that has the right, a
    # superuser included. Undoing either is DDL, done on purpose and visible in the catalog.
    op.execute(
        """
        create function ops.refuse_rewrite() returns trigger language plpgsql as $$
        begin
            raise exception '%.% is append-only: % refused', tg_table_schema, tg_table_name, tg_op
                using hint = 'a decision changes by a later decision that revokes it, with a'
                    ' reason: munifund review approve|reject|revoke --revokes DECISION_ID';
        end
        $$
        """
    )
    for table in APPEND_ONLY:
        name = table.split(".")[1]
        op.execute(f"revoke update, delete, truncate on {table} from public, {PIPELINE}")
        op.execute(
            f"create trigger {name}_append_only before update or delete or truncate on {table}"
            " for each statement execute function ops.refuse_rewrite()"
        )
    # A foreign key's check locks the decision referred to (`for key share`), which needs the
    # right to update some column: the identity, which no update may set (the trigger refuses).
    op.execute(f"grant update (decision_id) on ops.review_decisions to {PIPELINE}")


def _published_views() -> None:
    op.execute(
        """
        create or replace view published.allocation_runs as
        select
            run_id, as_of_date, fiscal_year, input_fingerprints, code_version, dbt_version,
            airflow_version, row_counts, published_at, review_status, reviewer, reviewed_at,
            review_comment, parameters, started_by, review_decision_id
        from ops.allocation_runs
        """
    )
    for column, text in {
        "parameters": "The rule parameters the allocation was built with (incentive_basis).",
        "started_by": "Who started the run (scheduler, an Airflow user, or `munifund run --by`);"
        " that person cannot approve it (four eyes).",
        "review_decision_id": "The standing decision (published.review_decisions), if any.",
    }.items():
        quoted = text.replace("'", "''")
        op.execute(f"comment on column published.allocation_runs.{column} is '{quoted}'")
    op.execute(
        """
        create view published.review_decisions as
        select
            runs.fiscal_year, runs.as_of_date, decision.run_id, decision.decision_id,
            decision.decision, decision.decided_by, decision.decided_at, decision.comment,
            decision.revokes_decision_id, revoking.decision_id as revoked_by_decision_id,
            (decision.decision <> 'revoked' and revoking.decision_id is null) as is_standing
        from ops.review_decisions decision
        join ops.allocation_runs runs using (run_id)
        left join ops.review_decisions revoking
            on revoking.revokes_decision_id = decision.decision_id
        """
    )
    comments = {
        None: "One row per decision of the finance bureau on a published run, in the order"
        " made; never changed or deleted. A decision is changed by a later one that revokes it.",
        "fiscal_year": "The fiscal year of the run decided on.",
        "as_of_date": "The as-of date of the run decided on.",
        "run_id": "The run decided on (published.allocation_runs).",
        "decision_id": "The decision's number, increasing in the order decisions were made.",
        "decision": "approved, rejected, or revoked (withdraws the decision it revokes; the run"
        " is a draft again).",
        "decided_by": "Who decided: the reviewer's name.",
        "decided_at": "When the decision was recorded.",
        "comment": "The reviewer's comment; for a decision that revokes another, the reason.",
        "revokes_decision_id": "The decision this one revokes, if any.",
        "revoked_by_decision_id": "The later decision that revoked this one, if any.",
        "is_standing": "True for the run's approval or rejection in force.",
    }
    for column, text in comments.items():
        target = "view published.review_decisions" if column is None else (
            f"column published.review_decisions.{column}"
        )  # fmt: skip
        quoted = text.replace("'", "''")
        op.execute(f"comment on {target} is '{quoted}'")
    # The approved copy gained a column: the view is made again rather than replaced.
    op.execute("drop view published.approved_district_allocation")
    op.execute(
        """
        create view published.approved_district_allocation as
        with latest_per_year as (
            select distinct on (approved.fiscal_year) standing.*
            from ops.standing_review_decisions standing
            join ops.approved_district_allocation approved using (decision_id)
            where standing.decision = 'approved'
            order by approved.fiscal_year, standing.decision_id desc
        )
        select
            approved.*, latest.decided_by as reviewer, latest.decided_at as reviewed_at,
            latest.comment as review_comment
        from ops.approved_district_allocation approved
        join latest_per_year latest using (decision_id)
        """
    )
    for view in ("review_decisions", "approved_district_allocation"):
        op.execute(f"grant select on published.{view} to analyst")
