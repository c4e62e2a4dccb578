"""One run at a time on a warehouse: a second `munifund run` is refused at once, in one line
naming the first, before it writes anything; the DAG's writing tasks are refused the same way;
the lock goes with its holder's session, however that ends."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from munifund.config import load_settings
from munifund.tasks import ingest_landing_task, publish_task
from munifund.warehouse import Warehouse
from munifund.warehouse.run_lock import (
    RUN_LOCK,
    RUN_LOCK_ENV,
    RunHolder,
    RunLock,
    RunLocked,
    current_holder,
    hold_run_lock,
)

AS_OF = dt.date(2026, 11, 28)
OPS_TABLES = ("run_locks", "allocation_runs", "partitions_taken", "quarantine", "review_decisions")

# Takes the lock as `munifund run` does (runner.run_nightly), says so, and holds it until its
# stdin closes.
HOLDER = """
import datetime as dt, sys
from munifund.warehouse import open_warehouse
from munifund.warehouse.run_lock import RunHolder, RunLock

holder = RunHolder("munifund run", dt.date.fromisoformat(sys.argv[1]), sys.argv[2])
with RunLock(open_warehouse(), holder) as lock:
    lock.record(share_with_tasks=True)
    print("held", flush=True)
    sys.stdin.read()
"""


def _env(home: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "MUNIFUND_", "DBT_"))
    }
    env.update(MUNIFUND_HOME=str(home), COLUMNS="100")
    return env


@pytest.fixture()
def holding_run(warehouse: Warehouse, munifund_home: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the run lock: `munifund run` for AS_OF, started by alice."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, AS_OF.isoformat(), "alice"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=_env(munifund_home),
    )  # fmt: skip
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    yield proc
    if proc.poll() is None:
        proc.stdin.close()  # type: ignore[union-attr]
        proc.wait(timeout=30)
    _wait_until_free(warehouse)


def _wait_until_free(warehouse: Warehouse, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    with warehouse.connect(autocommit=True) as conn:
        while current_holder(conn) is not None:
            assert time.monotonic() < deadline, (
                f"the run lock is still held: {current_holder(conn)}"
            )
            time.sleep(0.1)


def _written(warehouse: Warehouse) -> dict[str, int]:
    with warehouse.connect() as conn:
        return {
            table: conn.execute(f"select count(*) from ops.{table}").fetchone()[0]  # type: ignore[index]
            for table in OPS_TABLES
        }


def _airflow_state() -> tuple:
    """Airflow's metadata database as a file: absent, or its size and modification time."""
    db = load_settings().airflow_home / "airflow.db"
    return (db.stat().st_size, db.stat().st_mtime_ns) if db.exists() else ()


def test_a_second_munifund_run_is_refused_at_once_naming_the_first(
    warehouse: Warehouse, munifund_home: Path, holding_run: subprocess.Popen[str]
) -> None:
    before, airflow_before = _written(warehouse), _airflow_state()
    sample_city = load_settings().sample_landing
    sample_before = sample_city.exists()
    munifund = Path(sys.executable).with_name("munifund")
    started = time.monotonic()
    result = subprocess.run(
        [str(munifund), "run", "--date", AS_OF.isoformat(), "--by", "bob"],
        capture_output=True, text=True, env=_env(munifund_home), timeout=300,
    )  # fmt: skip
    took = time.monotonic() - started

    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    for part in (
        "another run holds the warehouse",
        f"munifund run for {AS_OF}",
        "started by alice",
        " since 20",
        f"pid {holding_run.pid} on {socket.gethostname()}",
    ):
        assert part in line, f"{part!r} not in {line!r}"
    assert "Traceback" not in result.stdout + result.stderr
    assert took < 60, f"refused after {took:.0f} s"
    # nothing written: no run record, no lock record, no Airflow metadata, no sample city
    assert _written(warehouse) == before
    assert _airflow_state() == airflow_before
    assert sample_city.exists() == sample_before


def test_the_dag_s_writing_tasks_are_refused_naming_the_holder(
    warehouse: Warehouse, holding_run: subprocess.Popen[str]
) -> None:
    before = _written(warehouse)
    day = AS_OF.isoformat()
    with pytest.raises(RunLocked, match=rf"munifund run for {AS_OF}, started by alice since .*pid"):
        ingest_landing_task(day, "scheduled__x", started_by="scheduler")
    with pytest.raises(RunLocked, match="started by alice"):
        publish_task(day, "scheduled__x", {}, {"row_counts": {}}, started_by="scheduler")
    assert _written(warehouse) == before


def test_tasks_inside_munifund_run_work_under_its_lock(warehouse: Warehouse) -> None:
    """`munifund run` runs the DAG's tasks in its own process: they run under its lock, and its
    record (who started the run) is theirs."""
    with RunLock(warehouse, RunHolder("munifund run", AS_OF, "bob")) as lock:
        runner = lock.record(share_with_tasks=True)
        assert os.environ[RUN_LOCK_ENV] == runner.token
        before = _written(warehouse)
        task = RunHolder("publish_allocation", AS_OF, "airflow (manual)", run_id="manual__x")
        with hold_run_lock(warehouse, task) as held:
            assert (held.holder, held.started_by, held.token) == (
                "munifund run",
                "bob",
                runner.token,
            )
        assert _written(warehouse) == before
    assert RUN_LOCK_ENV not in os.environ
    _wait_until_free(warehouse, 1)


def test_the_lock_goes_with_an_exception_and_with_a_killed_holder(
    warehouse: Warehouse, holding_run: subprocess.Popen[str]
) -> None:
    os.kill(holding_run.pid, signal.SIGKILL)
    holding_run.wait(timeout=30)
    _wait_until_free(warehouse)

    with pytest.raises(ZeroDivisionError):
        with RunLock(warehouse, RunHolder("munifund run", AS_OF, "carol")) as lock:
            lock.record()
            1 / 0  # noqa: B018
    with RunLock(warehouse, RunHolder("munifund run", AS_OF, "dave")) as lock:
        assert lock.record().started_by == "dave"


def test_a_holder_without_its_record_is_named_from_its_session(warehouse: Warehouse) -> None:
    """Between its lock and its row (the runner migrates in between), a holder is named by what
    PostgreSQL knows of its session."""
    with psycopg.connect(
        warehouse.pipeline_url, autocommit=True, application_name="munifund run 2026-11-28 by erin"
    ) as other:
        other.execute("select pg_advisory_lock(%s, %s)", RUN_LOCK)
        pid = other.info.backend_pid
        with pytest.raises(RunLocked) as refused:
            with RunLock(warehouse, RunHolder("munifund run", AS_OF, "bob")):
                pass
    message = str(refused.value)
    assert "munifund run 2026-11-28 by erin" in message
    assert f"server pid {pid}" in message and " since 20" in message
