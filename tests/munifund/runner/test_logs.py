"""`munifund run`: the run's log split into one file per task (runner.split_task_logs), and a
summary that prints delivered names as text (runner.print_summary)."""

from __future__ import annotations

from pathlib import Path

from munifund.runner.logs import split_task_logs, task_error

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


def test_a_district_name_with_markup_is_printed_as_delivered(warehouse, tmp_path: Path) -> None:
    """`…[/]` in a delivered name made rich raise MarkupError after the run had published, and
    `munifund run` exit 1: the summary prints it as text."""
    import datetime as dt
    import io

    from rich.console import Console

    from munifund.config import load_settings
    from munifund.runner.summary import print_summary

    as_of, run_id = dt.date(2039, 11, 28), "manual__markup"
    hostile = "道里区[/] [bold]x[/bold] [link=http://evil]y"
    with warehouse.connect() as conn:
        conn.execute(
            "insert into published.district_allocation (fiscal_year, as_of_date, run_id,"
            " district_code, name_zh, name_en, standard_cost_yuan, share, base_yuan, cases_due,"
            " cases_on_time, own_investment_yuan, incentive_share_of_pool, incentive_yuan,"
            " total_yuan, pool_yuan, base_pool_yuan, incentive_pool_yuan, incentive_share,"
            " incentive_fell_back, incentive_basis) values (2039, %s, %s, '230102', %s, '[/]',"
            " 1000, 1, 1000, 0, 0, 0, 0, 0, 1000, 1000, 1000, 0, 0, false, 'level')",
            [as_of, run_id, hostile],
        )
    out = io.StringIO()
    print_summary(
        warehouse.pipeline_url, as_of, run_id, load_settings(),
        Console(file=out, width=300), tmp_path / "logs [x]",
    )  # fmt: skip
    text = out.getvalue()
    assert f"{hostile} [/]" in text
    assert "logs: " + str(tmp_path / "logs [x]") in text


def test_a_killed_run_s_log_folder_is_filed_as_interrupted(tmp_path: Path, monkeypatch) -> None:
    """A run killed before it knew its run id left `starting-<pid>` behind for good: the next
    run files it as `interrupted-<pid>` and says where; a live run's folder is left alone."""
    import io
    import os
    import subprocess

    from rich.console import Console

    from munifund.config import load_settings
    from munifund.runner.logs import file_interrupted_logs

    monkeypatch.setenv("MUNIFUND_HOME", str(tmp_path))
    ended = subprocess.Popen(["true"])  # noqa: S607 - a pid whose process is gone
    ended.wait()
    dead_pid = ended.pid
    killed = tmp_path / "logs" / "2026-11-28" / f"starting-{dead_pid}"
    live = tmp_path / "logs" / "2026-11-28" / f"starting-{os.getpid()}"
    for folder in (killed, live):
        folder.mkdir(parents=True)
        (folder / "run.log").write_text("ingest_landing ...\n")
    out = io.StringIO()
    file_interrupted_logs(load_settings(), Console(file=out, width=300))
    filed = killed.with_name(f"interrupted-{dead_pid}")
    assert (filed / "run.log").read_text() == "ingest_landing ...\n"
    assert not killed.exists() and live.exists()
    assert out.getvalue() == f"an interrupted run's log: {filed}\n"


FAILED_TASK_LOG = """\
2026-12-07T16:36:34.290543Z [error    ] Task failed with exception     [task] loc=task_runner.py:1676
Traceback (most recent call last):
  File "/x/plugins/munifund/tasks.py", line 82, in audit_task
    raise KeyError("run")
KeyError: 'run'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/x/plugins/munifund/publication/audit.py", line 57, in audit_candidate
    raise AuditFailed("the allocation cannot be published:\\n- " + "\\n- ".join(problems))
munifund.publication.audit.AuditFailed: the allocation cannot be published:
- No unit-cost standard (经费标准) for road_maintenance of trunk_road valid on 2026-01-01.
- Another problem.
2026-12-07T16:36:34.293023Z [info     ] ::group::Post Execute          [task]
"""


def test_a_failed_task_s_error_is_read_whole_without_its_module(tmp_path: Path) -> None:
    log = tmp_path / "audit_allocation.log"
    log.write_text(FAILED_TASK_LOG, "utf-8")
    # the exception raised last (the chained one), every line of its message, no traceback
    assert task_error(log) == (
        "AuditFailed: the allocation cannot be published:\n"
        "- No unit-cost standard (经费标准) for road_maintenance of trunk_road valid on"
        " 2026-01-01.\n"
        "- Another problem."
    )


def test_a_log_without_a_failure_has_no_error(tmp_path: Path) -> None:
    log = tmp_path / "ingest_landing.log"
    log.write_text(RUN_LOG.split("between the tasks")[0], "utf-8")
    assert task_error(log) is None
    assert task_error(tmp_path / "missing.log") is None
