"""The nightly DAG under a real scheduler and Celery workers, driven through Airflow's REST API.

The topology of docker-compose.yml without containers (see conftest.py): Airflow's metadata in
Debian's PostgreSQL, Celery's broker in Redis, the warehouse in munifund's embedded PostgreSQL 18,
and api-server, scheduler, dag-processor, triggerer and a Celery worker as processes. The test
triggers the run for one as-of date; the worker mails the finance bureau (a real SMTP server in
the test) when the approval step starts waiting; the bureau decides with `munifund review
approve`, which records the decision and answers the step through Airflow's REST API; the run
goes on, and the test reads the outcome in the warehouse.

Minutes long; `make test-quick` (`-m "not e2e and not integration"`) leaves it out, `make test`
and CI run it.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import psycopg
import pytest
from smtp_inbox import body_text

from munifund.dates import logical_date_for
from munifund.review.airflow_api import RECORDED_DECISION

from .conftest import BUREAU_EMAIL, INHERITED_ENV, OPERATOR_EMAIL

if TYPE_CHECKING:
    from .conftest import AirflowDeployment

pytestmark = pytest.mark.integration

DAG_ID = "municipal_maintenance_funding"
AS_OF = dt.date(2026, 11, 28)
APPROVAL_TASK = "approve_allocation"
COMMENT = "核对无误"
OPERATOR = "运维 ops"  # triggers the run; the approval is another person's (four eyes)
REVIEWER = "王科长"  # decides with `munifund review approve`
API_USER = "caiwu"  # the Airflow account `munifund review` answers the approval step as
FAILED_STATES = {"failed", "upstream_failed", "up_for_retry", "removed"}
WAITING_FOR_A_PERSON = {"awaiting_input", "deferred"}  # 3.3 parks it; older versions defer
# generous: the whole run takes about two minutes on 2 cores
PARSE_TIMEOUT = 120
RUN_TIMEOUT = 420


def _ok(response: httpx.Response) -> dict:
    assert response.status_code < 300, (
        f"{response.request.method} {response.request.url} -> {response.status_code}:"
        f" {response.text[:2000]}"
    )
    return response.json() if response.content else {}


def _token_for(deployment: AirflowDeployment, user: str) -> str:
    """The api-server's bearer token for `user`. The deployment makes every request an anonymous
    admin's; a request that brings its own token is that user's, so the run is triggered by
    someone other than the one who approves it."""
    from airflow.api_fastapi.auth.tokens import JWTGenerator

    secret = deployment.env["AIRFLOW__API_AUTH__JWT_SECRET"]
    signer = JWTGenerator(secret_key=secret, valid_for=3600, audience="apache-airflow")
    return signer.generate({"sub": user, "role": "ADMIN"})


def _task_states(api: httpx.Client, run_id: str) -> dict[str, str | None]:
    body = _ok(
        api.get(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances", params={"limit": 500})
    )
    return {ti["task_id"]: ti["state"] for ti in body["task_instances"]}


def _wait_for_run(
    deployment: AirflowDeployment, api: httpx.Client, run_id: str, until, what: str
) -> dict[str, str | None]:
    """Poll the run's task instances until `until(run_state, task_states)`; fail fast when a
    task fails or goes up for retry (the DAG retries after 5 minutes), or a process dies."""
    deadline = time.monotonic() + RUN_TIMEOUT
    while True:
        run_state = _ok(api.get(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}"))["state"]
        states = _task_states(api, run_id)
        failed = {task: state for task, state in states.items() if state in FAILED_STATES}
        assert not failed, f"tasks failed while waiting for {what}: {failed}"
        assert run_state != "failed", f"run {run_id} failed while waiting for {what}"
        assert not deployment.dead_processes(), (
            f"Airflow processes exited: {deployment.dead_processes()}"
        )
        if until(run_state, states):
            return states
        assert time.monotonic() < deadline, (
            f"gave up after {RUN_TIMEOUT}s waiting for {what}; run {run_state},"
            f" tasks: {sorted(states.items(), key=lambda kv: str(kv[1]))}"
        )
        time.sleep(3)


def test_the_nightly_dag_runs_on_celery_mails_the_bureau_and_is_approved_from_the_cli(
    celery_executor_loads: None, airflow_deployment: AirflowDeployment
) -> None:
    deployment = airflow_deployment
    run_id = f"integration__{AS_OF.isoformat()}__{secrets.token_hex(4)}"
    started = time.monotonic()
    with deployment.client() as api:
        # the dag-processor has parsed the DAG (Cosmos rendered its dbt tasks from the manifest)
        def parsed() -> dict | None:
            response = api.get(f"/api/v2/dags/{DAG_ID}")
            if response.status_code == 200:
                return response.json()
            errors = _ok(api.get("/api/v2/importErrors")).get("import_errors")
            assert not errors, f"the DAG folder does not import: {errors}"
            return None

        deadline = time.monotonic() + PARSE_TIMEOUT
        while not (dag := parsed()):
            assert time.monotonic() < deadline, f"{DAG_ID} not parsed in {PARSE_TIMEOUT}s"
            time.sleep(1)
        assert dag["is_paused"] is True  # paused at creation, as in production

        _ok(api.patch(f"/api/v2/dags/{DAG_ID}", json={"is_paused": False}))
        logical_date = logical_date_for(AS_OF)
        created = _ok(
            api.post(
                f"/api/v2/dags/{DAG_ID}/dagRuns",
                json={"dag_run_id": run_id, "logical_date": logical_date.isoformat()},
                headers={"Authorization": f"Bearer {_token_for(deployment, OPERATOR)}"},
            )
        )
        assert created["dag_run_id"] == run_id
        assert dt.datetime.fromisoformat(created["logical_date"]) == logical_date

        # everything up to the approval runs on the Celery worker; then a person is asked
        states = _wait_for_run(
            deployment, api, run_id,
            lambda _, s: s.get(APPROVAL_TASK) in WAITING_FOR_A_PERSON,
            "the approval step to wait for a person",
        )  # fmt: skip
        assert all(state == "success" for task, state in states.items() if task != APPROVAL_TASK), (
            states
        )
        assert "dbt_build" in states
        waiting_after = time.monotonic() - started

        details = _ok(api.get(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/hitlDetails"))
        (detail,) = [
            d for d in details["hitl_details"] if d["task_instance"]["task_id"] == APPROVAL_TASK
        ]
        assert detail["response_received"] is False
        assert AS_OF.isoformat() in detail["subject"]
        assert set(detail["options"]) == {"Approve", "Reject"}
        # published as a draft: the decision is the bureau's, nothing is approved yet
        with psycopg.connect(deployment.warehouse.warehouse.pipeline_url) as conn:
            draft = conn.execute(
                "select review_status from published.allocation_runs where run_id = %s", [run_id]
            ).fetchone()
        assert draft == ("draft",)
        review_pack = deployment.warehouse.settings.reviews_dir / AS_OF.isoformat()
        assert (review_pack / "review.html").stat().st_size > 0

        # the bureau was told, by mail, what to review (the step mails before it parks)
        mail = deployment.inbox.wait_for_mail_to(BUREAU_EMAIL, timeout=30)
        assert len(deployment.inbox.sent_to(BUREAU_EMAIL)) == 1
        assert mail["Subject"] == detail["subject"]
        mail_body = body_text(mail)
        assert AS_OF.isoformat() in mail_body and run_id in mail_body
        assert str(review_pack) in mail_body  # the folder of review.html and review.xlsx

        # the bureau decides from the command line; it answers the waiting step through the API
        decided = _munifund_review(deployment, "approve", run_id, REVIEWER, COMMENT)
        lines = decided.stdout.splitlines()
        assert lines[0].startswith(f"run {run_id}: approved by {REVIEWER} (decision "), lines
        assert lines[1].startswith(
            "plan of fiscal year 2026: initial plan (年初下达) in 9 districts"
        )
        assert lines[2:] == [
            f"review pack rewritten: {review_pack}",  # it says the decision now, not draft
            f"answered the approval step of run {run_id} in Airflow: the run goes on",
        ], decided.stdout
        decision_id = int(lines[0].rsplit("decision ", 1)[1].rstrip(")"))

        _wait_for_run(
            deployment, api, run_id, lambda run_state, _: run_state == "success",
            "the run to succeed after the approval",
        )  # fmt: skip
        states = _task_states(api, run_id)
        assert set(states.values()) == {"success"}, states
        instances = _ok(
            api.get(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances", params={"limit": 500})
        )["task_instances"]
        answered = _ok(
            api.get(
                f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{APPROVAL_TASK}/-1/hitlDetails"
            )
        )
    assert answered["chosen_options"] == ["Approve"]
    assert answered["responded_by_user"]["name"] == API_USER
    assert answered["params_input"] == {"comment": COMMENT, RECORDED_DECISION: decision_id}
    print(
        f"\nrun {run_id}: {len(states)} tasks, approval asked after {waiting_after:.0f}s,"
        f" succeeded after {time.monotonic() - started:.0f}s"
    )

    # every task went through Celery: a result per task attempt in the metadata database's
    # result backend, and the worker's hostname on the task instances
    assert all(ti["hostname"] for ti in instances if ti["task_id"] != APPROVAL_TASK)
    with psycopg.connect(deployment.metadata.url("postgresql")) as meta:
        celery_results = meta.execute("select count(*) from celery_taskmeta").fetchone()[0]
    assert celery_results >= len(states) - 1

    with psycopg.connect(deployment.warehouse.warehouse.pipeline_url) as conn:
        rows = conn.execute(
            "select district_code, total_yuan, pool_yuan, run_id, devolved_yuan"
            " from published.district_allocation"
            " where as_of_date = %s order by district_code",
            [AS_OF],
        ).fetchall()
        assert len(rows) == 9
        assert {r[3] for r in rows} == {run_id}
        pools = {r[2] for r in rows}
        assert len(pools) == 1
        # the districts' totals: the pool and what the city's own budget passed on with work
        pool = pools.pop()
        assert sum(r[1] for r in rows) == pool + sum(r[4] for r in rows) and pool > Decimal("1e6")

        record = conn.execute(
            "select as_of_date, review_status, reviewer, review_comment, input_fingerprints,"
            " row_counts, started_by from published.allocation_runs where run_id = %s",
            [run_id],
        ).fetchone()
        assert record is not None, f"no run record for {run_id}"
        as_of_date, status, recorded_reviewer, comment, fingerprints, row_counts, started_by = (
            record
        )
        assert (as_of_date, started_by) == (AS_OF, OPERATOR)
        assert (status, recorded_reviewer, comment) == ("approved", REVIEWER, COMMENT)
        assert fingerprints and row_counts
        # recorded once: by the command; the step confirmed it rather than record it again
        decisions = conn.execute(
            "select decision_id, decision, decided_by from published.review_decisions"
            " where run_id = %s",
            [run_id],
        ).fetchall()
        assert decisions == [(decision_id, "approved", REVIEWER)]

        approved = conn.execute(
            "select district_code, total_yuan, reviewer, review_comment"
            " from published.approved_district_allocation where run_id = %s"
            " order by district_code",
            [run_id],
        ).fetchall()
        assert [(code, total) for code, total, _, _ in approved] == [(r[0], r[1]) for r in rows]
        assert {(r[2], r[3]) for r in approved} == {(REVIEWER, COMMENT)}
        # the mail's totals are the published ones
        total = sum(r[1] for r in rows)
        assert (
            f"{total:,.2f} 元 (equal to the pool and the money that followed the task, to the fen)"
            in mail_body
        )
    assert deployment.inbox.sent_to(OPERATOR_EMAIL) == []  # nothing failed: no operator mailed
    assert len(deployment.inbox.sent_to(BUREAU_EMAIL)) == 1
    # the rest are the senders' receipts, each to the address its contact names
    receipts = [to for to, _ in deployment.inbox.messages if to != [BUREAU_EMAIL]]
    assert receipts and all(to[0].startswith("receipts-") for to in receipts), receipts


def _munifund_review(
    deployment: AirflowDeployment, verb: str, run_id: str, by: str, comment: str
) -> subprocess.CompletedProcess:
    """`munifund review VERB` as the bureau runs it beside the deployment: the warehouse's URL,
    and the api-server with a token of the bureau's Airflow account."""
    from reviewers import PASSWORD, ensure_reviewer

    ensure_reviewer(deployment.warehouse.warehouse, by)  # `munifund reviewer add`, done once
    env = {name: os.environ[name] for name in INHERITED_ENV if name in os.environ}
    env.update(
        {
            "MUNIFUND_REVIEWER_PASSWORD": PASSWORD,
            "MUNIFUND_HOME": str(deployment.warehouse.settings.home),
            "MUNIFUND_WAREHOUSE_URL": deployment.warehouse.warehouse.pipeline_url,
            "MUNIFUND_AIRFLOW_API_URL": deployment.api_url,
            "MUNIFUND_AIRFLOW_API_TOKEN": _token_for(deployment, API_USER),
            "PYTHONIOENCODING": "utf-8",
        }
    )
    munifund = str(Path(sys.executable).with_name("munifund"))
    result = subprocess.run(
        [munifund, "review", verb, "--run", run_id, "--by", by, "--comment", comment],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, f"munifund review {verb}: {result.stdout}{result.stderr}"
    return result
