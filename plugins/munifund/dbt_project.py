"""The dbt project outside Airflow: the manifest Cosmos renders from, and dbt run in-process
(`munifund dbt ...`, tests, benchmarks).

Under Airflow, Cosmos builds dbt's profile from the `warehouse` connection; here the profile in
dbt_project/profiles.yml reads the same warehouse from MUNIFUND_DBT_* variables set below.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from munifund.config import DBT_PROJECT_DIR, PRIVACY_ENV

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"


class DbtFailed(RuntimeError):
    pass


def _profile_env(pipeline_url: str | None) -> dict[str, str]:
    env = dict(PRIVACY_ENV)
    if pipeline_url:
        parts = urlsplit(pipeline_url)
        env.update(
            MUNIFUND_DBT_HOST=parts.hostname or "127.0.0.1",
            MUNIFUND_DBT_PORT=str(parts.port or 5432),
            MUNIFUND_DBT_USER=unquote(parts.username or ""),
            MUNIFUND_DBT_PASSWORD=unquote(parts.password or ""),
            MUNIFUND_DBT_DBNAME=parts.path.lstrip("/"),
        )
    return env


def run_dbt(
    args: list[str], pipeline_url: str | None = None, dbt_vars: dict | None = None
) -> object:
    """Run one dbt command in-process; raise DbtFailed when it does not succeed."""
    from dbt.cli.main import dbtRunner

    os.environ.update(_profile_env(pipeline_url))
    full = [
        *args,
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(DBT_PROJECT_DIR),
    ]  # fmt: skip
    if dbt_vars:
        full += ["--vars", json.dumps(dbt_vars)]
    result = dbtRunner().invoke(full)
    if not result.success:
        raise DbtFailed(f"dbt {' '.join(args)} failed: {result.exception or 'see the log above'}")
    return result.result


def _newest_source_mtime() -> float:
    newest = 0.0
    for folder in ("models", "macros", "seeds", "tests"):
        for path in (DBT_PROJECT_DIR / folder).rglob("*"):
            if path.is_file():
                newest = max(newest, path.stat().st_mtime)
    return max(newest, (DBT_PROJECT_DIR / "dbt_project.yml").stat().st_mtime)


def ensure_manifest(force: bool = False) -> Path:
    """`dbt parse` (no database needed) when the manifest is missing or older than the project."""
    if force or not MANIFEST.exists() or MANIFEST.stat().st_mtime < _newest_source_mtime():
        run_dbt(["parse", "--quiet"])
    return MANIFEST
