"""`munifund run` end to end: the run lock, the warehouse's migrations, the landing (and on the
sample city fiscal year Y-1 first), then the DAG through `dag.test()` and the summary."""

from __future__ import annotations

import datetime as dt
import os
import sys
from typing import TYPE_CHECKING

from rich.console import Console

from munifund.config import Settings, load_settings
from munifund.runner.airflow_run import load_dag, prepare_airflow, test_dag
from munifund.runner.landing import prepare_landing, previous_year_to_publish
from munifund.runner.logs import (
    captured_output,
    file_as_interrupted,
    file_interrupted_logs,
    file_run_log,
    quiet_status,
    task_error,
)
from munifund.runner.outcome import RunOutcome
from munifund.runner.summary import print_one_line, print_summary

if TYPE_CHECKING:
    from munifund.warehouse.access import Warehouse


def operator_name(by: str | None) -> str:
    """Who starts a `munifund run`: --by, else $MUNIFUND_OPERATOR, else the login name."""
    import getpass

    return (by or os.environ.get("MUNIFUND_OPERATOR") or getpass.getuser()).strip()


def run_nightly(
    as_of: dt.date,
    landing: str | None,
    console: Console,
    started_by: str,
    verbose: bool = False,
) -> RunOutcome:
    """Run the DAG once for as_of, holding the warehouse's run lock throughout.

    Raises RunLocked (naming the holder) when another run holds it: then nothing was written,
    neither the schema, Airflow's metadata, the sample city nor the warehouse.
    """
    import getpass

    from munifund.publication.publish import RUN_LOGIN_VARIABLE
    from munifund.warehouse import open_warehouse
    from munifund.warehouse.migrate import migrate
    from munifund.warehouse.run_lock import RunHolder, RunLock

    settings = load_settings()
    os.environ[RUN_LOGIN_VARIABLE] = getpass.getuser()  # who ran it, whatever --by says
    with quiet_status(console, "starting the warehouse"):
        warehouse = open_warehouse(settings)
    with RunLock(warehouse, RunHolder("munifund run", as_of, started_by)) as lock:
        with quiet_status(console, "applying the warehouse's migrations"):
            migrate(warehouse)
        # the lock's record is a table of the migrations, so it is written once they are applied
        lock.record(share_with_tasks=True)
        if landing is None:
            landing = prepare_landing(settings, None, as_of, console)
            previous = previous_year_to_publish(warehouse, as_of)
            if previous is not None:
                from munifund.sample import demo

                console.print(
                    f"publishing fiscal year {previous.year} first (as of {previous}, from the"
                    " sample city's history), for the year-over-year comparison; and, for the"
                    " budget year's demo, as of"
                    f" {demo.first_date(previous.year)} before it, each approved by the sample"
                    " (a plan, an adjustment, the treasury's payments, a settlement)",
                    soft_wrap=True,
                    markup=False,
                )
                failed = _publish_previous_year_demo(
                    settings, warehouse, previous, landing, console, verbose
                )
                if failed is not None:
                    failed.during = f"fiscal year {previous.year}, published first"
                    failed.reason = f"{failed.during}: {failed.reason}"
                    return failed
        return _run_dag(settings, warehouse, as_of, landing, console, verbose)


def _publish_previous_year_demo(
    settings: Settings,
    warehouse: Warehouse,
    year_end: dt.date,
    landing: str,
    console: Console,
    verbose: bool,
) -> RunOutcome | None:
    """The bundled sample's Y-1, published and approved twice with the treasury's payments
    between and after (munifund.sample.demo); the failed run's outcome, else None."""
    from pathlib import Path

    from munifund.sample import demo

    first, (squared_on, january) = (
        demo.first_date(year_end.year),
        demo.treasury_dates(year_end.year),
    )
    for as_of, paid_on, tag in ((first, squared_on, "square"), (year_end, january, "adjust")):
        outcome = _run_dag(settings, warehouse, as_of, landing, console, verbose, False)
        if not outcome.published:
            return outcome
        with warehouse.connect() as conn:
            decision = demo.approve(conn, outcome.run_id)  # type: ignore[arg-type]
            owed = demo.balances(conn, outcome.run_id)  # type: ignore[arg-type]
        written = demo.write_treasury_payments(Path(landing), paid_on, year_end.year, owed, tag)
        console.print(
            f"approved by {demo.SAMPLE_APPROVER} (the sample's demo, decision {decision});"
            + (f" the treasury's payments of {paid_on}: {written}" if written else ""),
            soft_wrap=True,
            markup=False,
        )
    return None


def _run_dag(
    settings: Settings,
    warehouse: Warehouse,
    as_of: dt.date,
    landing: str | None,
    console: Console,
    verbose: bool,
    full_summary: bool = True,
) -> RunOutcome:
    from munifund.dates import logical_date_for
    from munifund.dbt_project import ensure_manifest

    os.environ["MUNIFUND_LANDING"] = prepare_landing(settings, landing, as_of, console)
    # the run id is Airflow's, known at the end: the log starts under a name of this process's
    starting = settings.run_logs_dir(as_of, f"starting-{os.getpid()}") / "run.log"
    file_interrupted_logs(settings, console)
    unsent = len(_unsent_mails())
    try:
        with captured_output(starting, console, verbose):
            with quiet_status(console, "preparing Airflow and the dbt manifest"):
                prepare_airflow(settings, warehouse.pipeline_url)
                ensure_manifest()
                dag = load_dag()
            dag_run = test_dag(dag, settings, console, logical_date_for(as_of))
    except BaseException:  # interrupted (Ctrl-C, a signal) or crashed: the log says it was
        file_as_interrupted(starting.parent)
        raise
    for line in _unsent_mails()[unsent:]:  # the task's log alone would hide it
        console.print(f"warning: {line}", soft_wrap=True, markup=False, style="yellow")
    state = str(getattr(dag_run, "state", "")).lower()
    run_id = getattr(dag_run, "run_id", None)
    logs = file_run_log(starting, settings, as_of, run_id)
    if "success" not in state:
        from munifund.dbt_stage import failed_nodes

        # the tasks that failed, not those that did not run because of them (upstream_failed),
        # in the order they ran: the first one's error is the cause
        failed = sorted(
            (
                ti
                for ti in dag_run.get_task_instances()
                if str(ti.state).rsplit(".", 1)[-1] == "failed"
            ),
            key=lambda ti: (ti.start_date is None, ti.start_date or 0),
        )
        failed_tasks = [ti.task_id for ti in failed]
        task_log = logs / f"{failed_tasks[0]}.log" if failed_tasks else logs / "run.log"
        if not task_log.exists():
            task_log = logs / "run.log"
        cause = task_error(task_log) or ""
        return RunOutcome(
            False,
            run_id,
            f"run {run_id} ended {state}; failed tasks: {', '.join(failed_tasks)}"
            + (f"; {cause}" if cause else ""),
            failed_nodes(as_of, run_id) if run_id and "dbt_build" in failed_tasks else [],
            logs,
            failed_tasks=failed_tasks,
            cause=cause,
            cause_log=task_log if task_log.exists() else None,
        )
    if full_summary:
        print_summary(warehouse.pipeline_url, as_of, run_id, settings, console, logs)
    else:
        print_one_line(warehouse.pipeline_url, as_of, run_id, settings, console)
    if run_id:
        with warehouse.connect() as conn:
            say_what_it_supersedes(conn, run_id, console)
    return RunOutcome(True, run_id, logs=logs)


def say_what_it_supersedes(conn, run_id: str, console: Console) -> None:
    """A re-run of a date whose run was approved: which approved run it supersedes, by whom,
    and that the plan in force stays that approval until this run is approved."""
    from munifund.config import CITY_TIMEZONE
    from munifund.review.status import superseded_approvals

    for old in superseded_approvals(conn, run_id):
        when = old.decided_at.astimezone(CITY_TIMEZONE).strftime("%Y-%m-%d %H:%M")
        console.print(
            f"this run supersedes run {old.run_id} of the same date, approved by"
            f" {old.decided_by} on {when} (decision {old.decision_id}); the plan in force"
            " (下达) stays the approved one, with the allocation frozen at its approval, until"
            f" this run is approved (munifund review approve --run {run_id} --by NAME)",
            soft_wrap=True,
            markup=False,
            style="yellow",
        )


def _unsent_mails() -> list[str]:
    """The mails the tasks of this process could not send (munifund.notify.UNSENT), read without
    importing Airflow before munifund configured it (configure_airflow must come first)."""
    notify = sys.modules.get("munifund.notify")
    return list(notify.UNSENT) if notify else []
