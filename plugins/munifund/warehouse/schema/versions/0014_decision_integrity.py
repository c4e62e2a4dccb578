"""Decisions that no application role can rewrite.

Until now the pipeline's role owned the decision log, the approved copies and the run records
that repeated the review status: it could grant itself UPDATE, disable the append-only trigger,
or set `review_status = 'approved'` on a run without any decision. From this revision:

- `munifund_decisions`, a role nobody logs in as, owns the decision log
  (`ops.review_decisions`), the approved copies (`ops.approved_district_allocation`), the
  reviewers (`ops.reviewers`), the views deriving each run's review state, the function that
  records a decision, and the schemas `ops` and `published` themselves (the pipeline keeps
  USAGE and CREATE on both and owns what it creates there, but can no longer drop, rename or
  replace what it does not own). The pipeline's role has SELECT on the log, nothing more.
- A decision is recorded only by `ops.record_review_decision(...)` (SECURITY DEFINER), which
  checks it (a standing decision is changed only by revoking it with a reason, a rejection has
  a reason, four eyes on normalized identities, no approval of a superseded run, none of a run
  older than the plan in force without `replaces_newer`) and stamps it: who decided is the
  reviewer behind the session's login (`session_user`, `ops.reviewers`), and `recorded_by` the
  login itself. The nightly DAG's approval step (the pipeline's login) records the Airflow
  user who answered, stamped `recorded_by = munifund_pipeline`, `channel = 'airflow'`.
- Reviewers are login roles `reviewer:<identity>`, members of `munifund_reviewers`, which may
  execute that function and read the log, nothing else (`munifund reviewer add NAME`).
- A run's review status is derived from the log (`ops.run_reviews`), never stored beside it:
  the columns `review_status`, `reviewer`, `reviewed_at`, `review_comment` and
  `review_decision_id` of `ops.allocation_runs` are dropped, and `published.allocation_runs`
  takes them from the derived view, with the same names, order and comments.
- `ops.allocation_runs.started_by_login`: the operating-system user who ran `munifund run`,
  against whom four eyes holds as well as against the declared `started_by`.
- `ops.person_identity(name)`: a name's identity (NFKC, case folded, without format
  characters, controls and spaces), as `munifund.identity` computes it.

Needs the warehouse's administrator (a superuser: the embedded server's own, or
MUNIFUND_ADMIN_URL for a server of one's own): ownership passes to a role nobody logs in as,
and roles are created.

For whoever merges: this revision recreates `published.allocation_runs` (drop and create: its
review columns now come from `ops.run_reviews`, its owner is `munifund_decisions`). Its column
list is `ALLOCATION_RUNS_COLUMNS` below, in order; a revision before this one that appended
columns to that view must append them to that list as well (after `superseded_by_run_id`, as
`runs.<column>` or `<the expression it used> as <column>`): the upgrade stops, naming them,
when the view has a column the list does not. Comments on the view's columns are carried over
whatever they are. A revision after this one that changes the view, or the approved copy's
columns, must `set local role munifund_decisions` (the administrator's session may).

Revision ID: 0014_decision_integrity
Revises: 0013_budget_year
"""

from alembic import op

from munifund.identity import removed_characters_class

revision = "0014_decision_integrity"
down_revision = "0013_budget_year"
branch_labels = None
depends_on = None

PIPELINE = "munifund_pipeline"
OWNER = "munifund_decisions"
REVIEWERS = "munifund_reviewers"
# the advisory lock's key space of decisions: one fiscal year's decisions one after another
DECISION_LOCK = "munifund review "

REVIEW_COLUMNS = (
    "review_status",
    "reviewer",
    "reviewed_at",
    "review_comment",
    "review_decision_id",
)
# published.allocation_runs, column by column, in order (see the docstring before changing it)
ALLOCATION_RUNS_COLUMNS = (
    "runs.run_id", "runs.as_of_date", "runs.fiscal_year", "runs.input_fingerprints",
    "runs.code_version", "runs.dbt_version", "runs.airflow_version", "runs.row_counts",
    "runs.published_at", "review.review_status", "review.reviewer", "review.reviewed_at",
    "review.review_comment", "runs.parameters", "runs.started_by", "review.review_decision_id",
    "runs.superseded_by_run_id",
    # appended by 0012 (money follows the task): every parameter of the run
    "(runs.parameters ->> 'pool_yuan')::numeric(18,2) as pool_yuan",
    "(runs.parameters ->> 'incentive_share')::numeric(6,4) as incentive_share",
    "runs.parameters ->> 'incentive_basis' as incentive_basis",
    "(runs.parameters ->> 'score_threshold')::numeric(5,2) as score_threshold",
    "runs.parameters -> 'payment_schedule' as payment_schedule",
    "(runs.parameters ->> 'enforcement_pass_score')::numeric(5,2) as enforcement_pass_score",
    "runs.devolved_from_city_yuan", "runs.city_coverage",
)  # fmt: skip


def upgrade() -> None:
    op.execute("reset role")  # the administrator's own session, not the pipeline's role
    _require_administrator()
    _roles()
    _identity_function()
    _reviewers()
    _decision_columns()
    _derived_review_state()
    _owned_by_nobody_who_logs_in()
    _record_function()
    _grants()
    _no_rights_given_on_decisions()
    op.execute(f"set local role {PIPELINE}")


def downgrade() -> None:
    raise NotImplementedError("the warehouse schema is not downgraded")


def _require_administrator() -> None:
    op.execute(
        """
        do $$
        begin
            if not (select rolsuper from pg_roles where rolname = session_user) then
                raise exception using
                    message = format('revision 0014 (decision integrity) needs the warehouse''s'
                        ' administrator, not %s: it gives the decision log to a role nobody logs'
                        ' in as', session_user),
                    hint = 'set MUNIFUND_ADMIN_URL to a superuser''s postgresql:// URL of this'
                        ' database and run munifund warehouse init again';
            end if;
        end
        $$
        """
    )


def _roles() -> None:
    op.execute(
        f"""
        do $$
        begin
            if not exists (select from pg_roles where rolname = '{OWNER}') then
                create role {OWNER} nologin;
            end if;
            if not exists (select from pg_roles where rolname = '{REVIEWERS}') then
                create role {REVIEWERS} nologin;
            end if;
            execute format('grant connect on database %I to {REVIEWERS}', current_database());
        end
        $$
        """
    )
    # alembic's own table is the pipeline's, which reads it to check the schema's revision
    op.execute(f"alter table public.alembic_version owner to {PIPELINE}")


def _identity_function() -> None:
    # munifund.identity.identity in SQL. PostgreSQL 18 folds case fully with its builtin
    # pg_unicode_fast collation (as Python's casefold); 17 has simple lower-casing (pg_c_utf8);
    # 16 folds ASCII letters only (its databases are created without a locale).
    removed = removed_characters_class().replace("'", "''")
    op.execute(
        f"""
        do $$
        declare
            folded text := case
                when current_setting('server_version_num')::int >= 180000
                    then 'casefold(normalize(name, NFKC) collate pg_unicode_fast)'
                when current_setting('server_version_num')::int >= 170000
                    then 'lower(normalize(name, NFKC) collate pg_c_utf8)'
                else 'lower(normalize(name, NFKC))'
            end;
        begin
            execute format(
                'create function ops.person_identity(name text) returns text'
                ' language sql immutable parallel safe'
                ' return regexp_replace(normalize(%s, NFKC), %L, '''', ''g'')',
                folded, '{removed}'
            );
        end
        $$
        """
    )
    op.execute(
        "comment on function ops.person_identity(text) is 'A name''s identity, as four eyes"
        " compares people: NFKC, case folded, without format characters, controls and spaces"
        " (munifund.identity).'"
    )


def _reviewers() -> None:
    op.execute(
        """
        create table ops.reviewers (
            role_name  text        primary key,  -- the login role: reviewer:<identity>
            name       text        not null check (btrim(name) <> ''),
            identity   text        not null unique check (identity <> ''),
            added_at   timestamptz not null default now(),
            added_by   text        not null default session_user
        )
        """
    )
    op.execute(
        "comment on table ops.reviewers is 'One row per reviewer of the finance bureau: the"
        " warehouse login (role_name) that records the decisions, the name they are recorded"
        " under, and its identity (ops.person_identity), unique: no two reviewers are one"
        " person.'"
    )


NEW_DECISION_COLUMNS = {
    "recorded_by": "The warehouse login that recorded the decision (session_user): a"
    " reviewer's, or munifund_pipeline for the DAG's approval step; null before 0014.",
    "channel": "munifund review (a reviewer's login) or airflow (the approval step, naming"
    " the Airflow user who answered); null before 0014.",
    "replaces_decision_id": "For an approval of a run older than the plan in force: the"
    " approval it replaced as the plan in force (munifund review approve --replaces-newer).",
}


def _decision_columns() -> None:
    # added, not renamed: readers of the log keep every column they knew
    op.execute("alter table ops.review_decisions add column recorded_by text")
    op.execute("alter table ops.review_decisions add column channel text")
    op.execute("alter table ops.review_decisions add column replaces_decision_id bigint")
    for column, text in NEW_DECISION_COLUMNS.items():
        quoted = text.replace("'", "''")
        op.execute(f"comment on column ops.review_decisions.{column} is '{quoted}'")


def _derived_review_state() -> None:
    op.execute(
        """
        create view ops.run_reviews as
        select
            runs.run_id,
            coalesce(
                standing.decision,
                case when runs.superseded_by_run_id is null then 'draft' else 'superseded' end
            ) as review_status,
            standing.decided_by as reviewer,
            standing.decided_at as reviewed_at,
            standing.comment as review_comment,
            standing.decision_id as review_decision_id
        from ops.allocation_runs runs
        left join ops.standing_review_decisions standing using (run_id)
        """
    )
    # the published view's comments, kept across its drop and create, whatever columns it has
    op.execute(
        """
        create temporary table published_allocation_runs_comments on commit drop as
        select attname as column_name,
            col_description('published.allocation_runs'::regclass, attnum) as description
        from pg_attribute
        where attrelid = 'published.allocation_runs'::regclass and attnum > 0
            and not attisdropped
        union all
        select null, obj_description('published.allocation_runs'::regclass, 'pg_class')
        """
    )
    # a column of the view this revision would not recreate (a revision merged before this one
    # appended it) stops the upgrade, naming it, rather than vanish from the analysts' view
    names = ", ".join(f"'{_output_name(column)}'" for column in ALLOCATION_RUNS_COLUMNS)
    op.execute(
        f"""
        do $$
        declare
            left_out text;
        begin
            select string_agg(attname, ', ' order by attnum) into left_out
            from pg_attribute
            where attrelid = 'published.allocation_runs'::regclass and attnum > 0
                and not attisdropped and attname <> all (array[{names}]);
            if left_out is not null then
                raise exception 'published.allocation_runs has columns that revision 0014 does'
                    ' not recreate: %; add them to ALLOCATION_RUNS_COLUMNS', left_out;
            end if;
        end
        $$
        """
    )
    op.execute("drop view published.allocation_runs")
    for column in REVIEW_COLUMNS:
        op.execute(f"alter table ops.allocation_runs drop column {column}")
    op.execute(
        "alter table ops.allocation_runs add constraint allocation_runs_not_superseded_by_itself"
        " check (superseded_by_run_id <> run_id)"
    )
    # who started a `munifund run` as the system knows them: four eyes holds against that login
    # too, whatever name --by declared
    op.execute("alter table ops.allocation_runs add column started_by_login text")
    op.execute(
        "comment on column ops.allocation_runs.started_by_login is 'The operating-system user"
        " who ran munifund run (null under a scheduler): four eyes refuses them too, whatever"
        " started_by declares.'"
    )
    columns = ",\n            ".join(ALLOCATION_RUNS_COLUMNS)
    op.execute(
        f"""
        create view published.allocation_runs as
        select
            {columns}
        from ops.allocation_runs runs
        inner join ops.run_reviews review using (run_id)
        """
    )
    op.execute(
        """
        do $$
        declare
            kept record;
        begin
            for kept in select * from published_allocation_runs_comments
                where description is not null
            loop
                if kept.column_name is null then
                    execute format('comment on view published.allocation_runs is %L',
                        kept.description);
                else
                    execute format('comment on column published.allocation_runs.%I is %L',
                        kept.column_name, kept.description);
                end if;
            end loop;
        end
        $$
        """
    )
    op.execute(
        "comment on column published.allocation_runs.review_status is 'draft, approved,"
        " rejected (the standing decision, derived from published.review_decisions: never"
        " stored beside it), or superseded: a draft whose rows a later run of the same as-of"
        " date replaced (superseded_by_run_id), which can no longer be approved (labels:"
        " code_labels, review_status).'"
    )
    op.execute(
        """
        create or replace view published.review_decisions as
        select
            runs.fiscal_year, runs.as_of_date, decision.run_id, decision.decision_id,
            decision.decision, decision.decided_by, decision.decided_at, decision.comment,
            decision.revokes_decision_id, revoking.decision_id as revoked_by_decision_id,
            (decision.decision <> 'revoked' and revoking.decision_id is null) as is_standing,
            decision.recorded_by, decision.channel, decision.replaces_decision_id
        from ops.review_decisions decision
        join ops.allocation_runs runs using (run_id)
        left join ops.review_decisions revoking
            on revoking.revokes_decision_id = decision.decision_id
        """
    )
    for column, text in NEW_DECISION_COLUMNS.items():
        quoted = text.replace("'", "''")
        op.execute(f"comment on column published.review_decisions.{column} is '{quoted}'")


def _output_name(column: str) -> str:
    """The name a select-list entry gives its column: `runs.x` is x, `… as y` is y."""
    return column.rsplit(" as ", 1)[-1].rsplit(".", 1)[-1].strip()


def _owned_by_nobody_who_logs_in() -> None:
    for schema in ("ops", "published"):
        op.execute(f"alter schema {schema} owner to {OWNER}")
        op.execute(f"grant usage, create on schema {schema} to {PIPELINE}")
    for table in ("ops.review_decisions", "ops.approved_district_allocation", "ops.reviewers"):
        op.execute(f"alter table {table} owner to {OWNER}")
        op.execute(f"revoke all on {table} from public, {PIPELINE}")
    for view in (
        "ops.standing_review_decisions",
        "ops.run_reviews",
        "published.allocation_runs",
        "published.review_decisions",
        "published.approved_district_allocation",
    ):
        op.execute(f"alter view {view} owner to {OWNER}")
        op.execute(f"revoke all on {view} from public, {PIPELINE}")
    op.execute(f"alter function ops.refuse_rewrite() owner to {OWNER}")
    op.execute(f"alter function ops.person_identity(text) owner to {OWNER}")


def _record_function() -> None:
    op.execute(
        rf"""
        create function ops.record_review_decision(
            p_run_id text,
            p_decision text,
            p_comment text,
            p_revokes bigint default null,
            p_replaces_newer boolean default false,
            p_responder text default null
        ) returns table (decision_id bigint, replaced_decision_id bigint, replaced_run_id text)
        language plpgsql security definer
        set search_path = pg_catalog, pg_temp
        as $$
        declare
            refused constant text := 'MF001';
            v_by text;
            v_identity text;
            v_channel text;
            v_comment text := nullif(btrim(coalesce(p_comment, '')), '');
            v_run record;
            v_standing record;
            v_in_force record;
            v_replaced_id bigint;
            v_replaced_run text;
            v_id bigint;
            v_columns text;
            v_copied bigint;
        begin
            -- who decides: the reviewer behind this login, or (the approval step, logged in as
            -- the pipeline) the Airflow user who answered
            select r.name, r.identity into v_by, v_identity
            from ops.reviewers r where r.role_name = session_user;
            if found then
                if p_responder is not null then
                    raise exception using errcode = refused, message = format(
                        '%s decides as %s: a reviewer''s login records no other name',
                        session_user, v_by);
                end if;
                v_channel := 'munifund review';
            elsif session_user = '{PIPELINE}' and p_responder is not null then
                v_by := btrim(p_responder);
                v_identity := ops.person_identity(v_by);
                v_channel := 'airflow';
            else
                raise exception using errcode = refused, message = format(
                    'the login %s is no reviewer: decisions are recorded by a reviewer''s own'
                    ' login (munifund reviewer add NAME, then munifund review ... --by NAME)',
                    session_user);
            end if;
            if v_by is null or v_by = '' or v_identity = '' then
                raise exception using errcode = refused, message = 'say who decides (--by NAME)';
            end if;
            if p_decision is null or p_decision not in ('approved', 'rejected', 'revoked') then
                raise exception using errcode = refused, message = format(
                    'decision must be one of approved, rejected, revoked, not %L', p_decision);
            end if;

            select runs.started_by, runs.started_by_login, runs.superseded_by_run_id,
                runs.as_of_date, runs.fiscal_year
            into v_run from ops.allocation_runs runs where runs.run_id = p_run_id;
            if not found then
                raise exception using errcode = refused, message = format(
                    'no published run %L: see `select run_id, as_of_date, review_status from'
                    ' published.allocation_runs order by published_at desc`', p_run_id);
            end if;
            -- one fiscal year's decisions one after another: the standing decision and the plan
            -- in force read below stay what they are until this one is recorded
            perform pg_advisory_xact_lock(hashtext('{DECISION_LOCK}' || v_run.fiscal_year));

            if p_decision = 'approved' and v_identity = ops.person_identity(v_run.started_by) then
                raise exception using errcode = refused, message = format(
                    '%s started run %s and so cannot approve it: another person of the finance'
                    ' bureau approves it (four eyes)', v_by, p_run_id);
            end if;
            if p_decision = 'approved'
                and v_identity = ops.person_identity(v_run.started_by_login)
            then
                raise exception using errcode = refused, message = format(
                    '%s started run %s (the operating-system user of munifund run, whatever'
                    ' --by said) and so cannot approve it: another person of the finance bureau'
                    ' approves it (four eyes)', v_by, p_run_id);
            end if;
            if p_decision = 'approved' and v_run.superseded_by_run_id is not null then
                raise exception using errcode = refused, message = format(
                    'run %s is superseded: run %s replaced its figures for %s, so approve that'
                    ' run instead (--run %s)', p_run_id, v_run.superseded_by_run_id,
                    v_run.as_of_date, v_run.superseded_by_run_id);
            end if;

            -- a decided run is decided again only by revoking its standing decision, with a reason
            select s.decision_id, s.decision, s.decided_by, s.decided_at into v_standing
            from ops.standing_review_decisions s where s.run_id = p_run_id
            order by s.decision_id desc limit 1;
            if p_revokes is null then
                if v_standing.decision_id is not null then
                    raise exception using errcode = refused, message = format(
                        'run %s already has a standing decision (decision %s, %s by %s at %s):'
                        ' to change it, revoke that decision with a reason: --revokes %s'
                        ' --comment WHY', p_run_id, v_standing.decision_id, v_standing.decision,
                        v_standing.decided_by,
                        to_char(v_standing.decided_at at time zone 'Asia/Shanghai',
                            'YYYY-MM-DD HH24:MI:SS') || '+08:00',
                        v_standing.decision_id);
                end if;
                if p_decision = 'revoked' then
                    raise exception using errcode = refused, message = format(
                        'run %s has no standing decision to revoke: it is a draft', p_run_id);
                end if;
            else
                if v_comment is null then
                    raise exception using errcode = refused, message = format(
                        'revoking decision %s needs a reason: --comment WHY', p_revokes);
                end if;
                if v_standing.decision_id is distinct from p_revokes then
                    raise exception using errcode = refused, message = format(
                        'decision %s is not the standing decision of run %s (%s): only the'
                        ' decision in force can be revoked; see published.review_decisions',
                        p_revokes, p_run_id,
                        case when v_standing.decision_id is null then 'it is a draft'
                            else 'its standing decision is ' || v_standing.decision_id end);
                end if;
            end if;
            if p_decision = 'rejected' and v_comment is null then
                raise exception using errcode = refused, message = format(
                    'rejecting run %s needs a reason: --comment WHY', p_run_id);
            end if;

            -- the plan in force of the year: the standing approval decided last; an older run
            -- takes its place only when asked to, by name
            if p_decision = 'approved' then
                select s.decision_id, s.run_id, runs.as_of_date into v_in_force
                from ops.standing_review_decisions s
                join ops.allocation_runs runs using (run_id)
                where s.decision = 'approved' and runs.fiscal_year = v_run.fiscal_year
                    and s.run_id <> p_run_id
                order by s.decision_id desc limit 1;
                if v_in_force.as_of_date > v_run.as_of_date then
                    if not coalesce(p_replaces_newer, false) then
                        raise exception using errcode = refused, message = format(
                        'run %s (as of %s) is older than run %s (as of %s, approved in decision'
                        ' %s), the plan in force of fiscal year %s: approving it would replace'
                        ' that newer allocation; to do so on purpose, add --replaces-newer',
                        p_run_id, v_run.as_of_date, v_in_force.run_id, v_in_force.as_of_date,
                        v_in_force.decision_id, v_run.fiscal_year);
                    end if;
                    v_replaced_id := v_in_force.decision_id;
                    v_replaced_run := v_in_force.run_id;
                end if;
            end if;

            insert into ops.review_decisions as d (
                run_id, decision, decided_by, comment, revokes_decision_id, recorded_by,
                channel, replaces_decision_id
            ) values (
                p_run_id, p_decision, v_by, v_comment, p_revokes, session_user, v_channel,
                v_replaced_id
            ) returning d.decision_id into v_id;

            if p_decision = 'approved' then
                -- what was approved, kept: a later re-run of the date replaces the published
                -- rows, a later decision may revoke the approval; this copy stays
                select string_agg(quote_ident(attname), ', ' order by attnum) into v_columns
                from pg_attribute
                where attrelid = 'published.district_allocation'::regclass and attnum > 0
                    and not attisdropped;
                execute format(
                    'insert into ops.approved_district_allocation (%s, decision_id)'
                    ' select %s, $1 from published.district_allocation where run_id = $2',
                    v_columns, v_columns
                ) using v_id, p_run_id;
                get diagnostics v_copied = row_count;
                if v_copied = 0 then
                    raise exception using errcode = refused, message = format(
                        'run %L is no longer the published one for its date (a later run of the'
                        ' same date replaced it): approve the latest run of that date instead',
                        p_run_id);
                end if;
            end if;
            return query select v_id, v_replaced_id, v_replaced_run;
        end
        $$
        """
    )
    op.execute(f"alter function ops.record_review_decision owner to {OWNER}")
    op.execute("revoke all on function ops.record_review_decision from public")
    op.execute(
        "comment on function ops.record_review_decision is 'The one way a decision is recorded:"
        " checked and stamped with who decided (the reviewer behind session_user, or the Airflow"
        " user the approval step names); refused with SQLSTATE MF001 and the reason.'"
    )


def _grants() -> None:
    # what the views and the function read as their owner
    op.execute(f"grant select on ops.allocation_runs to {OWNER}")
    op.execute(f"grant select on published.district_allocation to {OWNER}")
    # the pipeline reads the log and the derived state (approval step, review pack, dbt), and
    # records only the approval step's answers, through the function
    for relation in (
        "ops.review_decisions", "ops.approved_district_allocation", "ops.reviewers",
        "ops.standing_review_decisions", "ops.run_reviews", "published.allocation_runs",
        "published.review_decisions", "published.approved_district_allocation",
    ):  # fmt: skip
        op.execute(f"grant select on {relation} to {PIPELINE}")
    op.execute(f"grant execute on function ops.record_review_decision to {PIPELINE}, {REVIEWERS}")
    op.execute("grant execute on function ops.person_identity(text) to public")
    # a reviewer reads what a decision needs and records through the function; nothing else
    op.execute(f"grant usage on schema ops, published to {REVIEWERS}")
    for relation in (
        "ops.standing_review_decisions", "ops.review_decisions", "ops.run_reviews",
        "published.allocation_runs", "published.review_decisions",
    ):  # fmt: skip
        op.execute(f"grant select on {relation} to {REVIEWERS}")
    for view in ("allocation_runs", "review_decisions", "approved_district_allocation"):
        op.execute(f"grant select on published.{view} to analyst")


def _no_rights_given_on_decisions() -> None:
    # A GRANT by a role that may not give the right is only a warning ("no privileges were
    # granted"), which reads like success in a script. On the decisions' objects it is an
    # error for anyone but a superuser: the pipeline's attempt is refused, and says so.
    names = "|".join(
        (
            "review_decisions", "approved_district_allocation", "reviewers", "run_reviews",
            "standing_review_decisions", "record_review_decision", "allocation_runs",
            "munifund_decisions", "munifund_reviewers",
        )
    )  # fmt: skip
    op.execute(
        f"""
        create function ops.refuse_rights_on_decisions() returns event_trigger
        language plpgsql as $$
        begin
            if not (select rolsuper from pg_roles where rolname = session_user)
                and current_query() ~* '({names})'
            then
                raise exception '% on the finance bureau''s decisions refused to %: their rights'
                    ' are given by the warehouse''s migrations only', tg_tag, session_user;
            end if;
        end
        $$
        """
    )
    op.execute(f"alter function ops.refuse_rights_on_decisions() owner to {OWNER}")
    op.execute(
        "create event trigger munifund_refuse_rights_on_decisions on ddl_command_start"
        " when tag in ('GRANT', 'REVOKE') execute function ops.refuse_rights_on_decisions()"
    )
