"""The mail the nightly DAG sends, received by a real SMTP server (aiosmtpd on 127.0.0.1).

Small DAGs run through Airflow's `dag.test()` with the DAG's own notifiers: a task that fails
tells the operators (its on_failure_callback), and an approval step that starts waiting tells
the finance bureau (the step's `notifiers`), then is answered as the API would answer it. The
SMTP server is the Airflow connection `munifund_smtp`; the recipients come from the environment.
Without either, nothing is sent and nothing fails.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from airflow.sdk import dag, task
from smtp_inbox import SENDER, Inbox, body_text, free_port, smtp_server

from munifund.airflow_env import migrate_metadata_db
from munifund.notify import (
    BUREAU_EMAILS,
    OPERATOR_EMAILS,
    SMTP_CONN_ID,
    approval_mail,
    failure_mail,
)
from munifund.review.approval import RecordedApprovalOperator
from munifund.warehouse import Warehouse

AS_OF = dt.date(2091, 11, 28)
LOGICAL_DATE = dt.datetime(2091, 11, 28, 2, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
BUREAU = ["caiwu@example.org", "chuzhang@example.org"]
OPERATORS = ["ops@example.org"]
DISTRICTS = (("230102", "道里区", "1000.25"), ("230103", "南岗区", "2000.75"))
POOL = "3001.00"


@pytest.fixture(scope="module")
def airflow_db() -> None:
    migrate_metadata_db()


@pytest.fixture()
def inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """A real SMTP server, and the Airflow connection and recipients that send to it."""
    with smtp_server() as received:
        monkeypatch.setenv(f"AIRFLOW_CONN_{SMTP_CONN_ID.upper()}", received.connection_json())
        monkeypatch.setenv(BUREAU_EMAILS, ", ".join(BUREAU))
        monkeypatch.setenv(OPERATOR_EMAILS, ";".join(OPERATORS))
        yield received


def serialized(dag_object):
    """The DAG as the dag-processor would have stored it: `dag.test()` runs only a DAG that
    Airflow's metadata knows, and these are defined here, not in the DAG folder."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.collection import update_dag_parsing_results_in_db
    from airflow.serialization.serialized_objects import LazyDeserializedDAG
    from airflow.utils.session import create_session

    with create_session() as session:
        DagBundlesManager().sync_bundles_to_db(session=session)
    with create_session() as session:
        update_dag_parsing_results_in_db(
            "dags-folder", None, [LazyDeserializedDAG.from_dag(dag_object)], {}, None, set(),
            session=session,
        )  # fmt: skip
    return dag_object


# the test DAGs are the nightly DAG's shape in small: unscheduled, no retries, the failure mail
TEST_DAG_ARGUMENTS = {
    "schedule": None,
    "start_date": dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
    "catchup": False,
    "default_args": {"retries": 0, "on_failure_callback": failure_mail()},
}


def failing_dag(dag_id: str):
    @dag(dag_id=dag_id, **TEST_DAG_ARGUMENTS)
    def notify_on_failure() -> None:
        @task
        def ingest_landing() -> None:
            raise RuntimeError("the landing area /srv/landing does not exist")

        ingest_landing()

    return serialized(notify_on_failure())


def test_a_failed_task_mails_the_operators_its_name_and_log(airflow_db, inbox: Inbox) -> None:
    dag_id = f"munifund_notify_failure_{uuid.uuid4().hex[:6]}"
    run = failing_dag(dag_id).test(logical_date=LOGICAL_DATE)
    assert "failed" in str(run.state)

    ((to, message),) = inbox.wait_for(1)
    assert to == OPERATORS
    assert message["To"] == OPERATORS[0]
    assert message["From"] == SENDER
    assert "ingest_landing failed" in message["Subject"]
    assert AS_OF.isoformat() in message["Subject"]
    body = body_text(message)
    assert "the landing area /srv/landing does not exist" in body
    assert f"/dags/{dag_id}/runs/" in body and "/tasks/ingest_landing" in body  # the log in the UI
    assert f"dag_id={dag_id}/run_id=" in body and "task_id=ingest_landing/attempt=1.log" in body


def test_under_munifund_run_the_mail_names_the_run_s_task_log(
    airflow_db, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`munifund run` shares its run lock with the tasks; their log is the run's <task>.log."""
    from munifund.config import load_settings
    from munifund.warehouse.run_lock import RUN_LOCK_ENV

    monkeypatch.setenv(RUN_LOCK_ENV, "a-runner-s-token")
    dag_id = f"munifund_notify_run_log_{uuid.uuid4().hex[:6]}"
    run = failing_dag(dag_id).test(logical_date=LOGICAL_DATE)
    ((_, message),) = inbox.wait_for(1)
    expected = load_settings().run_logs_dir(AS_OF, run.run_id) / "ingest_landing.log"
    assert str(expected) in body_text(message)


def approval_dag(dag_id: str, review_pack: str):
    @dag(dag_id=dag_id, **TEST_DAG_ARGUMENTS)
    def notify_on_approval() -> None:
        @task
        def write_review_pack(run_id: str | None = None) -> str:
            """Stands for publish and the review pack: the run's published rows, its path."""
            from munifund.warehouse import task_warehouse

            with task_warehouse().connect() as conn:
                conn.execute(
                    "insert into ops.allocation_runs (run_id, as_of_date, fiscal_year,"
                    " input_fingerprints, dbt_version, airflow_version, row_counts, started_by)"
                    " values (%s, %s, %s, '[]', '1.11', '3.3', '{}', '运维 ops')",
                    [run_id, AS_OF, AS_OF.year],
                )
                for code, name, total in DISTRICTS:
                    conn.execute(
                        "insert into published.district_allocation (fiscal_year, as_of_date,"
                        " run_id, district_code, name_zh, standard_cost_yuan, share, base_yuan,"
                        " cases_due, cases_on_time, own_investment_yuan, incentive_share_of_pool,"
                        " incentive_yuan, total_yuan, pool_yuan, base_pool_yuan,"
                        " incentive_pool_yuan, incentive_share, incentive_fell_back,"
                        " incentive_basis) values (%s, %s, %s, %s, %s, %s, 0.5, %s, 0, 0, 0, 0,"
                        " 0, %s, %s, %s, 0, 0, false, 'level')",
                        [AS_OF.year, AS_OF, run_id, code, name, total, total, total, POOL, POOL],
                    )
            return review_pack

        approve = RecordedApprovalOperator(
            task_id="approve_allocation",
            subject="审核 / Review the maintenance allocation as of {{ ds }}",
            notifiers=[approval_mail()],
        )
        write_review_pack() >> approve

    return serialized(notify_on_approval())


def answer_waiting_step(dag_id: str, chosen: str, by: str, comment: str) -> str:
    """What Airflow's REST API does when a person answers (PATCH …/hitlDetails): the response on
    the request, and the parked task scheduled to resume. Returns the run id."""
    from airflow.models.hitl import HITLDetail
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.trigger import handle_event_submit
    from airflow.triggers.base import TriggerEvent
    from airflow.utils.session import create_session
    from airflow.utils.state import TaskInstanceState
    from sqlalchemy import select

    with create_session() as session:
        ti = session.scalar(
            select(TaskInstance).where(
                TaskInstance.dag_id == dag_id,
                TaskInstance.task_id == "approve_allocation",
                TaskInstance.state == TaskInstanceState.AWAITING_INPUT,
            )
        )
        assert ti is not None, "the approval step is not waiting"
        detail = session.get(HITLDetail, ti.id)
        detail.responded_by = {"id": by, "name": by}
        detail.responded_at = dt.datetime.now(dt.UTC)
        detail.chosen_options = [chosen]
        detail.params_input = {"comment": comment}
        handle_event_submit(
            TriggerEvent(detail.as_resume_event_payload()), task_instance=ti, session=session
        )
        return ti.run_id


def test_a_waiting_approval_mails_the_bureau_the_totals_and_the_review_pack(
    airflow_db, inbox: Inbox, warehouse: Warehouse, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MUNIFUND_PUBLIC_URL", "https://airflow.caiwu.example/")
    dag_id = f"munifund_notify_approval_{uuid.uuid4().hex[:6]}"
    review_pack = str(tmp_path / "reviews" / AS_OF.isoformat() / "review.html")
    answered: dict[str, object] = {}

    def answer_once_told() -> None:
        """The bureau reads its mail, then answers (dag.test() waits in the main thread: Airflow
        sets signal handlers there)."""
        try:
            inbox.wait_for(1, timeout=120)
            deadline = time.monotonic() + 60
            while True:
                try:
                    answered["run_id"] = answer_waiting_step(
                        dag_id, "Approve", "王科长", "核对无误"
                    )
                    return
                except AssertionError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.5)
        except BaseException as err:  # noqa: BLE001 - reported by the test below
            answered["error"] = err

    bureau = threading.Thread(target=answer_once_told, daemon=True)
    bureau.start()
    run = approval_dag(dag_id, review_pack).test(logical_date=LOGICAL_DATE)
    bureau.join(timeout=10)
    assert "error" not in answered, answered
    assert "success" in str(run.state)

    ((to, message),) = inbox.wait_for(1)
    assert to == BUREAU
    assert message["From"] == SENDER
    assert message["Subject"] == "审核 / Review the maintenance allocation as of 2091-11-27"
    body = body_text(message)
    assert AS_OF.isoformat() in body  # the as-of date is the city's, not Airflow's ds
    total = sum(Decimal(t) for _, _, t in DISTRICTS)
    assert (
        f"{total:,.2f} 元 (equal to the pool and the money that followed the task, to the fen)"
        in body
    )
    assert f"{Decimal(POOL):,.2f} 元" in body
    assert review_pack in body
    # the link to the pack served by Airflow's API server (MUNIFUND_PUBLIC_URL's, when set)
    assert f"https://airflow.caiwu.example/munifund/reviews/{AS_OF}/review.html" in body
    assert f"munifund review approve --run {answered['run_id']}" in body

    # the answer resumed the step, which recorded the decision; no failure mail went out
    with warehouse.connect() as conn:
        assert conn.execute(
            "select review_status, reviewer, review_comment from published.allocation_runs"
            " where run_id = %s",
            [answered["run_id"]],
        ).fetchone() == ("approved", "王科长", "核对无误")
    assert len(inbox.messages) == 1


def test_without_a_server_or_recipients_nothing_is_sent_and_one_line_says_so(
    airflow_db, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv(OPERATOR_EMAILS, raising=False)
    monkeypatch.delenv(f"AIRFLOW_CONN_{SMTP_CONN_ID.upper()}", raising=False)
    caplog.set_level(logging.INFO, logger="munifund.notify")
    notifier = failure_mail()
    notifier.notify({})  # no context is read when nothing is to be sent
    monkeypatch.setenv(OPERATOR_EMAILS, OPERATORS[0])
    notifier.notify({})
    lines = [r.getMessage() for r in caplog.records if r.name == "munifund.notify"]
    assert lines == [
        f"no mail to the operators: {OPERATOR_EMAILS} is not set",
        f"no mail to the operators: no Airflow connection {SMTP_CONN_ID!r}",
    ]
    assert all(r.levelno == logging.INFO for r in caplog.records if r.name == "munifund.notify")


def test_a_server_that_is_down_is_logged_and_fails_nothing(
    airflow_db, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()  # nobody listens there once the probe's socket is closed
    connection = {"conn_type": "smtp", "host": "127.0.0.1", "port": port,
                  "extra": {"from_email": SENDER, "disable_ssl": True, "disable_tls": True,
                            "retry_limit": 0, "timeout": 5}}  # fmt: skip
    monkeypatch.setenv(f"AIRFLOW_CONN_{SMTP_CONN_ID.upper()}", json.dumps(connection))
    monkeypatch.setenv(OPERATOR_EMAILS, OPERATORS[0])
    dag_id = f"munifund_notify_down_{uuid.uuid4().hex[:6]}"
    caplog.set_level(logging.INFO, logger="munifund.notify")
    run = failing_dag(dag_id).test(logical_date=LOGICAL_DATE)
    assert "failed" in str(run.state)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("mail to the operators (ops@example.org) not sent" in e for e in errors), errors
    # and kept for `munifund run`, which says it on the screen, not only in the task's log
    from munifund.notify import UNSENT

    assert any(
        line.startswith("mail to the operators (ops@example.org) not sent: ") for line in UNSENT
    )


# --------------------------------------------------------------------------- receipts

RECEIPT_DAY = dt.date(2026, 1, 1)
RECEIPT_RUN = "manual__receipt-mail"
ORDERS = "case_id,district_code,street_code,category,reported_at,deadline_at,closed_at\n"


def _deliver(landing, source: str, name: str, content: str) -> None:
    folder = landing / source / RECEIPT_DAY.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(content, "utf-8")


def test_a_bad_file_s_receipt_reaches_its_sender_and_a_sender_without_contact_gets_none(
    empty_warehouse: Warehouse, inbox: Inbox, tmp_path, caplog
) -> None:
    from munifund.ingest.loader import ingest
    from munifund.tasks import receipts_task

    landing = tmp_path / "landing"
    _deliver(landing, "districts", "d.csv", "district_code,name_zh,name_en\n"
             "230102,道里区,<b>Daoli</b>\n230103,南岗区,Nangang\n")  # fmt: skip
    _deliver(landing, "contacts", "c.csv", "sender_code,name,email\n230102,道里区,qu@example.org\n")
    _deliver(landing, "work_orders", "o.csv", ORDERS
             + "C1,230102,,component,2026-01-02T08:00,2026-01-03T08:00,\n"
             + "C2,230102,,component,<i>soon</i>,2026-01-03T08:00,\n"
             + "C3,230103,,event,not a time,2026-01-03T08:00,\n")  # fmt: skip
    with empty_warehouse.connect() as conn:
        ingest(conn, landing, RECEIPT_DAY, RECEIPT_RUN)
    with caplog.at_level(logging.INFO, logger="munifund.notify"):
        result = receipts_task(RECEIPT_DAY.isoformat(), RECEIPT_RUN, {})
    assert result["mailed"] == ["230102"]
    assert {"230102", "230103"} <= set(result["receipts"])  # 230103's is written, not mailed
    ((to, message),) = inbox.wait_for(1)
    time.sleep(0.5)
    assert len(inbox.messages) == 1  # no mail to 230103, no address
    assert to == ["qu@example.org"]
    assert "1 rows loaded, 1 refused (230102)" in message["Subject"]
    body = body_text(message)
    assert "&lt;b&gt;Daoli&lt;/b&gt;" in body and "<b>Daoli</b>" not in body
    attached = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    assert set(attached) == {f"receipt-{RECEIPT_RUN}.html", f"receipt-{RECEIPT_RUN}.xlsx"}
    page = attached[f"receipt-{RECEIPT_RUN}.html"]
    page = page.decode("utf-8") if isinstance(page, bytes) else page
    assert "时间无法识别 / not an ISO 8601 timestamp: &lt;i&gt;soon&lt;/i&gt;" in page
    assert "<i>soon</i>" not in page
    assert "no receipt mailed to 230103: no address in contacts" in caplog.text
