"""`munifund run` splits the run's log into one file per task (runner.split_task_logs)."""

from __future__ import annotations

from pathlib import Path

from munifund.runner.logs import split_task_logs

RUN_LOG = """\
2026-11-29T05:56:24Z [info] Filling up the DagBag
2026-11-29T05:56:25Z [info] [DAG TEST] starting task_id=ingest_landing map_index=-1
2026-11-29T05:56:35Z [info] Done. Returned value was: {'files_taken': 3}
2026-11-29T05:56:35Z [info] [DAG TEST] end task task_id=ingest_landing map_index=-1
between the tasks
2026-11-29T05:56:35Z [info] [DAG TEST] starting task_id=dbt_build map_index=-1
05:56:41  Running with dbt=1.11.16
05:57:12  Done. PASS=424 WARN=0 ERROR=1 SKIP=0
2026-11-29T05:57:13Z [error] Task failed with exception
CosmosDbtRunError: dbt invocation completed with errors
"""


def test_each_task_gets_its_lines_and_a_failed_one_keeps_its_error(tmp_path: Path) -> None:
    run_log = tmp_path / "run.log"
    run_log.write_text(RUN_LOG, "utf-8")
    written = split_task_logs(run_log)
    assert [p.name for p in written] == ["ingest_landing.log", "dbt_build.log"]
    ingest = (tmp_path / "ingest_landing.log").read_text("utf-8").splitlines()
    assert len(ingest) == 3 and "files_taken" in ingest[1]
    build = (tmp_path / "dbt_build.log").read_text("utf-8")
    # a task that failed has no end mark: its part runs to the end of the log
    assert build.endswith("CosmosDbtRunError: dbt invocation completed with errors\n")
    assert "between the tasks" not in build and "DagBag" not in build
    assert run_log.read_text("utf-8") == RUN_LOG  # the whole log stays


def test_a_log_without_tasks_gives_no_files(tmp_path: Path) -> None:
    run_log = tmp_path / "run.log"
    run_log.write_text("the warehouse would not start\n", "utf-8")
    assert split_task_logs(run_log) == []
    assert [p.name for p in tmp_path.iterdir()] == ["run.log"]
