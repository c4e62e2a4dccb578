"""Where a `munifund run`'s output goes: the screen keeps the progress and the summary,
everything Airflow and dbt print goes to `$MUNIFUND_HOME/logs/<as_of>/<run_id>/run.log`, split
into a `<task_id>.log` per task; the failed task's exception is read back for the screen."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console

from munifund.config import Settings


@contextmanager
def quiet_status(console: Console, text: str) -> Iterator[None]:
    """A spinner with `text` while a step runs. Unlike `console.status`, it leaves sys.stdout and
    sys.stderr alone: in a terminal rich's live display would otherwise print what Airflow, dbt
    and alembic write there above the spinner, instead of into the run's log file."""
    from rich.live import Live
    from rich.spinner import Spinner

    with Live(
        Spinner("dots", text=text), console=console, transient=True,
        redirect_stdout=False, redirect_stderr=False,
    ):  # fmt: skip
        yield


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


def task_error(task_log: Path) -> str | None:
    """The error a task failed with, as its exception said it (`AuditFailed: the allocation
    cannot be published:` and each of its lines), from the traceback Airflow's task runner wrote
    to the log; the module path of the exception's class left out. None when the log holds no
    failure."""
    if not task_log.exists():
        return None
    lines = task_log.read_text("utf-8", errors="replace").splitlines()
    starts = [i for i, line in enumerate(lines) if "Task failed with exception" in line]
    if not starts:
        return None
    message: list[str] = []
    for line in lines[starts[0] + 1 :]:
        if LOG_RECORD.match(line):  # the next log record
            break
        if line.startswith((" ", "Traceback", "During handling", "The above exception")):
            message = []  # a chained exception's traceback: the last one raised is the error
            continue
        if line.strip():
            message.append(line.rstrip())
    if not message:
        return None
    message[0] = EXCEPTION_MODULE.sub("", message[0])
    return "\n".join(message)


#: a log record starts with its timestamp (Airflow's) or dbt's clock; an escape is a coloured one
LOG_RECORD = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2}T|[0-9]{2}:[0-9]{2}:[0-9]{2} |\x1b)")
#: `munifund.publication.audit.AuditFailed: ...` -> `AuditFailed: ...`
EXCEPTION_MODULE = re.compile(r"^(?:[A-Za-z_][\w]*\.)+(?=[A-Za-z_]\w*(?::|$))")


def file_run_log(starting: Path, settings: Settings, as_of: dt.date, run_id: str | None) -> Path:
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


def file_as_interrupted(folder: Path) -> Path | None:
    """`starting-<pid>` of a run that never got to file its log under its run id, renamed
    `interrupted-<pid>`: what it logged is kept, under a name that says what happened."""
    if not folder.is_dir():
        return None
    target = folder.with_name(folder.name.replace("starting-", "interrupted-", 1))
    shutil.rmtree(target, ignore_errors=True)
    folder.rename(target)
    return target


def file_interrupted_logs(settings: Settings, console: Console) -> None:
    """The log folders of runs killed before the end (kill -9, a power cut) whose process is
    gone: filed as interrupted, and said once."""
    for folder in sorted((settings.home / "logs").glob("*/starting-*")):
        try:
            os.kill(int(folder.name.removeprefix("starting-")), 0)
            continue  # still running (another run's: the run lock refused it, or a test)
        except ProcessLookupError:
            pass
        except (ValueError, PermissionError):
            continue
        if filed := file_as_interrupted(folder):
            console.print(f"an interrupted run's log: {filed}", soft_wrap=True, markup=False)
