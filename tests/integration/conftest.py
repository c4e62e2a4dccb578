"""The CeleryExecutor deployment of docker-compose.yml, without containers.

Debian's PostgreSQL (Airflow's metadata database) and Redis (Celery's broker) are installed with
apt-get when missing and started as private servers on 127.0.0.1 and free ports, in temporary
folders (never the Debian services). The warehouse is munifund's embedded PostgreSQL 18 (the
loader needs PostgreSQL 16 or later), in a temporary MUNIFUND_HOME, so the metadata database and
the warehouse are different servers, as in the compose file. Airflow's api-server, scheduler,
dag-processor, triggerer and a Celery worker run as processes, each in its own process group
with its log in the temporary folder. Everything is stopped at the end, also when a test fails;
a failed test's report carries the tail of every log.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest
from psycopg import sql
from smtp_inbox import Inbox, smtp_server

from munifund.airflow_env import warehouse_connection_json
from munifund.config import DAGS_FOLDER, PRIVACY_ENV, Settings
from munifund.warehouse import Warehouse, init_warehouse, stop_warehouse

DEBIAN_PACKAGES = ("postgresql", "redis-server")
BUREAU_EMAIL = "caiwu@example.org"
OPERATOR_EMAIL = "ops@example.org"
AS_OF_YEAR = 2026
SAMPLE_SEED = 42
AIRFLOW_PROCESSES = {
    "api-server": ["api-server", "--host", "127.0.0.1"],  # --port added per deployment
    "scheduler": ["scheduler"],
    "dag-processor": ["dag-processor"],
    "triggerer": ["triggerer"],
    "worker": ["celery", "worker", "--without-mingle", "--without-gossip"],
}
# What a subprocess may inherit from the test process; everything else is set explicitly.
# PYTHONPATH lets a developer try a package overlay (another Celery, say) without touching .venv.
INHERITED_ENV = (
    "PYTHONPATH",
    "PATH",
    "HOME",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TMPDIR",
    "USER",
    "LOGNAME",
    "TZ",
)


# --------------------------------------------------------------------------- helpers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path: Path, lines: int = 60) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return "(no log)"
    return "\n".join(text[-lines:])


def run_checked(args: list[str], *, log: Path | None = None, **kwargs) -> None:
    """Run a command to completion; on failure, raise with its output (and a log's tail)."""
    result = subprocess.run(args, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(
            f"{Path(args[0]).name} {args[1] if len(args) > 1 else ''} failed"
            f" (exit {result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            + (f"\n{tail(log)}" if log else "")
        )


class ProcessDied(RuntimeError):
    """A service exited while we waited for it: no point waiting any longer."""


def wait_until(predicate, timeout: float, what: str, interval: float = 0.5):
    """Call predicate until it returns something truthy; fail with `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = predicate()
        except ProcessDied:
            raise
        except Exception as err:  # noqa: BLE001 - the service is not up yet
            last_error = err
        else:
            if result:
                return result
        time.sleep(interval)
    raise TimeoutError(
        f"gave up after {timeout:.0f}s waiting for {what} (last error: {last_error})"
    )


def stop_process_group(proc: subprocess.Popen, grace: float = 20.0) -> None:
    """SIGTERM the process group, SIGKILL it after `grace` seconds."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    # children (task processes, Celery's pool) may outlive the leader
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


def stop_process_groups(procs: Iterable[subprocess.Popen], grace: float = 20.0) -> None:
    """A deployment's processes stopped: TERM them all first, then wait for each."""
    procs = list(procs)
    for proc in procs:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        stop_process_group(proc, grace)


# --------------------------------------------------------------------------- the environment


@pytest.fixture(scope="session")
def celery_executor_loads() -> None:
    """The CeleryExecutor imports in this environment; checked first, so that a broken
    combination of Celery and Airflow's Celery provider fails in seconds, not after every
    service has started (the scheduler and the worker would exit at once)."""
    env = {name: os.environ[name] for name in INHERITED_ENV if name in os.environ}
    env["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="munifund-it-probe-")
    try:
        result = subprocess.run(
            [sys.executable, "-c", "import airflow.providers.celery.executors.celery_executor"],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    finally:
        shutil.rmtree(env["AIRFLOW_HOME"], ignore_errors=True)
    if result.returncode != 0:
        from importlib.metadata import version

        installed = ", ".join(
            f"{name}=={version(name)}" for name in ("celery", "apache-airflow-providers-celery")
        )
        pytest.fail(
            "the CeleryExecutor does not import in this environment, so no scheduler or worker"
            f" can start ({installed}):\n" + "\n".join(result.stderr.strip().splitlines()[-3:]),
            pytrace=False,
        )


# --------------------------------------------------------------------------- Debian packages


def _postgres_bin_dir() -> Path | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/postgres"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return Path(found[-1]).parent if found else None


def _redis_server() -> str | None:
    return shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
    )


@pytest.fixture(scope="session")
def debian_services() -> tuple[Path, str]:
    """PostgreSQL's bin folder and redis-server, installed with apt-get (as root) if missing."""
    if _postgres_bin_dir() is None or _redis_server() is None:
        if os.geteuid() != 0:
            pytest.fail(
                "the integration test needs Debian's PostgreSQL and Redis; as root it installs"
                " them itself, otherwise run: sudo apt-get install -y postgresql redis-server",
                pytrace=False,
            )
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for args in (
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *DEBIAN_PACKAGES],
        ):
            result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600)
            if result.returncode != 0:
                pytest.fail(
                    f"{' '.join(args)} failed (exit {result.returncode}):\n"
                    f"{result.stdout[-2000:]}\n{result.stderr[-2000:]}",
                    pytrace=False,
                )
    bin_dir, redis_server = _postgres_bin_dir(), _redis_server()
    if bin_dir is None or redis_server is None:
        pytest.fail("apt-get ran but postgres or redis-server is still missing", pytrace=False)
    return bin_dir, redis_server


# --------------------------------------------------------------------------- metadata database


@dataclass(frozen=True)
class MetadataDb:
    host: str
    port: int
    user: str
    password: str
    database: str
    log: Path

    def url(self, scheme: str) -> str:
        return f"{scheme}://{self.user}:{self.password}@{self.host}:{self.port}/{self.database}"


@pytest.fixture(scope="module")
def metadata_db(debian_services: tuple[Path, str]) -> Iterator[MetadataDb]:
    """A private PostgreSQL cluster (Debian's) with a database `airflow` and its own user."""
    bin_dir, _ = debian_services
    root = Path(tempfile.mkdtemp(prefix="munifund-it-metadata-"))
    data, log = root / "data", root / "server.log"
    superuser_password, airflow_password = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    pwfile = root / "superuser-password"
    pwfile.write_text(superuser_password + "\n")
    log.touch()
    run_as: str | None = None
    if os.geteuid() == 0:  # the server refuses to run as root: Debian's `postgres` user runs it
        run_as = "postgres"
        entry = pwd.getpwnam(run_as)
        for path in (root, pwfile, log):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    pwfile.chmod(0o600)

    def pg(*args: str) -> None:
        run_checked(
            [str(bin_dir / args[0]), *args[1:]], log=log, cwd=root, user=run_as, timeout=120
        )

    port = free_port()
    started = False
    try:
        pg(
            "initdb", "-D", str(data), "-U", "postgres", f"--pwfile={pwfile}",
            "--auth=scram-sha-256", "--encoding=UTF8", "--no-locale", "--no-sync",
        )  # fmt: skip
        pwfile.unlink()
        options = (
            f"-h 127.0.0.1 -p {port} -c unix_socket_directories='' -c max_connections=200"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        pg("pg_ctl", "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o", options, "start")
        started = True
        admin = f"postgresql://postgres:{superuser_password}@127.0.0.1:{port}/postgres"
        with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
            conn.execute(
                sql.SQL("create role airflow login password {}").format(
                    sql.Literal(airflow_password)
                )
            )
            conn.execute("create database airflow owner airflow")
        yield MetadataDb("127.0.0.1", port, "airflow", airflow_password, "airflow", log)
    finally:
        if started:
            with contextlib.suppress(Exception):
                pg("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


# --------------------------------------------------------------------------- broker


@dataclass(frozen=True)
class Broker:
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


@pytest.fixture(scope="module")
def broker(debian_services: tuple[Path, str]) -> Iterator[Broker]:
    """Redis on 127.0.0.1 and a free port, nothing persisted, stopped at the end."""
    import redis

    _, redis_server = debian_services
    root = Path(tempfile.mkdtemp(prefix="munifund-it-redis-"))
    port, log = free_port(), root / "redis.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--daemonize", "no", "--dir", str(root),
            ],
            stdout=out, stderr=subprocess.STDOUT, cwd=root, start_new_session=True,
        )  # fmt: skip
    try:
        client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)
        try:
            wait_until(client.ping, 30, f"redis-server on port {port}")
        except TimeoutError as err:
            raise RuntimeError(f"{err}\n{tail(log)}") from err
        finally:
            client.close()
        yield Broker(port, log)
    finally:
        stop_process_group(proc, grace=5)
        shutil.rmtree(root, ignore_errors=True)


# --------------------------------------------------------------------------- warehouse


@dataclass(frozen=True)
class WarehouseHome:
    settings: Settings
    warehouse: Warehouse
    landing: Path


@pytest.fixture(scope="module")
def warehouse_home() -> Iterator[WarehouseHome]:
    """The embedded PostgreSQL 18 warehouse in a home of its own, and the sample city.

    Not under pytest's tmp_path: pytest makes /tmp/pytest-of-<user> mode 0700 whenever a session
    starts, which would lock the server's system user out of its data directory mid-test.
    """
    home = Path(tempfile.mkdtemp(prefix="munifund-it-home-"))
    landing = home / "landing" / "sample" / str(AS_OF_YEAR)
    settings = Settings(home=home, warehouse_url=None, landing=str(landing))
    try:
        warehouse = init_warehouse(settings)
        from munifund.sample import generate_sample_city

        generate_sample_city(landing, year=AS_OF_YEAR, scale=1, seed=SAMPLE_SEED)
        yield WarehouseHome(settings, warehouse, landing)
    finally:
        try:
            stop_warehouse(settings)
        finally:
            shutil.rmtree(home, ignore_errors=True)


# --------------------------------------------------------------------------- mail


@pytest.fixture(scope="module")
def mail_inbox() -> Iterator[Inbox]:
    """The deployment's SMTP server (aiosmtpd in the test process): the worker mails it the
    finance bureau's request and any operator's failure notice."""
    with smtp_server() as inbox:
        yield inbox


# --------------------------------------------------------------------------- Airflow


@dataclass
class AirflowDeployment:
    home: Path
    api_url: str
    env: dict[str, str]
    metadata: MetadataDb
    broker: Broker
    warehouse: WarehouseHome
    # the mail server the deployment sends to (None: one that sends no mail)
    inbox: Inbox | None = None
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)

    def client(self) -> httpx.Client:
        # all admins: the api-server's middleware authenticates every request (no token needed)
        return httpx.Client(base_url=self.api_url, timeout=30)

    def dead_processes(self) -> dict[str, int]:
        return {
            name: proc.returncode
            for name, proc in self.processes.items()
            if proc.poll() is not None
        }

    def log_tails(self, lines: int = 60) -> str:
        parts = []
        for name, path in self.logs.items():
            parts.append(f"----- {name} ({path}) -----\n{tail(path, lines)}")
        parts.append(f"----- metadata PostgreSQL -----\n{tail(self.metadata.log, 20)}")
        parts.append(f"----- redis -----\n{tail(self.broker.log, 20)}")
        for task_log in sorted((self.home / "logs").glob("dag_id=*/run_id=*/task_id=*/*.log")):
            text = task_log.read_text(errors="replace")
            if "Traceback" in text or '"level":"error"' in text:
                parts.append(f"----- task log {task_log} -----\n{tail(task_log, 40)}")
        return "\n".join(parts)


def airflow_environment(
    home: Path,
    api_port: int,
    metadata: MetadataDb,
    broker: Broker,
    wh: WarehouseHome,
    inbox: Inbox,
) -> dict[str, str]:
    """One environment for every Airflow component, built explicitly (nothing AIRFLOW_* leaks in
    from the test session, whose conftest points Airflow at SQLite)."""
    from cryptography.fernet import Fernet

    venv_bin = str(Path(sys.executable).parent)
    env = {name: os.environ[name] for name in INHERITED_ENV if name in os.environ}
    env["PATH"] = venv_bin + os.pathsep + env.get("PATH", "/usr/bin:/bin")
    env.setdefault("LANG", "C.UTF-8")
    plugins = home / "plugins"  # empty: munifund's plugin is an entry point of the package
    plugins.mkdir(parents=True, exist_ok=True)
    env.update(
        {
            "PYTHONUNBUFFERED": "1",
            "PYTHONIOENCODING": "utf-8",
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata.url("postgresql+psycopg2"),
            "AIRFLOW__CELERY__BROKER_URL": broker.url,
            "AIRFLOW__CELERY__RESULT_BACKEND": metadata.url("db+postgresql"),
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
            # shared by every component, or workers fail with "Invalid auth token"
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
            "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{api_port}",
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(plugins),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Asia/Shanghai",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__CORE__AUTH_MANAGER": (
                "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
            ),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            # quick loops instead of production's relaxed ones
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "AIRFLOW__SCHEDULER__JOB_HEARTBEAT_SEC": "2",
            "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.5",
            "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "2",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            # parsed at start; re-parsing every 30 s would only take CPU from the tasks
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "600",
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
            # Only the run the test triggers: unpausing a catchup=False cron DAG would otherwise
            # create a run for the latest 02:00, which max_active_runs=1 would queue ours behind.
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            # log servers on free ports, not the defaults 8793/8794 another process may hold
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            # Cosmos' partial-parse and profile cache (the profile holds the warehouse password)
            # in this deployment's folder, not the /tmp/cosmos every run on the machine shares
            "AIRFLOW__COSMOS__CACHE_DIR": str(home.parent / "cosmos"),
            # every dbt task is a fork of the worker: import dbt once, before the pool forks
            "AIRFLOW__CELERY__EXTRA_CELERY_CONFIG": json.dumps(
                {"imports": ["dbt.cli.main", "dbt.adapters.postgres"]}
            ),
            # the warehouse: one Airflow connection for munifund's tasks and Cosmos alike (no
            # MUNIFUND_WAREHOUSE_URL: a task that read it instead would fail here)
            "AIRFLOW_CONN_WAREHOUSE": warehouse_connection_json(wh.warehouse.pipeline_url),
            "MUNIFUND_LANDING": str(wh.landing),
            "MUNIFUND_HOME": str(wh.settings.home),
            # the people told (munifund.notify), through the test's own SMTP server
            "AIRFLOW_CONN_MUNIFUND_SMTP": inbox.connection_json(),
            "MUNIFUND_BUREAU_EMAILS": BUREAU_EMAIL,
            "MUNIFUND_OPERATOR_EMAILS": OPERATOR_EMAIL,
        }
    )
    env.update(PRIVACY_ENV)
    return env


@pytest.fixture(scope="module")
def airflow_deployment(
    metadata_db: MetadataDb, broker: Broker, warehouse_home: WarehouseHome, mail_inbox: Inbox
) -> Iterator[AirflowDeployment]:
    """`airflow db migrate`, then the five components as processes, until the API answers."""
    from munifund.dbt_project import ensure_manifest

    ensure_manifest()  # Cosmos renders the dbt tasks from it when the DAG is parsed
    airflow = str(Path(sys.executable).with_name("airflow"))
    root = Path(tempfile.mkdtemp(prefix="munifund-it-airflow-"))
    home = root / "airflow"
    home.mkdir()
    api_port = free_port()
    deployment = AirflowDeployment(
        home=home,
        api_url=f"http://127.0.0.1:{api_port}",
        env=airflow_environment(home, api_port, metadata_db, broker, warehouse_home, mail_inbox),
        metadata=metadata_db,
        broker=broker,
        warehouse=warehouse_home,
        inbox=mail_inbox,
    )
    try:
        run_checked([airflow, "db", "migrate"], env=deployment.env, cwd=root, timeout=300)
        for name, args in AIRFLOW_PROCESSES.items():
            args = [*args]
            if name == "api-server":
                args += ["--port", str(api_port)]
            if name == "worker":
                args += ["--celery-hostname", f"munifund-it-{secrets.token_hex(4)}@%h"]
            log = root / f"{name}.log"
            deployment.logs[name] = log
            with log.open("w") as out:
                deployment.processes[name] = subprocess.Popen(
                    [airflow, *args], env=deployment.env, cwd=root,
                    stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    start_new_session=True,  # its own process group, stopped as a whole
                )  # fmt: skip

        def api_answers() -> bool:
            if deployment.dead_processes():
                raise ProcessDied(f"an Airflow process exited: {deployment.dead_processes()}")
            return httpx.get(f"{deployment.api_url}/api/v2/version", timeout=5).status_code == 200

        try:
            wait_until(api_answers, 120, "the api-server")
        except (TimeoutError, RuntimeError) as err:
            raise RuntimeError(f"{err}\n{deployment.log_tails()}") from err
        yield deployment
    finally:
        stop_process_groups(deployment.processes.values())
        shutil.rmtree(root, ignore_errors=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """A failed integration test's report ends with the tail of every Airflow log (of any
    deployment it used: airflow_deployment, compose_from_clone)."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        for deployment in getattr(item, "funcargs", {}).values():
            if isinstance(deployment, AirflowDeployment):
                report.sections.append(("Airflow logs (tails)", deployment.log_tails()))
