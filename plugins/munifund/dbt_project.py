"""The dbt project outside Airflow: the manifest Cosmos renders from, and dbt run in-process
(`munifund dbt ...`, tests, benchmarks).

Under Airflow, Cosmos builds dbt's profile from the `warehouse` connection; here the profile in
dbt_project/profiles.yml reads the same warehouse from MUNIFUND_DBT_* variables set below.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

from munifund.config import DBT_PROJECT_DIR, PRIVACY_ENV
from munifund.dates import today_in_city

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
    """Run one dbt command in-process; raise DbtFailed when it does not succeed.

    `as_of_date` and `run_id` among dbt_vars go to dbt as MUNIFUND_AS_OF_DATE and MUNIFUND_RUN_ID
    (macros/as_of.sql): a new date or run then does not make dbt re-parse the project.
    """
    from dbt.cli.main import dbtRunner

    os.environ.update(_profile_env(pipeline_url))
    dbt_vars = dict(dbt_vars or {})
    os.environ.update(
        run_parameter_env(dbt_vars.pop("as_of_date", None), dbt_vars.pop("run_id", None))
    )
    # dbt by hand (`munifund dbt docs generate`, say): today in the city, run "manual"
    os.environ.setdefault("MUNIFUND_AS_OF_DATE", today_in_city().isoformat())
    os.environ.setdefault("MUNIFUND_RUN_ID", "manual")
    full = [
        *args,
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(DBT_PROJECT_DIR),
    ]  # fmt: skip
    if dbt_vars:
        full += ["--vars", json.dumps(dbt_vars)]
    target, cached = _target_path(args), _parse_cache(dbt_vars)
    restore_parse(cached, target)
    try:
        result = dbtRunner().invoke(full)
    finally:
        keep_parse(target, cached)
    if not result.success:
        raise DbtFailed(f"dbt {' '.join(args)} failed: {result.exception or 'see the log above'}")
    return result.result


def _target_path(args: list[str]) -> Path:
    if "--target-path" in args:
        given = Path(args[args.index("--target-path") + 1])
        return given if given.is_absolute() else DBT_PROJECT_DIR / given
    return Path(os.environ.get("DBT_TARGET_PATH") or DBT_PROJECT_DIR / "target")


def _parse_cache(dbt_vars: dict) -> Path:
    """Where dbt's parse is kept for these vars. dbt re-parses the whole project (about 8 s of
    CPU) when a target folder has no parse of its own or when its vars differ from the last
    command's: a new target folder starts from the kept parse, and each set of vars keeps its own,
    so that flipping a var back and forth (tests, benchmarks) parses once per set, not per flip."""
    from munifund.config import load_settings

    key = json.dumps(dbt_vars, sort_keys=True, default=str)
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return load_settings().home / "dbt" / "in_process" / f"partial_parse-{digest}.msgpack"


def restore_parse(cached: Path, target: Path) -> None:
    """A kept parse put in a target folder (written whole, then renamed: another process's dbt
    may be reading the folder's own, dbt_project/target being shared)."""
    if cached.exists():
        target.mkdir(parents=True, exist_ok=True)
        staged = target / f"partial_parse.msgpack.{os.getpid()}"
        shutil.copyfile(cached, staged)
        staged.replace(target / "partial_parse.msgpack")


def keep_parse(target: Path, cached: Path) -> None:
    """dbt's parse in a target folder kept as `cached`, for the next command (written whole,
    then renamed: another process may be reading it)."""
    made = target / "partial_parse.msgpack"
    if made.exists():
        cached.parent.mkdir(parents=True, exist_ok=True)
        staged = cached.with_suffix(f".{os.getpid()}")
        shutil.copyfile(made, staged)
        staged.replace(cached)


def run_parameter_env(as_of_date: object | None, run_id: str | None) -> dict[str, str]:
    """The environment that gives dbt a run's as-of date and id (macros/as_of.sql)."""
    env = {}
    if as_of_date is not None:
        env["MUNIFUND_AS_OF_DATE"] = str(as_of_date)
    if run_id is not None:
        env["MUNIFUND_RUN_ID"] = str(run_id)
    return env


def project_state() -> float:
    """The newest modification time of the dbt project's own files: what a parse depends on."""
    return _newest_source_mtime()


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
