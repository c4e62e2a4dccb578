"""The finance bureau's decisions: an append-only log in which nothing is overwritten silently,
four eyes on every approval (CLI and Airflow alike), and every approved copy kept.

Runs are seeded straight into `ops.allocation_runs` and `published.district_allocation` (two
districts, a fiscal year of their own per test): the rules are about the record, not about how
the figures were computed (tests/munifund/publication does that on the sample city)."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Callable

import psycopg
import pytest
from reviewers import PASSWORD, ensure_reviewer
from typer.testing import CliRunner

from munifund.cli import app
from munifund.review.airflow_api import API_URL, RECORDED_DECISION
from munifund.review.approval import RecordedApprovalOperator
from munifund.review.decisions import ReviewError, record_decision
from munifund.warehouse import Warehouse, embedded_superuser_url

FISCAL_YEARS = itertools.count(2040)
DISTRICTS = (("230102", "道里区", "1000.00"), ("230103", "南岗区", "2000.00"))


@pytest.fixture()
def fiscal_year() -> int:
    return next(FISCAL_YEARS)


@pytest.fixture()
def published_run(warehouse: Warehouse, fiscal_year: int) -> Callable[..., str]:
    """Publishes a run of `fiscal_year`, started by `started_by`; returns its run id."""

    def publish(started_by: str | None = "运维 ops", as_of: dt.date | None = None) -> str:
        run_id = f"manual__{uuid.uuid4().hex[:8]}"
        as_of = as_of or dt.date(fiscal_year, 11, 28)
        with warehouse.connect() as conn:
            conn.execute(
                "insert into ops.allocation_runs (run_id, as_of_date, fiscal_year,"
                " input_fingerprints, dbt_version, airflow_version, row_counts, started_by)"
                " values (%s, %s, %s, '[]', '1.11', '3.3', '{}', %s)",
                [run_id, as_of, fiscal_year, started_by],
            )
            for code, name, total in DISTRICTS:
                conn.execute(
                    "insert into published.district_allocation (fiscal_year, as_of_date, run_id,"
                    " district_code, name_zh, standard_cost_yuan, share, base_yuan, cases_due,"
                    " cases_on_time, own_investment_yuan, incentive_share_of_pool, incentive_yuan,"
                    " total_yuan, pool_yuan, base_pool_yuan, incentive_pool_yuan, incentive_share,"
                    " incentive_fell_back, incentive_basis)"
                    " values (%s, %s, %s, %s, %s, %s, 0.5, %s, 0, 0, 0, 0, 0, %s, 3000, 3000, 0,"
                    " 0, false, 'level')",
                    [fiscal_year, as_of, run_id, code, name, total, total, total],
                )
        return run_id

    return publish


def log_of(conn: psycopg.Connection, run_id: str) -> list[tuple]:
    return conn.execute(
        "select decision_id, decision, decided_by, comment, revokes_decision_id,"
        " revoked_by_decision_id, is_standing from published.review_decisions"
        " where run_id = %s order by decision_id",
        [run_id],
    ).fetchall()


def state_of(conn: psycopg.Connection, run_id: str) -> tuple:
    return conn.execute(
        "select review_status, reviewer, review_comment, review_decision_id"
        " from published.allocation_runs where run_id = %s",
        [run_id],
    ).fetchone()  # type: ignore[return-value]


def approved_copies(conn: psycopg.Connection, run_id: str) -> dict[int, list[tuple]]:
    copies: dict[int, list[tuple]] = {}
    for decision_id, code, total in conn.execute(
        "select decision_id, district_code, total_yuan from ops.approved_district_allocation"
        " where run_id = %s order by decision_id, district_code",
        [run_id],
    ).fetchall():
        copies.setdefault(decision_id, []).append((code, str(total)))
    return copies


def shown_approved(conn: psycopg.Connection, fiscal_year: int) -> set[tuple]:
    return set(
        conn.execute(
            "select run_id, decision_id, reviewer from published.approved_district_allocation"
            " where fiscal_year = %s",
            [fiscal_year],
        ).fetchall()
    )


def test_alice_bob_carol_a_decided_run_is_changed_only_by_revoking_with_a_reason(
    warehouse: Warehouse, published_run, fiscal_year: int
) -> None:
    run = published_run()
    figures = [(code, total) for code, _, total in DISTRICTS]
    with warehouse.connect() as conn:
        alice = record_decision(conn, run, "approved", "alice", "核对无误")
        with pytest.raises(ReviewError) as bob:
            record_decision(conn, run, "approved", "bob", "同意")
        with pytest.raises(ReviewError) as carol:
            record_decision(conn, run, "rejected", "carol", "数据有误")
        with pytest.raises(
            ReviewError, match=rf"revoking decision {alice.decision_id} needs a reason"
        ):
            record_decision(conn, run, "rejected", "carol", None, revokes=alice.decision_id)
        for refused in (bob.value, carol.value):
            assert str(refused) == (
                f"run {run} already has a standing decision ({alice.describe()}): to change it,"
                f" revoke that decision with a reason: --revokes {alice.decision_id} --comment WHY"
            )
        assert "approved by alice" in alice.describe()
        assert log_of(conn, run) == [
            (alice.decision_id, "approved", "alice", "核对无误", None, None, True)
        ]
        assert shown_approved(conn, fiscal_year) == {(run, alice.decision_id, "alice")}

        carol_ = record_decision(conn, run, "rejected", "carol", "数据有误", alice.decision_id)
        assert log_of(conn, run) == [
            (alice.decision_id, "approved", "alice", "核对无误", None, carol_.decision_id, False),
            (carol_.decision_id, "rejected", "carol", "数据有误", alice.decision_id, None, True),
        ]
        assert state_of(conn, run) == ("rejected", "carol", "数据有误", carol_.decision_id)
        # what alice approved is kept, keyed by her decision; it is no longer shown as approved
        assert approved_copies(conn, run) == {alice.decision_id: figures}
        assert shown_approved(conn, fiscal_year) == set()


def test_only_the_standing_decision_is_revoked_and_revoking_makes_a_draft(
    warehouse: Warehouse, published_run, fiscal_year: int
) -> None:
    # two runs of two dates (one date holds one published run: its key)
    run, other = published_run(), published_run(as_of=dt.date(fiscal_year, 11, 29))
    with warehouse.connect() as conn:
        with pytest.raises(ReviewError, match="has no standing decision to revoke: it is a draft"):
            record_decision(conn, run, "revoked", "bob", "误操作")
        with pytest.raises(ReviewError, match=r"is not the standing decision .*\(it is a draft\)"):
            record_decision(conn, run, "approved", "bob", "ok", revokes=1)
        first = record_decision(conn, run, "rejected", "bob", "缺少数据")
        second = record_decision(conn, run, "approved", "carol", "已补充", first.decision_id)
        with pytest.raises(ReviewError, match=rf"its standing decision is {second.decision_id}"):
            record_decision(conn, run, "rejected", "dave", "again", first.decision_id)
        on_other = record_decision(conn, other, "approved", "carol", None)
        with pytest.raises(ReviewError, match=f"is not the standing decision of run {run}"):
            record_decision(conn, run, "rejected", "dave", "wrong run", on_other.decision_id)

        withdrawn = record_decision(conn, run, "revoked", "carol", "批错了", second.decision_id)
        assert state_of(conn, run) == ("draft", None, None, None)
        assert withdrawn.revokes_decision_id == second.decision_id
        # a draft: nothing to revoke; but older than the approved run of 11-29, the plan in force
        with pytest.raises(ReviewError, match=f"older than run {other} .* add --replaces-newer"):
            record_decision(conn, run, "approved", "dave", None)
        again = record_decision(conn, run, "approved", "dave", None, replaces_newer=True)
        assert (again.replaced_run_id, again.replaced_decision_id) == (other, on_other.decision_id)
        assert state_of(conn, run) == ("approved", "dave", None, again.decision_id)
        assert [row[1] for row in log_of(conn, run)] == [
            "rejected",
            "approved",
            "revoked",
            "approved",
        ]


def test_a_replaced_run_keeps_its_decision_and_once_revoked_is_superseded(
    warehouse: Warehouse, published_run, fiscal_year: int
) -> None:
    """Approved, then replaced by a later run of its date (as publication marks it), then the
    approval revoked: the run is `superseded`, not a draft, and cannot be approved again."""
    run, later = published_run(), published_run(as_of=dt.date(fiscal_year, 11, 29))
    with warehouse.connect() as conn:
        approval = record_decision(conn, run, "approved", "bob", None)
        conn.execute(
            "update ops.allocation_runs set superseded_by_run_id = %s where run_id = %s",
            [later, run],
        )
        assert state_of(conn, run)[0] == "approved"
        record_decision(conn, run, "revoked", "carol", "已被取代", approval.decision_id)
        assert state_of(conn, run) == ("superseded", None, None, None)
        with pytest.raises(ReviewError, match=f"run {run} is superseded: run {later} replaced"):
            record_decision(conn, run, "approved", "dave", None)
        # the status is derived from the log and the replacement, never stored: nothing to set
        with pytest.raises(psycopg.errors.UndefinedColumn):
            conn.execute(
                "update ops.allocation_runs set review_status = 'approved' where run_id = %s",
                [run],
            )


def test_every_approval_is_kept_and_the_latest_standing_one_is_shown(
    warehouse: Warehouse, published_run, fiscal_year: int
) -> None:
    early = published_run(as_of=dt.date(fiscal_year, 10, 31))
    late = published_run(as_of=dt.date(fiscal_year, 11, 28))
    with warehouse.connect() as conn:
        on_early = record_decision(conn, early, "approved", "alice", None)
        on_late = record_decision(conn, late, "approved", "bob", None)
        assert shown_approved(conn, fiscal_year) == {(late, on_late.decision_id, "bob")}
        record_decision(conn, late, "revoked", "bob", "口径有变", on_late.decision_id)
        # the late approval is withdrawn: the early one, still standing, is the year's approval
        assert shown_approved(conn, fiscal_year) == {(early, on_early.decision_id, "alice")}
        assert set(approved_copies(conn, late)) == {on_late.decision_id}
        again = record_decision(conn, late, "approved", "carol", None)
        assert set(approved_copies(conn, late)) == {on_late.decision_id, again.decision_id}
        assert shown_approved(conn, fiscal_year) == {(late, again.decision_id, "carol")}


def test_the_person_who_started_a_run_cannot_approve_it(
    warehouse: Warehouse, published_run
) -> None:
    run = published_run(started_by="Alice")
    with warehouse.connect() as conn:
        with pytest.raises(ReviewError) as refused:
            record_decision(conn, run, "approved", " alice ", "自己批")
        assert str(refused.value) == (
            f"alice started run {run} and so cannot approve it: another person of the finance"
            " bureau approves it (four eyes)"
        )
        assert log_of(conn, run) == []
        rejected = record_decision(conn, run, "rejected", "alice", "我发现错误")  # may stop it
        with pytest.raises(ReviewError, match="four eyes"):
            record_decision(conn, run, "approved", "ALICE", "改好了", rejected.decision_id)
        record_decision(conn, run, "approved", "bob", "改好了", rejected.decision_id)
        assert state_of(conn, run)[:2] == ("approved", "bob")


@pytest.fixture()
def reviewers(warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch) -> Callable[..., str]:
    """`munifund reviewer add NAME` done for each name (once per session); the password in
    MUNIFUND_REVIEWER_PASSWORD, as the bureau's scripts give it."""
    monkeypatch.setenv("MUNIFUND_REVIEWER_PASSWORD", PASSWORD)

    def add(*names: str) -> None:
        for name in names:
            ensure_reviewer(warehouse, name)

    return add


def test_the_cli_refuses_in_one_line_and_says_what_was_recorded(
    warehouse: Warehouse, published_run, reviewers, fiscal_year: int
) -> None:
    run = published_run(started_by="alice")
    reviewers("alice", "bob", "carol")
    cli = CliRunner()

    own = cli.invoke(app, ["review", "approve", "--run", run, "--by", "alice"])
    assert own.exit_code == 2
    assert own.stderr.splitlines() == [
        f"error: alice started run {run} and so cannot approve it: another person of the finance"
        " bureau approves it (four eyes)"
    ]
    ok = cli.invoke(app, ["review", "approve", "--run", run, "--by", "bob", "--comment", "ok"])
    assert ok.exit_code == 0, ok.output
    with warehouse.connect() as conn:
        [(bob_id, *_)] = log_of(conn, run)
    printed = ok.stdout.splitlines()
    assert printed[0] == f"run {run}: approved by bob (decision {bob_id})"
    # what the approval did to the year's plan (published.budget_adjustments), then what it answered
    assert printed[1].startswith(f"plan of fiscal year {fiscal_year}: initial plan (年初下达) in")
    assert printed[1].endswith(f"the plan in force is run {run}'s (published.budget_adjustments)")
    assert printed[2:] == [
        f"recorded only: {API_URL} is not set, so no approval step in Airflow is answered"
    ]

    again = cli.invoke(app, ["review", "reject", "--run", run, "--by", "carol"])
    assert again.exit_code == 2 and len(again.stderr.splitlines()) == 1
    assert f"--revokes {bob_id} --comment WHY" in again.stderr
    revoke = ["review", "reject", "--run", run, "--by", "carol", "--revokes", str(bob_id)]
    no_reason = cli.invoke(app, revoke)
    assert (no_reason.exit_code, no_reason.stderr) == (
        2,
        f"error: revoking decision {bob_id} needs a reason: --comment WHY\n",
    )
    done = cli.invoke(app, [*revoke, "--comment", "口径有误"])
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines()[0] == (
        f"run {run}: rejected by carol (decision {bob_id + 1}, revokes {bob_id})"
    )
    # the rejection revokes the year's only plan: a revocation, leaving none
    assert done.stdout.splitlines()[1].startswith(
        f"plan of fiscal year {fiscal_year}: revocation (撤销) in"
    )
    assert "the plan in force is none" in done.stdout


def fake_answer(chosen: str, user: str, comment: str) -> dict:
    """What Airflow's trigger hands `execute_complete` once a person has answered."""
    return {
        "chosen_options": [chosen],
        "params_input": {"comment": comment},
        "responded_at": dt.datetime.now(dt.UTC),
        "responded_by_user": {"id": user, "name": user},
    }


def test_the_airflow_approval_step_enforces_four_eyes_and_records_otherwise(
    warehouse: Warehouse, published_run
) -> None:
    run = published_run(started_by="admin")
    step = RecordedApprovalOperator(task_id="approve_allocation", subject="审核")
    with pytest.raises(ReviewError, match=f"admin started run {run} and so cannot approve it"):
        step.execute_complete({"run_id": run}, fake_answer("Approve", "admin", "自己批"))
    with warehouse.connect() as conn:
        assert log_of(conn, run) == []
        assert state_of(conn, run)[0] == "draft"

    step = RecordedApprovalOperator(task_id="approve_allocation", subject="审核")
    answer = step.execute_complete({"run_id": run}, fake_answer("Approve", "王科长", "核对无误"))
    assert answer["chosen_options"] == ["Approve"]
    with warehouse.connect() as conn:
        [(decision_id, *recorded)] = log_of(conn, run)
        assert recorded == ["approved", "王科长", "核对无误", None, None, True]
        assert state_of(conn, run) == ("approved", "王科长", "核对无误", decision_id)

    # answered in the UI after the bureau decided with `munifund review`: refused, not recorded
    step = RecordedApprovalOperator(task_id="approve_allocation", subject="审核")
    with pytest.raises(ReviewError, match="already has a standing decision"):
        step.execute_complete({"run_id": run}, fake_answer("Reject", "李处长", "不同意"))
    with warehouse.connect() as conn:
        assert len(log_of(conn, run)) == 1


def test_a_decision_of_munifund_review_answering_the_step_is_confirmed_not_recorded_again(
    warehouse: Warehouse, published_run
) -> None:
    """`munifund review approve` records, then answers the waiting step through the API naming
    its decision: the step checks it against the log and records nothing more."""
    run = published_run(started_by="运维 ops")
    with warehouse.connect() as conn:
        made = record_decision(conn, run, "approved", "王科长", "核对无误")
    answer = fake_answer("Approve", "admin", "核对无误")  # the API's user answers for the CLI
    answer["params_input"][RECORDED_DECISION] = made.decision_id

    # an answer naming the decision, but of the other option, or another decision: refused
    step = RecordedApprovalOperator(task_id="approve_allocation", subject="审核")
    wrong = {**answer, "chosen_options": ["Reject"]}
    with pytest.raises(ReviewError, match=f"names decision {made.decision_id} as recorded"):
        step.execute_complete({"run_id": run}, wrong)
    forged = {**answer, "params_input": {"comment": "", RECORDED_DECISION: made.decision_id + 7}}
    with pytest.raises(ReviewError, match=f"standing decision of run {run} is decision"):
        step.execute_complete({"run_id": run}, forged)

    step = RecordedApprovalOperator(task_id="approve_allocation", subject="审核")
    result = step.execute_complete({"run_id": run}, answer)
    assert result["chosen_options"] == ["Approve"]
    with warehouse.connect() as conn:
        [(decision_id, *recorded)] = log_of(conn, run)
        assert decision_id == made.decision_id
        assert recorded == ["approved", "王科长", "核对无误", None, None, True]
        assert state_of(conn, run) == ("approved", "王科长", "核对无误", decision_id)


def test_the_cli_records_nothing_when_the_configured_airflow_api_does_not_answer(
    warehouse: Warehouse, published_run, monkeypatch: pytest.MonkeyPatch, reviewers
) -> None:
    reviewers("bob")
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nobody listens there once the socket is closed
    monkeypatch.setenv(API_URL, f"http://127.0.0.1:{port}")
    run = published_run(started_by="alice")
    result = CliRunner().invoke(app, ["review", "approve", "--run", run, "--by", "bob"])
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"error: Airflow's API at http://127.0.0.1:{port} did not")
    assert result.stderr.rstrip().endswith(f"nothing recorded (unset {API_URL} to record only)")
    with warehouse.connect() as conn:
        assert log_of(conn, run) == []


def test_a_timed_out_approval_records_nothing(warehouse: Warehouse, published_run) -> None:
    from airflow.providers.standard.exceptions import HITLTimeoutError

    run = published_run()
    step = RecordedApprovalOperator(task_id="approve_allocation", subject="审核")
    with pytest.raises(HITLTimeoutError):
        step.execute_complete({"run_id": run}, {"error": "timed out", "error_type": "timeout"})
    with warehouse.connect() as conn:
        assert log_of(conn, run) == []


@pytest.mark.parametrize("table", ["ops.review_decisions", "ops.approved_district_allocation"])
def test_the_log_and_the_approved_copies_are_append_only(
    warehouse: Warehouse, published_run, table: str
) -> None:
    run = published_run()
    with warehouse.connect() as conn:
        record_decision(conn, run, "approved", "bob", None)
    for statement in (
        f"update {table} set run_id = run_id where run_id = '{run}'",
        f"delete from {table} where run_id = '{run}'",
        f"truncate {table} cascade",
    ):
        with warehouse.connect() as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)
        # a role allowed everything is still refused by the trigger
        with psycopg.connect(embedded_superuser_url()) as conn:
            with pytest.raises(psycopg.errors.RaiseException, match=f"{table} is append-only"):
                conn.execute(statement)
    with warehouse.connect() as conn:
        assert len(log_of(conn, run)) == 1 and len(approved_copies(conn, run)) == 1
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            conn.execute("delete from ops.allocation_runs where run_id = %s", [run])


def test_the_analyst_reads_the_log_in_published_only(warehouse: Warehouse, published_run) -> None:
    run = published_run()
    with warehouse.connect() as conn:
        record_decision(conn, run, "rejected", "bob", "缺数据")
    with psycopg.connect(warehouse.analyst_url, autocommit=True) as conn:
        assert conn.execute(
            "select decision, decided_by from published.review_decisions where run_id = %s", [run]
        ).fetchall() == [("rejected", "bob")]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select * from ops.review_decisions")


# ------------------------------------------------------------------ the attacks of issue 26


def pipeline_url() -> str:
    """What an operator has: `munifund warehouse pipeline-url`."""
    result = CliRunner().invoke(app, ["warehouse", "pipeline-url"])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


FORGERIES = {
    "grant update on ops.review_decisions to munifund_pipeline": "RaiseException",
    "grant munifund_decisions to munifund_pipeline": "InsufficientPrivilege",
    "revoke select on published.allocation_runs from analyst": "RaiseException",
    # the decision log's owner is a role nobody logs in as: no right to give, no trigger to stop
    "delete from ops.review_decisions": "InsufficientPrivilege",
    "alter table ops.review_decisions disable trigger user": "InsufficientPrivilege",
    "alter table ops.review_decisions owner to munifund_pipeline": "InsufficientPrivilege",
    "update ops.review_decisions set decision = 'approved'": "InsufficientPrivilege",
    "insert into ops.review_decisions (run_id, decision, decided_by) select run_id,"
    " 'approved', 'bob' from ops.allocation_runs": "InsufficientPrivilege",
    "insert into ops.approved_district_allocation select * from ops.approved_district_allocation":
    "InsufficientPrivilege",
    "drop table ops.review_decisions cascade": "InsufficientPrivilege",
    "alter schema ops rename to ops_forged": "InsufficientPrivilege",
    "drop schema published cascade": "InsufficientPrivilege",
    "set role munifund_decisions": "InsufficientPrivilege",
    # the status is derived from the log: nothing beside it to set, no view to replace
    "update ops.allocation_runs set review_status = 'approved'": "UndefinedColumn",
    "create or replace view published.allocation_runs as select * from ops.allocation_runs":
    "InsufficientPrivilege",
    "drop view published.allocation_runs": "InsufficientPrivilege",
    "create or replace view ops.standing_review_decisions as select * from ops.review_decisions":
    "InsufficientPrivilege",
    "create or replace function ops.refuse_rewrite() returns trigger language plpgsql"
    " as $$ begin return null; end $$": "InsufficientPrivilege",
}  # fmt: skip


@pytest.mark.parametrize("statement", list(FORGERIES))
def test_the_pipeline_role_cannot_forge_or_rewrite_a_decision(
    warehouse: Warehouse, published_run, statement: str
) -> None:
    run = published_run()
    with psycopg.connect(pipeline_url(), autocommit=True) as conn:
        with pytest.raises(psycopg.Error) as refused:
            conn.execute(statement)
        assert type(refused.value).__name__ == FORGERIES[statement], refused.value
    with warehouse.connect() as conn:
        assert log_of(conn, run) == []
        assert state_of(conn, run) == ("draft", None, None, None)


def test_a_decision_is_recorded_by_a_reviewer_s_login_under_its_own_name_only(
    warehouse: Warehouse, published_run, reviewers
) -> None:
    run = published_run()
    reviewers("bob")
    record = "select * from ops.record_review_decision(%s, 'approved', 'ok', null, false, %s)"
    with psycopg.connect(pipeline_url()) as conn, pytest.raises(psycopg.Error) as nobody:
        conn.execute(record, [run, None])  # the pipeline names nobody: no reviewer's login
    assert nobody.value.sqlstate == "MF001"
    assert "the login munifund_pipeline is no reviewer" in str(nobody.value)
    bob = warehouse.login_url("reviewer:bob", PASSWORD)
    with psycopg.connect(bob) as conn, pytest.raises(psycopg.Error) as other:
        conn.execute(record, [run, "alice"])
    assert "reviewer:bob decides as bob: a reviewer's login records no other name" in str(
        other.value
    )
    for statement in (
        "insert into ops.review_decisions (run_id, decision, decided_by) values ('x', 'approved',"
        " 'bob')",
        "select * from raw.districts",
        "select * from ops.allocation_runs",
    ):
        with psycopg.connect(bob) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)
    with psycopg.connect(bob) as conn:
        (made, *_), *_ = conn.execute(record, [run, None]).fetchall()
    with warehouse.connect() as conn:
        assert conn.execute(
            "select decided_by, recorded_by, channel from ops.review_decisions"
            " where decision_id = %s",
            [made],
        ).fetchone() == ("bob", "reviewer:bob", "munifund review")


def test_look_alike_names_do_not_pass_four_eyes(
    warehouse: Warehouse, published_run, reviewers
) -> None:
    """`root` + U+200B, full-width `ｒｏｏｔ`, `ROOT` are root: none approves root's run,
    through the command line or the approval step, and no reviewer is made of them twice."""
    run = published_run(started_by="root")
    cli = CliRunner()
    hidden = cli.invoke(app, ["reviewer", "add", "root\u200b"])
    assert hidden.exit_code == 2
    assert "holds characters nobody sees (U+200B)" in hidden.stderr
    reviewers("ｒｏｏｔ")  # recorded as root (NFKC): the record reads as the person
    again = cli.invoke(app, ["reviewer", "add", "ROOT"])
    assert again.exit_code == 2
    assert "ROOT is already a reviewer, as root" in again.stderr
    for name in ("ｒｏｏｔ", "root\u200b", "ROOT", " r oot "):
        result = cli.invoke(app, ["review", "approve", "--run", run, "--by", name])
        assert result.exit_code == 2, result.output
        assert f"root started run {run} and so cannot approve it" in result.stderr
    with warehouse.connect() as conn:
        for name in ("ｒｏｏｔ", "root\u200b", "\u202eROOT", "Ｒｏｏｔ\ufeff"):
            with pytest.raises(ReviewError, match="four eyes"):
                record_decision(conn, run, "approved", name, None)
        assert log_of(conn, run) == []


def test_a_rejection_needs_a_reason(warehouse: Warehouse, published_run, reviewers) -> None:
    run = published_run()
    reviewers("carol")
    result = CliRunner().invoke(app, ["review", "reject", "--run", run, "--by", "carol"])
    assert (result.exit_code, result.stderr) == (
        2,
        f"error: rejecting run {run} needs a reason: --comment WHY\n",
    )
    with warehouse.connect() as conn:
        with pytest.raises(ReviewError, match="needs a reason"):
            record_decision(conn, run, "rejected", "李处长", "  ")
        assert log_of(conn, run) == []


def test_no_decision_without_the_reviewer_s_password(
    warehouse: Warehouse, published_run, reviewers, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = published_run()
    reviewers("bob")
    cli = CliRunner()
    approve = ["review", "approve", "--run", run, "--by"]
    monkeypatch.delenv("MUNIFUND_REVIEWER_PASSWORD")
    none = cli.invoke(app, [*approve, "bob"])
    assert (none.exit_code, none.stderr) == (
        2,
        "error: bob's warehouse password is needed: set MUNIFUND_REVIEWER_PASSWORD\n",
    )
    monkeypatch.setenv("MUNIFUND_REVIEWER_PASSWORD", "not-bob-s")
    for name in ("bob", "mallory"):
        wrong = cli.invoke(app, [*approve, name])
        assert wrong.exit_code == 2
        assert wrong.stderr.startswith(f"error: the warehouse refused {name}'s login")
    with warehouse.connect() as conn:
        assert log_of(conn, run) == []


def test_approving_a_run_older_than_the_plan_in_force_needs_a_flag_and_says_what_it_replaces(
    warehouse: Warehouse, published_run, reviewers, fiscal_year: int
) -> None:
    early = published_run(as_of=dt.date(fiscal_year, 10, 31))
    late = published_run(as_of=dt.date(fiscal_year, 11, 28))
    reviewers("bob", "carol")
    cli = CliRunner()
    assert cli.invoke(app, ["review", "approve", "--run", late, "--by", "bob"]).exit_code == 0
    with warehouse.connect() as conn:
        [(late_decision, *_)] = log_of(conn, late)
    older = ["review", "approve", "--run", early, "--by", "carol"]
    refused = cli.invoke(app, older)
    assert refused.exit_code == 2
    assert refused.stderr == (
        f"error: run {early} (as of {fiscal_year}-10-31) is older than run {late} (as of"
        f" {fiscal_year}-11-28, approved in decision {late_decision}), the plan in force of fiscal"
        f" year {fiscal_year}: approving it would replace that newer allocation; to do so on"
        " purpose, add --replaces-newer\n"
    )
    done = cli.invoke(app, [*older, "--replaces-newer"])
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines()[1] == (
        f"it replaces run {late} (decision {late_decision}), a newer approved allocation, as the"
        " plan in force of its fiscal year"
    )
    with warehouse.connect() as conn:
        assert {row[0] for row in shown_approved(conn, fiscal_year)} == {early}
        assert conn.execute(
            "select replaces_decision_id, recorded_by from published.review_decisions"
            " where run_id = %s",
            [early],
        ).fetchall() == [(late_decision, "reviewer:carol")]


def test_a_fresh_reviewer_from_the_readme_approves(
    warehouse: Warehouse, published_run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """README's path for a new person: `munifund reviewer add NAME`, then `review approve`
    with the password in MUNIFUND_REVIEWER_PASSWORD."""
    run = published_run(started_by="alice")
    monkeypatch.setenv("MUNIFUND_REVIEWER_PASSWORD", "dora's own")
    cli = CliRunner()
    added = cli.invoke(app, ["reviewer", "add", " Ｄｏｒａ  Wu "])
    assert added.exit_code == 0, added.output
    assert added.stdout == (
        "reviewer Dora Wu added: munifund review approve|reject|revoke --run RUN_ID --by Dora Wu\n"
    )
    done = cli.invoke(app, ["review", "approve", "--run", run, "--by", "dora wu"])
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith(f"run {run}: approved by Dora Wu (decision ")


def test_four_eyes_holds_against_the_login_that_ran_munifund_run(
    warehouse: Warehouse, published_run
) -> None:
    """`munifund run --by alice` run by the system user root: neither alice nor root approves."""
    run = published_run(started_by="alice")
    with warehouse.connect() as conn:
        conn.execute(
            "update ops.allocation_runs set started_by_login = 'root' where run_id = %s", [run]
        )
        with pytest.raises(ReviewError, match="four eyes"):
            record_decision(conn, run, "approved", "Alice", None)
        with pytest.raises(ReviewError) as refused:
            record_decision(conn, run, "approved", "ｒｏｏｔ", None)
        assert str(refused.value).startswith(
            f"ｒｏｏｔ started run {run} (the operating-system user of munifund run, whatever --by"
            " said) and so cannot approve it"
        )
        record_decision(conn, run, "approved", "bob", None)


def test_adding_a_reviewer_needs_the_administrator(
    warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a warehouse of one's own (MUNIFUND_WAREHOUSE_URL, the pipeline's login), the pipeline
    cannot make itself a reviewer: MUNIFUND_ADMIN_URL is asked for."""
    monkeypatch.setenv("MUNIFUND_WAREHOUSE_URL", warehouse.pipeline_url)
    monkeypatch.delenv("MUNIFUND_ADMIN_URL", raising=False)
    monkeypatch.setenv("MUNIFUND_REVIEWER_PASSWORD", PASSWORD)
    result = CliRunner().invoke(app, ["reviewer", "add", "eve"])
    assert (result.exit_code, result.stderr) == (
        2,
        "error: adding a reviewer needs the warehouse's administrator: set MUNIFUND_ADMIN_URL to"
        " a superuser's postgresql:// URL of the warehouse\n",
    )
