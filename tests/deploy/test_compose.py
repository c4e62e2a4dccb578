"""The compose file has the shape of Airflow 3.3's official CeleryExecutor deployment, plus a
warehouse of its own, and carries no secret."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from munifund.config import PROJECT_ROOT

COMPOSE = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
AIRFLOW_SERVICES = ("api-server", "scheduler", "dag-processor", "triggerer", "worker")


def test_it_has_every_service_of_the_topology() -> None:
    assert set(SERVICES) >= {*AIRFLOW_SERVICES, "redis", "postgres", "warehouse", "airflow-init"}
    for name in AIRFLOW_SERVICES:
        assert SERVICES[name]["command"].split()[0] in (
            "api-server",
            "scheduler",
            "dag-processor",
            "triggerer",
            "celery",
        )
    assert SERVICES["worker"]["command"] == "celery worker"


def test_airflow_runs_on_celery_with_a_shared_jwt_secret() -> None:
    for name in AIRFLOW_SERVICES:
        env = SERVICES[name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert env["AIRFLOW__API_AUTH__JWT_SECRET"] == "${AIRFLOW_JWT_SECRET}"
        assert env["AIRFLOW__COSMOS__ENABLE_TELEMETRY"] == "false"


def test_the_warehouse_and_the_metadata_database_differ() -> None:
    env = SERVICES["scheduler"]["environment"]
    metadata = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    warehouse = env["MUNIFUND_WAREHOUSE_URL"]
    assert "@postgres/" in metadata and "@warehouse:" in warehouse
    assert SERVICES["postgres"]["volumes"] != SERVICES["warehouse"]["volumes"]
    assert env["AIRFLOW_CONN_WAREHOUSE"].split("@")[1] == warehouse.split("@")[1]


def test_the_project_is_mounted_and_built_on_the_official_image() -> None:
    volumes = SERVICES["scheduler"]["volumes"]
    for folder in ("./dags:", "./plugins:", "./dbt_project:"):
        assert any(v.startswith(folder) for v in volumes), folder
    assert any("/opt/munifund-landing" in v for v in volumes)
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM apache/airflow:3\.3\.\d+", dockerfile, re.M)


def test_no_secret_is_committed() -> None:
    text = (PROJECT_ROOT / "docker-compose.yml").read_text()
    # every key naming a secret takes its value from .env (a *_FILE key names a path)
    for match in re.finditer(r"(PASSWORD|SECRET|FERNET_KEY)([A-Z_]*):\s+(\S+)", text):
        if not match.group(2).endswith("_FILE"):
            assert match.group(3).startswith(("${", "$${")), match.group(0)
    for line in Path(PROJECT_ROOT / ".env.example").read_text().splitlines():
        if re.match(r"^[A-Z_]*(PASSWORD|SECRET|KEY)=", line):
            assert line.endswith("="), f"a value in .env.example: {line}"
    assert ".env" in (PROJECT_ROOT / ".gitignore").read_text().split()


def test_init_parses_the_manifest_the_mounted_project_hides() -> None:
    """./dbt_project is mounted over the image's copy and its target/ is git-ignored: without a
    parse in airflow-init, Cosmos finds no manifest and the DAG does not render."""
    assert any(v.startswith("./dbt_project:") for v in SERVICES["scheduler"]["volumes"])
    assert "dbt_project/target/" in (PROJECT_ROOT / ".gitignore").read_text().split()
    script = SERVICES["airflow-init"]["command"][-1]
    steps = [line.strip() for line in script.splitlines() if line.strip()]
    parse = next(i for i, step in enumerate(steps) if "ensure_manifest(force=True)" in step)
    assert parse > steps.index("airflow db migrate")


def test_task_logs_have_a_volume_every_airflow_service_shares() -> None:
    for name in (*AIRFLOW_SERVICES, "airflow-init"):
        assert "airflow-logs:/opt/airflow/logs" in SERVICES[name]["volumes"], name
    assert "airflow-logs" in COMPOSE["volumes"]


def test_the_admin_logs_in_with_the_password_from_env() -> None:
    env = SERVICES["api-server"]["environment"]
    assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] == "admin:admin"
    passwords = env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]
    assert any(passwords.startswith(v.split(":")[1]) for v in SERVICES["api-server"]["volumes"])
    script = SERVICES["airflow-init"]["command"][-1]
    assert 'os.environ["AIRFLOW_ADMIN_PASSWORD"]' in script
    assert "AIRFLOW_ADMIN_PASSWORD=" in (PROJECT_ROOT / ".env.example").read_text()


def test_the_worker_waits_for_a_healthy_api_server() -> None:
    assert SERVICES["worker"]["depends_on"]["api-server"] == {"condition": "service_healthy"}
    assert "/api/v2/version" in " ".join(SERVICES["api-server"]["healthcheck"]["test"])
