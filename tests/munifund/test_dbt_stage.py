"""The DAG's dbt stage (`munifund.dbt_stage`): one `dbt build` whose failures are named, and a
retry that runs again only what failed (`dbt retry`), against the session's real warehouse.

The operator is the DAG's own (`dags/municipal_maintenance_funding.py` builds it the same way);
it is built by the same `dbt_build_task` and executed here on a small selection so that a try costs seconds, not the whole project.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace

import psycopg
import pytest

from munifund.dbt_project import ensure_manifest
from munifund.dbt_stage import (
    DbtBuildOperator,
    dbt_artifacts_dir,
    dbt_build_task,
    failed_nodes,
)

AS_OF = dt.date(2026, 6, 30)
RUN_ID = "manual__stage-test"
MODEL = "stg_asset_transfers__asset_transfers"


def _operator() -> DbtBuildOperator:
    ensure_manifest()
    return dbt_build_task(
        env={"MUNIFUND_AS_OF_DATE": AS_OF.isoformat(), "MUNIFUND_RUN_ID": RUN_ID}, select=[MODEL]
    )


def _execute(try_number: int) -> Exception | None:
    context = {
        "run_id": RUN_ID,
        "logical_date": dt.datetime(2026, 6, 29, 18, tzinfo=dt.UTC),  # 02:00 on 30 June in the city
        "ti": SimpleNamespace(try_number=try_number, xcom_push=lambda **_: None),
    }
    try:
        _operator().execute(context)
    except Exception as err:  # noqa: BLE001 - the failure is what is asserted
        return err
    return None


def _ran(target: Path) -> dict[str, str]:
    results = json.loads((target / "run_results.json").read_text("utf-8"))["results"]
    return {
        r["unique_id"].split(".")[-1 if r["unique_id"].startswith("model") else 2]: r["status"]
        for r in results
    }


@pytest.fixture
def bad_transfer(empty_warehouse):
    """A transfer whose work type no rule knows, written straight into raw (the loader would
    quarantine it): the staging model builds, its accepted_values test fails."""
    with psycopg.connect(empty_warehouse.pipeline_url, autocommit=True) as conn:
        conn.execute(
            "insert into raw.asset_transfers (transfer_id, asset_id, work_type, to_tier,"
            " to_district_code, effective_date, decree_ref, _partition_date, _file, _run_id)"
            " values ('T-BAD', 'A-1', 'juggling', 'district', '230102', '2026-03-01', 'X',"
            " '2026-03-01', 'bad.csv', 'test')"
        )
    yield empty_warehouse
    with psycopg.connect(empty_warehouse.pipeline_url, autocommit=True) as conn:
        conn.execute("delete from raw.asset_transfers where transfer_id = 'T-BAD'")


def test_a_failed_test_is_named_and_a_retry_runs_only_what_failed(bad_transfer) -> None:
    target = dbt_artifacts_dir(AS_OF, RUN_ID)

    error = _execute(try_number=1)
    assert error is not None, "the build passed with a work type no rule knows"
    assert "accepted_values_stg_asset_transfers__asset_transfers_work_type" in str(error)
    first = _ran(target)
    assert first[MODEL] == "success"
    assert "fail" in first.values()
    named = failed_nodes(AS_OF, RUN_ID)
    assert len(named) == 1 and named[0].startswith("test accepted_values_stg_asset_transfers")
    assert "Got 1 result" in named[0]
    assert (target / "dbt.log").stat().st_size > 0

    with psycopg.connect(bad_transfer.pipeline_url, autocommit=True) as conn:
        conn.execute("delete from raw.asset_transfers where transfer_id = 'T-BAD'")
    assert _execute(try_number=2) is None
    second = _ran(target)
    assert MODEL not in second, "the retry built again a model that had passed"
    assert set(second.values()) == {"pass"} and len(second) < len(first)
    assert failed_nodes(AS_OF, RUN_ID) == []
    # a build that passed keeps its log and results, not its compiled SQL
    assert {p.name for p in target.iterdir()} == {"dbt.log", "run_results.json"}


def test_a_first_try_never_resumes_an_older_build(bad_transfer) -> None:
    target = dbt_artifacts_dir(AS_OF, RUN_ID)
    target.mkdir(parents=True, exist_ok=True)
    (target / "run_results.json").write_text(json.dumps({"results": []}), "utf-8")
    error = _execute(try_number=1)  # a fresh build, which finds the bad row again
    assert error is not None
    assert MODEL in _ran(target)
