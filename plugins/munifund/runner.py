"""`munifund run`: one run of the nightly DAG for a date, in-process through Airflow's `dag.test()`.

It takes the warehouse's run lock first (`munifund.warehouse.run_lock`: a second run is
refused, naming this one), then prepares what a scheduler deployment would have (warehouse
schema, Airflow home and metadata database, dbt manifest, landing area), runs the DAG with a
progress display, and prints the published allocation. The run is left as a draft for the
finance bureau; it never waits for a human.

The screen shows the progress and the summary only: everything Airflow and dbt print goes to
`$MUNIFUND_HOME/logs/<as_of>/<run_id>/run.log` (dbt's own log beside it), whose path the summary
gives; `verbose` leaves it all on the screen.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from munifund.config import CITY_TIMEZONE, DAGS_FOLDER, Settings, load_settings

if TYPE_CHECKING:
    from munifund.warehouse.access import Warehouse

DAG_ID = "municipal_maintenance_funding"
SAMPLE_SEED = 42


class RunFailed(RuntimeError):
    pass


def operator_name(by: str | None) -> str:
    """Who starts a `munifund run`: --by, else $MUNIFUND_OPERATOR, else the login name."""
    import getpass

    return (by or os.environ.get("MUNIFUND_OPERATOR") or getpass.getuser()).strip()


@dataclass
class RunOutcome:
    published: bool
    run_id: str | None
    reason: str = ""
    #: the models and tests that failed, when dbt_build did
    failed_dbt_nodes: list[str] = field(default_factory=list)
    logs: Path | None = None


def prepare_landing(
    settings: Settings, landing: str | None, as_of: dt.date, console: Console
) -> str:
    """The landing area to read; the bundled sample city, generated for as_of's year if absent."""
    if landing:
        return landing
    from munifund.sample import generate_sample_city

    target = settings.sample_landing / str(as_of.year)
    if not (target / "_manifest.json").exists():
        console.print(f"writing the sample city for {as_of.year} to {target}")
        generate_sample_city(target, year=as_of.year, scale=1, seed=SAMPLE_SEED)
    return str(target)


def prepare_airflow(settings: Settings, pipeline_url: str) -> None:
    from munifund.airflow_env import configure_airflow, log_tasks_at_info

    configure_airflow(settings, pipeline_url)
    log_tasks_at_info()
    from munifund.airflow_env import migrate_metadata_db

    migrate_metadata_db(settings)


@contextmanager
def captured_output(log_file: Path, console: Console, verbose: bool) -> Iterator[None]:
    """Everything this process and its children print goes to log_file, the console (progress,
    summary) to the terminal. Done on the file descriptors: Airflow's and dbt's loggers hold
    their own references to stdout and stderr."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    if verbose:
        yield
        return
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    terminal = os.fdopen(os.dup(saved[0]), "w", encoding="utf-8", errors="replace")
    screen = console.file
    console.file = terminal
    try:
        with log_file.open("ab") as log:
            os.dup2(log.fileno(), 1)
            os.dup2(log.fileno(), 2)
            try:
                yield
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
    finally:
        console.file = screen
        terminal.close()
        os.close(saved[0])
        os.close(saved[1])


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


class _TaskWatcher(threading.Thread):
    """Reads task states from Airflow's SQLite metadata while dag.test() runs, for the display."""

    def __init__(self, db_path: Path, progress: Progress, task_count: int) -> None:
        super().__init__(daemon=True)
        self.db_path = db_path
        self.progress = progress
        self.bar = progress.add_task("starting", total=task_count)
        self.stop = threading.Event()
        self.started_at = time.time()
        # only a DAG run created after this one started is this run's: an earlier run's finished
        # tasks would fill the bar at once (and stop its clock) before dag.test() made its own
        try:
            self.after_id = self._query("select coalesce(max(id), 0) from dag_run", [])[0][0]
        except sqlite3.Error:
            self.after_id = 0

    def _query(self, sql: str, params: list) -> list[tuple]:
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=0.2) as db:
            return db.execute(sql, params).fetchall()

    def run(self) -> None:
        while not self.stop.wait(0.5):
            try:
                rows = self._query(
                    "select ti.task_id, ti.state from task_instance ti"
                    " join dag_run dr on dr.run_id = ti.run_id and dr.dag_id = ti.dag_id"
                    " where ti.dag_id = ? and dr.id = (select max(id) from dag_run"
                    " where dag_id = ? and id > ?)",
                    [DAG_ID, DAG_ID, self.after_id],
                )
            except sqlite3.Error:
                continue
            done = sum(
                1 for _, s in rows if s in ("success", "failed", "skipped", "upstream_failed")
            )
            running = [t for t, s in rows if s == "running"]
            self.progress.update(
                self.bar, completed=done, description=running[0] if running else "…"
            )

    def finish(self, dag_run) -> None:
        """The last count from the run itself: the bar ends at N/N when every task finished."""
        if dag_run is None:
            return
        finished = [
            ti
            for ti in dag_run.get_task_instances()
            if str(ti.state).rsplit(".", 1)[-1]
            in ("success", "failed", "skipped", "upstream_failed")
        ]
        self.progress.update(
            self.bar, completed=len(finished), description=str(dag_run.state).rsplit(".", 1)[-1]
        )


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
    from munifund.warehouse import open_warehouse
    from munifund.warehouse.migrate import migrate
    from munifund.warehouse.run_lock import RunHolder, RunLock

    settings = load_settings()
    with console.status("starting the warehouse"):
        warehouse = open_warehouse(settings)
    with RunLock(warehouse, RunHolder("munifund run", as_of, started_by)) as lock:
        with console.status("applying the warehouse's migrations"):
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
                )
                failed = _publish_previous_year_demo(
                    settings, warehouse, previous, landing, console, verbose
                )
                if failed is not None:
                    failed.reason = f"fiscal year {previous.year}, published first: {failed.reason}"
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
        )
    return None


def previous_year_to_publish(warehouse: Warehouse, as_of: dt.date) -> dt.date | None:
    """The last day of fiscal year Y-1 when nothing of it is published yet, else None.

    For the bundled sample city only: year over year compares with Y-1's final publication, and
    the sample of Y carries Y-1 as its history (pool, investment, assets, payments), so a first
    `munifund run` publishes Y-1 as of its last day from the same landing before Y. A real
    landing's Y-1 is the operator's to publish (README, "Year over year").
    """
    from munifund.config import FIRST_FISCAL_YEAR

    if as_of.year - 1 < FIRST_FISCAL_YEAR:
        return None
    with warehouse.connect() as conn:
        published = conn.execute(
            "select exists (select from published.district_allocation where fiscal_year = %s)",
            [as_of.year - 1],
        ).fetchone()[0]
    return None if published else dt.date(as_of.year - 1, 12, 31)


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
    with captured_output(starting, console, verbose):
        with console.status("preparing Airflow and the dbt manifest"):
            prepare_airflow(settings, warehouse.pipeline_url)
            ensure_manifest()
            dag = load_dag()
        dag_run = _test_dag(dag, settings, console, logical_date_for(as_of))
    state = str(getattr(dag_run, "state", "")).lower()
    run_id = getattr(dag_run, "run_id", None)
    logs = _file_run_log(starting, settings, as_of, run_id)
    if "success" not in state:
        from munifund.dbt_stage import failed_nodes

        # the task that failed, not those that did not run because of it (upstream_failed)
        failed = [
            ti.task_id
            for ti in dag_run.get_task_instances()
            if str(ti.state).rsplit(".", 1)[-1] == "failed"
        ]
        cause = last_task_error(logs / "run.log")
        return RunOutcome(
            False,
            run_id,
            f"run {run_id} ended {state}; failed tasks: {', '.join(failed)}"
            + (f"; {cause}" if cause else ""),
            failed_nodes(as_of, run_id) if run_id and "dbt_build" in failed else [],
            logs,
        )
    if full_summary:
        print_summary(warehouse.pipeline_url, as_of, run_id, settings, console, logs)
    else:
        print_one_line(warehouse.pipeline_url, as_of, run_id, settings, console)
    return RunOutcome(True, run_id, logs=logs)


def last_task_error(run_log: Path) -> str | None:
    """The exception line of the last task that failed (`AuditFailed: totals ...`), from the
    traceback Airflow's task runner wrote to the run's log."""
    if not run_log.exists():
        return None
    lines = run_log.read_text("utf-8", errors="replace").splitlines()
    starts = [i for i, line in enumerate(lines) if "Task failed with exception" in line]
    if not starts:
        return None
    exception = None
    for line in lines[starts[-1] + 1 :]:
        if line.startswith((" ", "Traceback", "During handling", "The above exception")):
            continue
        if line[:1].isdigit() or line.startswith("\x1b"):  # the next log record
            break
        exception = line.strip() or exception
    return exception


def _file_run_log(starting: Path, settings: Settings, as_of: dt.date, run_id: str | None) -> Path:
    """The run's log moved beside dbt's, in the folder named by its run id, and each task's part
    of it in a file of its own there."""
    if not run_id or not starting.exists():
        return starting.parent
    folder = settings.run_logs_dir(as_of, run_id)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.move(starting, folder / "run.log")
    shutil.rmtree(starting.parent, ignore_errors=True)
    split_task_logs(folder / "run.log")
    return folder


TASK_STARTS = re.compile(r"\[DAG TEST\] starting task_id=(\w+)")
TASK_ENDS = re.compile(r"\[DAG TEST\] end task task_id=(\w+)")


def split_task_logs(run_log: Path) -> list[Path]:
    """`<task_id>.log` beside the run's log for every task in it, with the task's lines: what
    Airflow logged for it and what it printed (dbt's console for dbt_build). dag.test() runs the
    tasks one after another in this process and marks where each starts and ends."""
    written: list[Path] = []
    task_log = None
    try:
        with run_log.open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                if starts := TASK_STARTS.search(line):
                    if task_log:
                        task_log.close()
                    path = run_log.with_name(f"{starts.group(1)}.log")
                    task_log = path.open("a", encoding="utf-8")
                    written.append(path)
                if task_log:
                    task_log.write(line)
                    if TASK_ENDS.search(line):
                        task_log.close()
                        task_log = None
    finally:
        if task_log:
            task_log.close()
    return written


def _test_dag(dag, settings: Settings, console: Console, logical_date: dt.datetime):
    """dag.test() with a progress bar fed from Airflow's metadata; returns the DAG run."""
    sqlite_db = settings.airflow_home / "airflow.db"
    progress = Progress(
        SpinnerColumn(), TextColumn("{task.description:<40}"), BarColumn(),
        TextColumn("{task.completed}/{task.total} tasks"), TimeElapsedColumn(), console=console,
    )  # fmt: skip
    with progress:
        watcher = _TaskWatcher(sqlite_db, progress, len(dag.tasks)) if sqlite_db.exists() else None
        if watcher:
            watcher.start()
        dag_run = None
        try:
            # the approval is the finance bureau's, not ours: it is marked done without asking,
            # and the run stays a draft in allocation_runs until `munifund review approve`
            dag_run = dag.test(
                logical_date=logical_date, mark_success_pattern="^approve_allocation$"
            )
        finally:
            if watcher:
                watcher.stop.set()
                watcher.join()
                watcher.finish(dag_run)
    return dag_run


def print_one_line(
    url: str, as_of: dt.date, run_id: str | None, settings: Settings, console: Console
) -> None:
    """A run published on the way to another: its total, its run id and its review pack."""
    import psycopg

    with psycopg.connect(url) as conn:
        districts, total = conn.execute(
            "select count(*), coalesce(sum(total_yuan), 0) from published.district_allocation"
            " where as_of_date = %s and run_id = %s",
            [as_of, run_id],
        ).fetchone()
    console.print(
        f"fiscal year {as_of.year} published as of {as_of}: {districts} districts,"
        f" {total:,.2f} yuan in all; run {run_id}, a draft; review pack:"
        f" {settings.reviews_dir / as_of.isoformat()}",
        soft_wrap=True,
    )


def money_cycle_lines(conn, as_of: dt.date, run_id: str | None) -> list[str]:
    """The city's year over year, and the districts counted by payment and by use status."""
    city = conn.execute(
        "select comparison, previous_as_of_date, standard_cost_growth_pct, pool_growth_pct,"
        " pool_kept_pace from published.allocation_year_over_year"
        " where as_of_date = %s and run_id = %s and district_code is null",
        [as_of, run_id],
    ).fetchone()
    lines = []
    if city is None or city[0] != "compared":
        lines.append(f"year over year: nothing of fiscal year {as_of.year - 1} is published")
    else:
        _, previous, cost_growth, pool_growth, kept_pace = city
        lines.append(
            f"year over year (against {previous}): standard cost {cost_growth:+} %,"
            f" pool {pool_growth:+} %; the pool "
            + ("kept pace" if kept_pace else "did not keep pace")
        )
    counted = []
    for table, label in (("disbursement_status", "payments"), ("allocation_spending", "use")):
        statuses = conn.execute(
            f"select status, count(*) from published.{table}"  # noqa: S608 - fixed names
            " where as_of_date = %s and run_id = %s group by status order by status",
            [as_of, run_id],
        ).fetchall()
        counted.append(
            f"{label}: " + ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in statuses)
        )
    lines.append(" · ".join(counted) + " (districts; the review pack names them)")
    return lines


def budget_lines(conn, as_of: dt.date, run_id: str | None) -> list[str]:
    """The plan in force and what approving this draft would change (下达, 追加/追减); the
    settlement of the year this run settles; or, before the year's pool, that the allocation
    waits for it."""
    allocated, plan_total, change, up, down, planned = conn.execute(
        "select count(*), sum(plan_yuan), sum(change_from_plan_yuan),"
        " count(*) filter (where change_from_plan_yuan > 0),"
        " count(*) filter (where change_from_plan_yuan < 0), count(plan_yuan)"
        " from published.district_allocation where as_of_date = %s and run_id = %s",
        [as_of, run_id],
    ).fetchone()
    lines = []
    if not allocated:
        lines.append(
            f"fiscal year {as_of.year}'s allocation waits for its pool: no budget_pools row of"
            f" {as_of.year} is known on {as_of}; deliver it and run again (this run published"
            " the settlement of the year before)"
        )
    elif planned:
        plan = conn.execute(
            "select plan_run_id, approved_by, approved_at from published.budget_plan"
            " where as_of_date = %s and run_id = %s and plan_run_id is not null limit 1",
            [as_of, run_id],
        ).fetchone()
        lines.append(
            f"plan in force (下达): {plan_total:,.2f} yuan, run {plan[0]} approved by {plan[1]}"
            f" on {plan[2].astimezone(CITY_TIMEZONE):%Y-%m-%d}; approving this draft would change"
            f" it by {change:+,.2f} yuan (追加 {up} districts, 追减 {down})"
        )
    else:
        lines.append(
            f"no plan of fiscal year {as_of.year} is approved yet (未下达): approving this draft"
            " issues the initial plan; payments are listed as no_plan"
        )
    for year, plan_sum, paid, owed, carried, districts in conn.execute(
        "select settled_fiscal_year, sum(plan_yuan), sum(paid_yuan), sum(owed_yuan),"
        " sum(carried_over_yuan), count(*) from published.year_end_settlement"
        " where as_of_date = %s and run_id = %s group by 1 order by 1",
        [as_of, run_id],
    ).fetchall():
        settled = (
            f"plan {plan_sum:,.2f}, paid {paid:,.2f}, owed {owed:+,.2f} yuan"
            if plan_sum is not None
            else f"never approved, paid {paid:,.2f} yuan"
        )
        lines.append(
            f"settlement of fiscal year {year} (结算, {districts} districts): {settled};"
            f" carried over {carried:,.2f} yuan (结转)"
        )
    return lines


def print_summary(
    url: str,
    as_of: dt.date,
    run_id: str | None,
    settings: Settings,
    console: Console,
    logs: Path | None = None,
) -> None:
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select district_code, name_zh, name_en, standard_cost_yuan, assessment_score,"
            " base_yuan, incentive_yuan, total_yuan from published.district_allocation"
            " where as_of_date = %s and run_id = %s order by district_code",
            [as_of, run_id],
        ).fetchall()
        quarantined = conn.execute(
            "select count(*), count(*) filter (where run_id = %s) from ops.quarantine"
            " where partition_date <= %s",
            [run_id, as_of],
        ).fetchone()
        from munifund.ingest.freshness import source_ages, stale_sources

        stale = stale_sources(source_ages(conn, as_of))
        money_cycle = budget_lines(conn, as_of, run_id)
        if rows:
            money_cycle += money_cycle_lines(conn, as_of, run_id)
    table = Table(title=f"分配 Allocation, fiscal year {as_of.year}, as of {as_of}")
    for header in (
        "区 District",
        "标准经费 Standard cost",
        "得分 Score",
        "基础 Base",
        "奖励 Incentive",
        "合计 Total",
    ):
        justify = "left" if header.startswith("区") else "right"
        table.add_column(header, justify=justify, no_wrap=True)
    for _code, name_zh, name_en, cost, score, base, incentive, row_total in rows:
        table.add_row(
            f"{name_zh} {name_en}", f"{cost:,.2f}", "—" if score is None else f"{score}",
            f"{base:,.2f}", f"{incentive:,.2f}", f"{row_total:,.2f}",
        )  # fmt: skip
    sums = [sum((r[i] for r in rows), start=0) for i in (3, 5, 6, 7)]
    table.add_row(
        "合计 Total", f"{sums[0]:,.2f}", "", f"{sums[1]:,.2f}", f"{sums[2]:,.2f}", f"{sums[3]:,.2f}",
        style="bold",
    )  # fmt: skip
    if rows:
        console.print(table)
    for line in money_cycle:
        console.print(line, soft_wrap=True)
    console.print(
        f"quarantined: {quarantined[1]} rows or files taken by this run, {quarantined[0]} in all"
        " (see published.data_quality_issues)"
    )
    if stale:
        listed = ", ".join(
            f"{s} ({'never delivered' if a is None else f'last delivered {a} days before'})"
            for s, a in stale.items()
        )
        console.print(
            f"[yellow]stale sources as of {as_of}:[/] {listed}; the last known data stands"
        )
    console.print(f"review pack: {settings.reviews_dir / as_of.isoformat()}")
    if logs:
        console.print(f"logs: {logs}")
    if not rows:
        return  # nothing allocated, nothing to approve
    console.print(
        f"the run is a draft: approve it with `munifund review approve --run {run_id} --by NAME`"
    )
