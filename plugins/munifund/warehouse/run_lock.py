"""One run at a time on a warehouse: a PostgreSQL advisory lock, and who holds it.

`munifund run` takes the lock before it writes anything and holds it until it exits; the nightly
DAG's `ingest_landing` and `publish_allocation` take it for their own length. Whoever comes
second is refused at once, in one sentence naming the holder; nobody queues behind a run.

Why a session-level advisory lock: it lives in the warehouse, so it holds between machines (two
laptops, a laptop beside the scheduler's workers), and PostgreSQL drops it with the session that
took it: a normal exit, an exception, or a killed process (its socket closes, its backend ends).
Nothing is left to clean up by hand.

Who holds it: `pg_locks` knows only a backend's pid, so the holder writes a row in
`ops.run_locks` right after taking the lock (as-of date, who started the run, since when, the
client's pid and host). The live holder is the row of the backend that holds the lock now, so a
row left by a killed process is history, never a false "busy". Not `application_name` alone: it
is cut at 63 bytes and any client may set any name. It is set too, for whoever reads
`pg_stat_activity`, and names the holder in the moment between its lock and its row.

Inside `munifund run`, Airflow runs the DAG's tasks in-process while the runner holds the lock:
the runner hands its row's token to them (`MUNIFUND_RUN_LOCK`), and a task whose token names
the live holder runs under the runner's lock instead of taking its own.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import psycopg

from munifund.config import CITY_TIMEZONE
from munifund.warehouse.access import Warehouse

# pg_try_advisory_lock(int, int): the first key is munifund's ("muni"; the migrations' own lock
# is the single bigint of the same value, which PostgreSQL keeps apart), the second the run's.
RUN_LOCK = (0x6D756E69, 0x72756E)
RUN_LOCK_ENV = "MUNIFUND_RUN_LOCK"
# How long a refused taker waits for the holder's row before naming it from pg_stat_activity.
ROW_GRACE_SECONDS = 2.0


class RunLocked(RuntimeError):
    """Another run holds the warehouse; the message names it."""


@dataclass(frozen=True)
class RunHolder:
    """Who takes (or holds) the run lock, for what."""

    holder: str  # "munifund run", or the task's id
    as_of: dt.date
    started_by: str
    run_id: str | None = None
    client_pid: int = field(default_factory=os.getpid)
    client_host: str = field(default_factory=socket.gethostname)
    since: dt.datetime | None = None
    token: str | None = None

    def describe(self) -> str:
        run = f" (run {self.run_id})" if self.run_id else ""
        since = f" since {_city_time(self.since)}" if self.since else ""
        return (
            f"{self.holder} for {self.as_of}{run}, started by {self.started_by}{since},"
            f" pid {self.client_pid} on {self.client_host}"
        )

    def application_name(self) -> str:
        # PostgreSQL keeps 63 bytes of it; the table has the whole record
        name = f"munifund {self.holder} {self.as_of} by {self.started_by}"
        name += f" pid {self.client_pid}@{self.client_host}"
        return name.encode()[:63].decode(errors="ignore")


def _city_time(moment: dt.datetime) -> str:
    return moment.astimezone(CITY_TIMEZONE).isoformat(sep=" ", timespec="seconds")


class RunLock:
    """The run lock on a connection of its own: taken on entering, released on leaving.

    `record()` writes who holds it; the runner calls it once the schema is migrated (the table
    is the migrations'), a task at once (`hold_run_lock`).
    """

    def __init__(self, warehouse: Warehouse, holder: RunHolder) -> None:
        self.warehouse = warehouse
        self.holder = holder
        self.conn: psycopg.Connection | None = None
        self.shared = False

    def __enter__(self) -> RunLock:
        conn = self.warehouse.connect(
            autocommit=True, application_name=self.holder.application_name()
        )
        try:
            # The session is the lock: keep it however long the run is idle on it, and let the
            # server notice within a minute or two a client machine that vanished.
            conn.execute(
                "select set_config('idle_session_timeout', '0', false),"
                " set_config('tcp_keepalives_idle', '60', false),"
                " set_config('tcp_keepalives_interval', '10', false),"
                " set_config('tcp_keepalives_count', '6', false)"
            )
            _take_or_name_holder(conn)
        except BaseException:
            conn.close()
            raise
        self.conn = conn
        return self

    def record(self, *, share_with_tasks: bool = False) -> RunHolder:
        """Write who holds the lock; with share_with_tasks, this process's tasks run under it."""
        assert self.conn is not None, "record() inside the `with` block"
        h = self.holder
        token = secrets.token_hex(16)
        since = self.conn.execute(
            "insert into ops.run_locks (token, holder, as_of_date, run_id, started_by,"
            " client_pid, client_host, backend_pid, backend_start)"
            " select %s, %s, %s, %s, %s, %s, %s, pid, backend_start from pg_stat_activity"
            " where pid = pg_backend_pid() returning acquired_at",
            [token, h.holder, h.as_of, h.run_id, h.started_by, h.client_pid, h.client_host],
        ).fetchone()[0]  # type: ignore[index]
        self.holder = replace(h, since=since, token=token)
        if share_with_tasks:
            os.environ[RUN_LOCK_ENV] = token
            self.shared = True
        return self.holder

    def __exit__(self, *exc: object) -> None:
        if self.shared and os.environ.get(RUN_LOCK_ENV) == self.holder.token:
            del os.environ[RUN_LOCK_ENV]
        if self.conn is not None:
            # closing the session releases the lock; the unlock only says so in the server log
            # of a session that is somehow kept (a pooler)
            try:
                self.conn.execute("select pg_advisory_unlock(%s, %s)", RUN_LOCK)
            except psycopg.Error:
                pass
            self.conn.close()
            self.conn = None


@contextmanager
def hold_run_lock(warehouse: Warehouse, holder: RunHolder) -> Iterator[RunHolder]:
    """For a task: hold the run lock for the block, or raise RunLocked naming its holder.

    Yields the holder the block runs under: the runner's, when the task runs inside
    `munifund run` (its token names the live holder), else this task's own.
    """
    from munifund.warehouse.migrate import require_current_schema

    runner = _runner_holding(warehouse)
    if runner is not None:
        yield runner
        return
    with RunLock(warehouse, holder) as lock:
        require_current_schema(lock.conn)  # type: ignore[arg-type]
        yield lock.record()


def current_holder(conn: psycopg.Connection) -> RunHolder | str | None:
    """Who holds the run lock now: its row, or (before its row is written, or without the
    table) what pg_stat_activity says of its session; None when nobody holds it."""
    live = conn.execute(
        "select locks.pid, activity.backend_start, activity.application_name,"
        " activity.client_addr, activity.usename"
        " from pg_locks locks left join pg_stat_activity activity using (pid)"
        " where locks.locktype = 'advisory' and locks.granted and locks.objsubid = 2"
        " and locks.classid = %s::oid and locks.objid = %s::oid"
        " and locks.database = (select oid from pg_database where datname = current_database())",
        RUN_LOCK,
    ).fetchone()
    if live is None:
        return None
    pid, backend_start, application_name, client_addr, user = live
    if conn.execute("select to_regclass('ops.run_locks')").fetchone()[0]:  # type: ignore[index]
        row = conn.execute(
            "select holder, as_of_date, started_by, run_id, client_pid, client_host, acquired_at,"
            " token from ops.run_locks where backend_pid = %s and backend_start = %s"
            " order by lock_id desc limit 1",
            [pid, backend_start],
        ).fetchone()
        if row:
            return RunHolder(*row)
    since = f" since {_city_time(backend_start)}" if backend_start else ""
    return (
        f"a session of {user or 'another role'} from {client_addr or 'a local socket'}{since}"
        f" ({application_name or 'no application name'}; server pid {pid})"
    )


def _take_or_name_holder(conn: psycopg.Connection) -> None:
    deadline = time.monotonic() + ROW_GRACE_SECONDS
    while True:
        if conn.execute("select pg_try_advisory_lock(%s, %s)", RUN_LOCK).fetchone()[0]:  # type: ignore[index]
            return
        holder = current_holder(conn)
        if holder is None:  # released between the two queries: try again
            continue
        if isinstance(holder, RunHolder) or time.monotonic() > deadline:
            described = holder.describe() if isinstance(holder, RunHolder) else holder
            raise RunLocked(
                f"another run holds the warehouse: {described}; wait for it to end, or stop that"
                " process (a stopped or killed process releases the lock)"
            )
        time.sleep(0.1)


def _runner_holding(warehouse: Warehouse) -> RunHolder | None:
    """The `munifund run` this process runs inside, if it holds the lock now."""
    token = os.environ.get(RUN_LOCK_ENV)
    if not token:
        return None
    with warehouse.connect(autocommit=True) as conn:
        holder = current_holder(conn)
    return holder if isinstance(holder, RunHolder) and holder.token == token else None
