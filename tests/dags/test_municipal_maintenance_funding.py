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
    audit = dag.get_task("audit_allocation")
    publish = dag.get_task("publish_allocation")
    review = dag.get_task("write_review_pack")
    dbt_tasks = [t for t in dag.tasks if t.task_id.startswith("dbt_build.")]
    model_tasks = {t.task_id for t in dbt_tasks}
    for model in ("district_allocation", "district_allocation_lines", "stg_assets__assets"):
        assert any(model in task_id for task_id in model_tasks), f"no dbt task for {model}"
    # ingest feeds every dbt root; every dbt leaf feeds the audit
    roots = [t for t in dbt_tasks if not (t.upstream_task_ids & model_tasks)]
    leaves = [t for t in dbt_tasks if not (t.downstream_task_ids & model_tasks)]
    assert roots and all("ingest_landing" in t.upstream_task_ids for t in roots)
    assert leaves and all("audit_allocation" in t.downstream_task_ids for t in leaves)
    assert ingest.task_id in publish.upstream_task_ids
    assert audit.task_id in publish.upstream_task_ids
    assert review.upstream_task_ids == {publish.task_id}
    approve = dag.get_task("approve_allocation")
    assert approve.upstream_task_ids == {review.task_id}
    assert approve.task_type == "RecordedApprovalOperator"
    assert set(approve.options) == {"Approve", "Reject"}


def test_publish_announces_the_published_asset(dagbag) -> None:
    publish = dagbag.dags[DAG_ID].get_task("publish_allocation")
    assert [o.name for o in publish.outlets] == ["munifund_published_allocation"]
