"""docker-compose.yml's own commands, in its order, from a fresh clone of the repository.

Docker is not on the development machines, so this runs what the compose file says without
containers: a `git clone` of the committed HEAD (no untracked file such as
dbt_project/target/manifest.json comes along), the environment the compose file gives its
Airflow services (its `environment`, and `.env` made from `.env.example`, interpolated as compose
does) translated to this machine, then `airflow-init`'s command, then the `dag-processor` and
the `api-server` with their commands. Translated: the hosts `postgres`, `redis` and `warehouse`
become the private servers of tests/integration/conftest.py; the container paths become the
clone (bind mounts, and the image's copy of the project at /opt/munifund) and temporary folders
(named volumes, the image's AIRFLOW_HOME); the clone's `munifund` package is imported, as the
image imports its mounted plugins/.

It shows that the DAG imports without errors and renders its dbt tasks after init in a clone,
and that the UI's admin logs in with AIRFLOW_ADMIN_PASSWORD. The scheduler, the triggerer and
the Celery worker are not started here (test_celery_deployment.py runs a whole DAG run under
all of them); their commands are checked to be the Airflow commands that test starts.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import yaml

from munifund.config import PROJECT_ROOT

from .conftest import (
    AIRFLOW_PROCESSES,
    INHERITED_ENV,
    AirflowDeployment,
    Broker,
    MetadataDb,
    ProcessDied,
    WarehouseHome,
    free_port,
    run_checked,
    stop_process_groups,
    wait_until,
)

pytestmark = pytest.mark.integration

DAG_ID = "municipal_maintenance_funding"
STARTED = ("dag-processor", "api-server")
# the image's own environment (apache/airflow) that the compose file relies on
IMAGE_AIRFLOW_HOME = "/opt/airflow"
IMAGE_PROJECT = "/opt/munifund"  # Dockerfile: COPY . /opt/munifund, pip install -e


def interpolate(text: str, values: dict[str, str]) -> str:
    """Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR:?error}, $$ for a literal $."""

    def one(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        value = values.get(name)
        if op == ":-" and not value:
            return arg
        if op == ":?" and not value:
            raise AssertionError(f"compose would refuse to start: {name}: {arg}")
        return value or ""

    return re.sub(r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:[-?])(?P<arg>[^}]*))?\}", one, text)


def dot_env(metadata: MetadataDb, wh: WarehouseHome) -> dict[str, str]:
    """.env as an operator writes it from .env.example: every empty value filled in."""
    from cryptography.fernet import Fernet

    pipeline, analyst = urlsplit(wh.warehouse.pipeline_url), urlsplit(wh.warehouse.analyst_url)
    given = {
        "AIRFLOW_UID": str(os.getuid()),
        "AIRFLOW_FERNET_KEY": Fernet.generate_key().decode(),
        "AIRFLOW_DB_PASSWORD": metadata.password,
        # the URL's password is already URL-encoded, as docs/production.md asks of .env
        "WAREHOUSE_PIPELINE_PASSWORD": pipeline.password or "",
        "MUNIFUND_ANALYST_PASSWORD": analyst.password or "",
        "LANDING_DIR": str(wh.landing),
    }
    values = {}
    for line in (PROJECT_ROOT / ".env.example").read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, value = line.partition("=")
        values[name] = given.get(name) or value or secrets.token_urlsafe(24)
    return values


class Translation:
    """Container paths and host names of the compose network, as they are on this machine."""

    def __init__(self, clone: Path, root: Path, service: dict, env_file: dict[str, str]):
        self.paths: dict[str, str] = {
            IMAGE_PROJECT: str(clone),
            IMAGE_AIRFLOW_HOME: str(root / "airflow"),
        }
        for volume in service["volumes"]:
            source, target = interpolate(volume, env_file).split(":")[:2]
            if source.startswith(("./", "/")):
                local = (clone / source).resolve() if source.startswith("./") else Path(source)
            else:  # a named volume
                local = root / "volumes" / source
                local.mkdir(parents=True, exist_ok=True)
            self.paths[target] = str(local)
        self.hosts: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        for container, local in sorted(self.paths.items(), key=lambda kv: -len(kv[0])):
            text = re.sub(re.escape(container) + r"(?![\w-])", local, text)
        for container, local in self.hosts.items():
            text = text.replace(container, local)
        return text


@pytest.fixture(scope="module")
def clone() -> Iterator[Path]:
    """The committed HEAD, cloned: what a fresh checkout has, and nothing else."""
    root = Path(tempfile.mkdtemp(prefix="munifund-clone-"))
    head = subprocess.run(
        ["git", "-C", str(PROJECT_ROOT), "rev-parse", "HEAD"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    try:
        run_checked(
            ["git", "clone", "--quiet", "--no-checkout", str(PROJECT_ROOT), str(root / "munifund")]
        )
        run_checked(["git", "-C", str(root / "munifund"), "checkout", "--quiet", head])
        yield root / "munifund"
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def compose_from_clone(
    clone: Path, metadata_db: MetadataDb, broker: Broker, warehouse_home: WarehouseHome
) -> Iterator[AirflowDeployment]:
    """airflow-init's command, then the dag-processor and the api-server, as compose runs them."""
    compose = yaml.safe_load((clone / "docker-compose.yml").read_text())
    services = compose["services"]
    root = Path(tempfile.mkdtemp(prefix="munifund-compose-"))
    api_port = free_port()
    env_file = dot_env(metadata_db, warehouse_home)
    translate = Translation(clone, root, services["airflow-init"], env_file)
    warehouse = urlsplit(warehouse_home.warehouse.pipeline_url)
    translate.hosts = {
        "@postgres/": f"@{metadata_db.host}:{metadata_db.port}/",
        "@redis:6379/": f"@127.0.0.1:{broker.port}/",
        "@warehouse:5432/munifund": f"@{warehouse.hostname}:{warehouse.port}{warehouse.path}",
        "http://api-server:8080/": f"http://127.0.0.1:{api_port}/",
    }

    def environment(name: str) -> dict[str, str]:
        env = {n: v for n in INHERITED_ENV if (v := os.environ.get(n)) is not None}
        env["PATH"] = str(Path(sys.executable).parent) + ":" + env.get("PATH", "/usr/bin:/bin")
        env.setdefault("LANG", "C.UTF-8")
        env.update(
            {
                # the image's: its AIRFLOW_HOME, and munifund imported from the project's
                # plugins/ (pip install -e), here the clone's rather than this checkout's
                "AIRFLOW_HOME": IMAGE_AIRFLOW_HOME,
                "PYTHONPATH": f"{IMAGE_PROJECT}/plugins",
                # the container's own network: the api-server listens on its port
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__PORT": str(api_port),
            }
        )
        env.update(env_file)  # env_file: .env
        for key, value in services[name]["environment"].items():
            env[key] = interpolate(str(value), env_file)
        return {key: translate(value) for key, value in env.items()}

    (root / "airflow" / "plugins").mkdir(parents=True)
    deployment = AirflowDeployment(
        home=Path(translate(IMAGE_AIRFLOW_HOME)),
        api_url=f"http://127.0.0.1:{api_port}",
        env=environment("airflow-init"),
        metadata=metadata_db,
        broker=broker,
        warehouse=warehouse_home,
    )
    try:
        assert not (clone / "dbt_project" / "target").exists(), "the clone has a built target/"
        init = services["airflow-init"]
        script = [translate(interpolate(arg, env_file)) for arg in init["command"]]
        deployment.logs["airflow-init"] = root / "airflow-init.log"
        with deployment.logs["airflow-init"].open("w") as out:
            result = subprocess.run(
                [init["entrypoint"], *script], env=deployment.env, cwd=root,
                stdout=out, stderr=subprocess.STDOUT, timeout=300,
            )  # fmt: skip
        assert result.returncode == 0, f"airflow-init failed:\n{deployment.log_tails()}"
        airflow = str(Path(sys.executable).with_name("airflow"))
        for name in STARTED:
            args = services[name]["command"].split()
            log = deployment.logs[name] = root / f"{name}.log"
            with log.open("w") as out:
                deployment.processes[name] = subprocess.Popen(
                    [airflow, *args], env=environment(name), cwd=root,
                    stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )  # fmt: skip
        yield deployment
    finally:
        stop_process_groups(deployment.processes.values(), grace=5)  # nothing of theirs is kept
        shutil.rmtree(root, ignore_errors=True)


def test_the_services_commands_are_those_the_deployment_test_runs() -> None:
    services = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())["services"]
    for name, args in AIRFLOW_PROCESSES.items():
        assert services[name]["command"].split() == args[: len(services[name]["command"].split())]


def test_a_fresh_clone_starts_renders_the_dag_and_logs_the_admin_in(
    compose_from_clone: AirflowDeployment, clone: Path
) -> None:
    deployment = compose_from_clone
    assert (clone / "dbt_project" / "target" / "manifest.json").is_file()

    def api_answers() -> bool:
        if deployment.dead_processes():
            raise ProcessDied(f"a service exited: {deployment.dead_processes()}")
        # the api-server's healthcheck, which the worker waits for
        return httpx.get(f"{deployment.api_url}/api/v2/version", timeout=5).status_code == 200

    wait_until(api_answers, 120, "the api-server")
    password = deployment.env["AIRFLOW_ADMIN_PASSWORD"]
    wrong = httpx.post(
        f"{deployment.api_url}/auth/token",
        json={"username": "admin", "password": password + "x"},
        timeout=30,
    )
    assert wrong.status_code == 401, wrong.text
    login = httpx.post(
        f"{deployment.api_url}/auth/token",
        json={"username": "admin", "password": password},
        timeout=30,
    )
    assert login.status_code == 201, login.text
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    with httpx.Client(base_url=deployment.api_url, headers=headers, timeout=30) as api:

        def dag_tasks() -> list[str]:
            if deployment.dead_processes():
                raise ProcessDied(f"a service exited: {deployment.dead_processes()}")
            errors = api.get("/api/v2/importErrors").json()
            assert errors["total_entries"] == 0, errors
            answer = api.get(f"/api/v2/dags/{DAG_ID}/tasks")
            return [t["task_id"] for t in answer.json()["tasks"]] if answer.is_success else []

        tasks = wait_until(dag_tasks, 120, f"the dag-processor to parse {DAG_ID}", interval=2)
    assert {"ingest_landing", "publish_allocation", "approve_allocation"} <= set(tasks)
    # the dbt stage: one `dbt build` through Cosmos (munifund.dbt_stage)
    assert "dbt_build" in tasks, tasks

    # the review packs, served by the api-server through the munifund plugin, behind the login
    packs = f"{deployment.api_url}/munifund/"
    assert httpx.get(packs, timeout=30).status_code == 401
    listed = httpx.get(packs, headers=headers, timeout=30)
    assert listed.status_code == 200, listed.text
    assert "审核包 / Review packs" in listed.text
