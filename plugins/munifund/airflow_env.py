"""Airflow without a server: a project-local home, the warehouse connection, nothing phoning home.

`configure_airflow` must run before `airflow` is first imported in the process: Airflow reads
its configuration at import. It only sets what the operator has not set, so a real deployment's
``AIRFLOW__...`` variables (another metadata database, say) win.
"""

from __future__ import annotations

import json
import os
from urllib.parse import unquote, urlsplit

from munifund.config import DAGS_FOLDER, Settings

WAREHOUSE_CONN_ID = "warehouse"

# Telemetry off, whatever the environment: Cosmos' own switch and the common do-not-track ones;
# dbt's is also off in dbt_project.yml.
PRIVACY_ENV = {
    "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    "DO_NOT_TRACK": "1",
    "SCARF_ANALYTICS": "false",
    "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
}


def warehouse_connection_json(pipeline_url: str) -> str:
    """The warehouse URL as an Airflow connection in JSON (a host, as Cosmos needs)."""
    parts = urlsplit(pipeline_url)
    return json.dumps(
        {
            "conn_type": "postgres",
            "host": parts.hostname,
            "port": parts.port or 5432,
            "login": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "schema": parts.path.lstrip("/"),
        }
    )


def configure_airflow(settings: Settings, pipeline_url: str | None = None) -> None:
    home = settings.airflow_home
    home.mkdir(parents=True, exist_ok=True)
    (home / "plugins").mkdir(exist_ok=True)
    defaults = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        # munifund is an installed package; Airflow need not scan plugins/ for AirflowPlugins
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(home / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Asia/Shanghai",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    os.environ.update(PRIVACY_ENV)
    if pipeline_url:
        os.environ["AIRFLOW_CONN_WAREHOUSE"] = warehouse_connection_json(pipeline_url)


def migrate_metadata_db() -> None:
    """Create or upgrade Airflow's metadata database (a no-op when it is current)."""
    from airflow.utils import db

    db.upgradedb()
