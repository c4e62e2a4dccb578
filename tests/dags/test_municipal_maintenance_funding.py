"""The nightly DAG imports through Airflow itself and follows the project's DAG policy."""

from __future__ import annotations

import datetime as dt

import pytest

from munifund.config import DAGS_FOLDER
from munifund.dbt_project import ensure_manifest

DAG_ID = "municipal_maintenance_funding"


@pytest.fixture(scope="module")
def dagbag():
    ensure_manifest()
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_FOLDER))


def test_dag_folder_imports_without_errors(dagbag) -> None:
    assert dagbag.import_errors == {}
    assert DAG_ID in dagbag.dags


def test_every_dag_follows_the_policy(dagbag) -> None:
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags, f"{dag_id} has no tags"
        assert dag.doc_md and "When it fails" in dag.doc_md, f"{dag_id} has no triage notes"
        assert dag.catchup is False
        assert dag.max_active_runs == 1
        for task in dag.tasks:
            assert task.owner == "munifund", task.task_id
            if task.task_type != "RecordedApprovalOperator":  # a person's answer is not retried
                assert task.retries >= 1, f"{task.task_id} never retries"


def test_schedule_is_two_in_the_morning_in_the_city(dagbag) -> None:
    dag = dagbag.dags[DAG_ID]
    assert dag.timetable.expression == "0 2 * * *"
    assert str(dag.timetable.timezone) == "Asia/Shanghai"
    assert dag.start_date <= dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def test_stages_are_wired_in_order(dagbag) -> None:
    dag = dagbag.dags[DAG_ID]
    ingest = dag.get_task("ingest_landing")
    build = dag.get_task("dbt_build")
    audit = dag.get_task("audit_allocation")
    publish = dag.get_task("publish_allocation")
    review = dag.get_task("write_review_pack")
    # one dbt build of every model and data test (no unit test), between the ingest and the audit
    assert build.task_type == "DbtBuildOperator"
    assert build.cosmos_arguments == {"exclude": ["resource_type:unit_test"]}
    assert build.upstream_task_ids == {ingest.task_id}
    assert build.downstream_task_ids == {audit.task_id}
    assert ingest.task_id in publish.upstream_task_ids
    assert audit.task_id in publish.upstream_task_ids
    assert review.upstream_task_ids == {publish.task_id}
    approve = dag.get_task("approve_allocation")
    assert approve.upstream_task_ids == {review.task_id}
    assert approve.task_type == "RecordedApprovalOperator"
    assert set(approve.options) == {"Approve", "Reject"}


def test_the_run_reaches_dbt_through_the_environment_not_vars(dagbag) -> None:
    """A new run's date and id as dbt vars would make dbt re-parse the whole project."""
    build = dagbag.dags[DAG_ID].get_task("dbt_build")
    assert "vars" not in build.cosmos_arguments
    assert set(build.env) == {"MUNIFUND_AS_OF_DATE", "MUNIFUND_RUN_ID"}
    assert "logical_date" in build.env["MUNIFUND_AS_OF_DATE"]


def test_publish_announces_the_published_asset(dagbag) -> None:
    publish = dagbag.dags[DAG_ID].get_task("publish_allocation")
    assert [o.name for o in publish.outlets] == ["munifund_published_allocation"]


def test_the_dag_file_parses_without_heavy_imports() -> None:
    """Nothing expensive at parse time (STYLE.md): dbt, Cosmos's operators, pandas, psycopg and
    the review pack's libraries are imported inside tasks only. In a fresh interpreter, since the
    test process has them all loaded already."""
    import subprocess
    import sys

    heavy = ("cosmos.operators", "dbt.cli", "pandas", "psycopg", "polars", "matplotlib", "openpyxl")
    code = (
        "import sys, runpy; import airflow.sdk;"
        f" runpy.run_path({str(DAGS_FOLDER / (DAG_ID + '.py'))!r});"
        f" print(' '.join(m for m in {heavy!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"the DAG file's parse imported {out.stdout.strip()}"


def test_the_approval_step_links_to_the_pack_served_by_airflow(
    dagbag, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MUNIFUND_PUBLIC_URL", "https://airflow.caiwu.example")
    dag = dagbag.dags[DAG_ID]
    body = dag.get_task("approve_allocation").body
    logical_date = dt.datetime(2026, 11, 27, 18, tzinfo=dt.UTC)  # 2026-11-28 02:00 in the city
    text = (
        dag.get_template_env()
        .from_string(body)
        .render(logical_date=logical_date, run_id="scheduled__2026-11-27T18:00:00+00:00")
    )
    assert "https://airflow.caiwu.example/munifund/reviews/2026-11-28/review.html" in text


def test_every_task_has_the_execution_timeout_the_readme_states(dagbag) -> None:
    """A hung task fails instead of holding the night: each task's timeout is set, and is the
    one the README's table states."""
    import re

    from munifund.config import PROJECT_ROOT

    units = {"min": dt.timedelta(minutes=1), "h": dt.timedelta(hours=1), "days": dt.timedelta(1)}
    stated = {
        task_id: int(amount) * units[unit]
        for task_id, amount, unit in re.findall(
            r"^\| `(\w+)` \| (\d+) (min|h|days)\b", (PROJECT_ROOT / "README.md").read_text(), re.M
        )
    }
    dag = dagbag.dags[DAG_ID]
    assert {task.task_id: task.execution_timeout for task in dag.tasks} == stated
    approval = dag.get_task("approve_allocation")
    assert approval.execution_timeout > approval.response_timeout  # people get their full time
