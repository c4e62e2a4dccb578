"""Airflow without a server: a project-local home, the warehouse connection, nothing phoning home.

The `warehouse` connection set here is the one way tasks reach the warehouse
(`munifund.warehouse.task_warehouse`); Cosmos maps the same connection to dbt's profile.

`configure_airflow` must run before `airflow` is first imported in the process: Airflow reads
its configuration at import. It only sets what the operator has not set, so a real deployment's
``AIRFLOW__...`` variables (another metadata database, say) win.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from munifund.config import DAGS_FOLDER, PRIVACY_ENV, Settings

# the operator's own choice of Airflow's log level, if any, before configure_airflow's default
USER_LOGGING_LEVEL = os.environ.get("AIRFLOW__LOGGING__LOGGING_LEVEL")


def log_tasks_at_info() -> None:
    """Airflow at INFO (or the operator's level) from here on: `munifund run` calls it once its
    output goes to the run's log files, whose task logs need Airflow's INFO lines (a task's
    start and end, what it returned). Before that, on the screen, Airflow stays at WARNING. When
    Airflow was imported already (listing a landing URL), its logging is configured again."""
    level = USER_LOGGING_LEVEL or "INFO"
    os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = level
    if "airflow.configuration" in sys.modules:
        from airflow.configuration import conf
        from airflow.logging_config import configure_logging

        conf.set("logging", "logging_level", level)
        configure_logging()


def configure_airflow(settings: Settings, pipeline_url: str | None = None) -> None:
    home = settings.airflow_home
    home.mkdir(parents=True, exist_ok=True)
    (home / "plugins").mkdir(exist_ok=True)
    defaults = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        # munifund is an installed package and its plugin (munifund.web) an entry point: Airflow
        # need not scan plugins/ for AirflowPlugins
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(home / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Asia/Shanghai",
        # the screen; `munifund run` raises it to INFO inside its log files (log_tasks_at_info)
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        # task logs are MUNIFUND_HOME's, private like it (munifund.home): Airflow's own default
        # opens them to the group and the world (0o775, 0o664) whatever the umask
        "AIRFLOW__LOGGING__FILE_TASK_HANDLER_NEW_FOLDER_PERMISSIONS": "0o700",
        "AIRFLOW__LOGGING__FILE_TASK_HANDLER_NEW_FILE_PERMISSIONS": "0o600",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    os.environ.update(PRIVACY_ENV)
    if pipeline_url:
        os.environ["AIRFLOW_CONN_WAREHOUSE"] = warehouse_connection_json(pipeline_url)


def warehouse_connection_json(pipeline_url: str) -> str:
    """The warehouse URL as the Airflow connection `warehouse`, in JSON."""
    from munifund.warehouse.access import connection_fields

    return json.dumps(connection_fields(pipeline_url))


def migrate_metadata_db(settings: Settings | None = None) -> None:
    """Create or upgrade Airflow's metadata database, skipped when this Airflow version already
    migrated it (a stamp beside the database): the check alone costs seconds on every run."""
    import airflow
    from airflow.utils import db

    from munifund.config import load_settings

    settings = settings or load_settings()
    stamp = settings.airflow_home / "metadata-migrated-by"
    database = os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "")
    expected = f"{airflow.__version__} {database}"
    if stamp.exists() and stamp.read_text("utf-8") == expected and _sqlite_file_exists(database):
        return
    db.upgradedb()
    stamp.write_text(expected, "utf-8")


def _sqlite_file_exists(url: str) -> bool:
    """The local database the stamp speaks of is still there; a server's is always checked
    (someone else may have reset or upgraded it)."""
    return url.startswith("sqlite:///") and Path(url.removeprefix("sqlite:///")).exists()
