"""The nightly DAG under a real scheduler and Celery workers, driven through Airflow's REST API.

The topology of docker-compose.yml without containers (see conftest.py): Airflow's metadata in
Debian's PostgreSQL, Celery's broker in Redis, the warehouse in munifund's embedded PostgreSQL 18,
and api-server, scheduler, dag-processor, triggerer and a Celery worker as processes. The test
triggers the run for one as-of date, answers the finance bureau's approval through the API as a
person would in the UI, and reads the outcome in the warehouse.

Minutes long; `make test-quick` (`-m "not e2e and not integration"`) leaves it out, `make test`
and CI run it.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from decimal import Decimal
from typing import TYPE_CHECKING

import httpx
import psycopg
import pytest

from munifund.dates import logical_date_for

if TYPE_CHECKING:
    from .conftest import AirflowDeployment

pytestmark = pytest.mark.integration

DAG_ID = "municipal_maintenance_funding"
AS_OF = dt.date(2026, 11, 28)
APPROVAL_TASK = "approve_allocation"
COMMENT = "核对无误"
OPERATOR = "运维 ops"  # triggers the run; the approval is another person's (four eyes)
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


def test_the_nightly_dag_runs_on_celery_and_is_approved_through_the_api(
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

        answer = _ok(
            api.patch(
                f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{APPROVAL_TASK}/-1/hitlDetails",
                json={"chosen_options": ["Approve"], "params_input": {"comment": COMMENT}},
            )
        )
        reviewer = answer["responded_by"]["name"]
        assert reviewer

        _wait_for_run(
            deployment, api, run_id, lambda run_state, _: run_state == "success",
            "the run to succeed after the approval",
        )  # fmt: skip
        states = _task_states(api, run_id)
        assert set(states.values()) == {"success"}, states
        instances = _ok(
            api.get(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances", params={"limit": 500})
        )["task_instances"]
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
            "select district_code, total_yuan, pool_yuan, run_id from published.district_allocation"
            " where as_of_date = %s order by district_code",
            [AS_OF],
        ).fetchall()
        assert len(rows) == 9
        assert {r[3] for r in rows} == {run_id}
        pools = {r[2] for r in rows}
        assert len(pools) == 1
        assert sum(r[1] for r in rows) == pools.pop() > Decimal("1000000")

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
        assert (status, recorded_reviewer, comment) == ("approved", reviewer, COMMENT)
        assert reviewer != OPERATOR
        assert fingerprints and row_counts

        approved = conn.execute(
            "select district_code, total_yuan, reviewer, review_comment"
            " from published.approved_district_allocation where run_id = %s"
            " order by district_code",
            [run_id],
        ).fetchall()
        assert [(code, total) for code, total, _, _ in approved] == [(r[0], r[1]) for r in rows]
        assert {(r[2], r[3]) for r in approved} == {(reviewer, COMMENT)}
