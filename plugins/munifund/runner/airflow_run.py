"""Airflow for one `munifund run`: its home and metadata prepared, the DAG loaded without
retries, and `dag.test()` run with the progress display."""

from __future__ import annotations

import datetime as dt

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from munifund.config import DAGS_FOLDER, Settings
from munifund.runner.outcome import RunFailed
from munifund.runner.progress import DAG_ID, TaskWatcher


def prepare_airflow(settings: Settings, pipeline_url: str) -> None:
    from munifund.airflow_env import configure_airflow, log_tasks_at_info

    configure_airflow(settings, pipeline_url)
    log_tasks_at_info()
    from munifund.airflow_env import migrate_metadata_db

    migrate_metadata_db(settings)


def load_dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_FOLDER / f"{DAG_ID}.py"))
    if bag.import_errors:
        raise RunFailed("the DAG does not import:\n" + "\n".join(bag.import_errors.values()))
    dag = bag.dags[DAG_ID]
    # An interactive run reports a failure at once instead of waiting out the retry delay.
    for task in dag.tasks:
        task.retries = 0
    return dag


def test_dag(dag, settings: Settings, console: Console, logical_date: dt.datetime):
    """dag.test() with a progress bar fed from Airflow's metadata; returns the DAG run."""
    sqlite_db = settings.airflow_home / "airflow.db"
    # In a terminal rich's live display would take over sys.stdout and sys.stderr and print what
    # Airflow and dbt write there above the bar: their lines belong in the run's log file
    # (logs.captured_output), so the display leaves both streams alone.
    progress = Progress(
        SpinnerColumn(), TextColumn("{task.description:<40}"), BarColumn(),
        TextColumn("{task.completed}/{task.total} tasks"), TimeElapsedColumn(), console=console,
        redirect_stdout=False, redirect_stderr=False,
    )  # fmt: skip
    with progress:
        watcher = TaskWatcher(sqlite_db, progress, len(dag.tasks)) if sqlite_db.exists() else None
        if watcher:
            watcher.start()
        dag_run = None
        try:
            # the approval is the finance bureau's, not ours: it is marked done without asking,
            # and the run stays a draft until `munifund review approve`
            dag_run = dag.test(
                logical_date=logical_date, mark_success_pattern="^approve_allocation$"
            )
        finally:
            if watcher:
                watcher.stop.set()
                watcher.join()
                watcher.finish(dag_run)
    return dag_run
