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
    for match in re.finditer(r"(PASSWORD|SECRET|FERNET_KEY)[A-Z_]*:\s*(\S+)", text):
        assert match.group(2).startswith(("${", "$${")), match.group(0)
    for line in Path(PROJECT_ROOT / ".env.example").read_text().splitlines():
        if re.match(r"^[A-Z_]*(PASSWORD|SECRET|KEY)=", line):
            assert line.endswith("="), f"a value in .env.example: {line}"
    assert ".env" in (PROJECT_ROOT / ".gitignore").read_text().split()
