"""The nightly DAG's dbt stage: one `dbt build` of every model and test, run by Cosmos.

Why one task and not a task per model: the models are small and many, and each Cosmos task
pays a fixed cost (a copy of the project, the manifest read and written again, a full garbage
collection in the worker) that was 8x the dbt work it wrapped. One build runs dbt's own threads
and tests each model right after it builds, which is what write-audit-publish needs: nothing
is published unless every model and test of error severity passed (docs/architecture.md).

A retry does not redo finished work: the build's artifacts go to a folder of the DAG run's own
(`dbt_artifacts_dir`, under $MUNIFUND_HOME/logs), and a later try there runs `dbt retry`, which re-runs only the nodes
that failed or were skipped. A failure names its models and tests in the task's log and
exception, and `failed_nodes` reads them back for `munifund run`'s summary.

dbt's parse of the project is kept between runs ($MUNIFUND_HOME/dbt/partial_parse.msgpack): the
run's date and id reach dbt through the environment, not as vars (macros/as_of.sql), so a new
run re-parses only the files that changed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from airflow.sdk import BaseOperator

from munifund.config import load_settings
from munifund.dates import city_date
from munifund.dbt_project import keep_parse, restore_parse

#: dbt statuses of a node that did not pass (a test that failed, a model that errored)
FAILED_STATUSES = ("error", "fail", "runtime error")


def dbt_artifacts_dir(as_of: object, run_id: str) -> Path:
    """The DAG run's dbt folder: dbt.log, run_results.json, the manifest (its target path)."""
    return load_settings().run_logs_dir(as_of, run_id) / "dbt_build"


def _parse_cache() -> Path:
    return load_settings().home / "dbt" / "partial_parse.msgpack"


def _prune(target: Path) -> None:
    """After a build that passed, only its log and results are worth keeping (a failed one
    keeps everything: `dbt retry` and whoever debugs it need the compiled SQL)."""
    for entry in target.iterdir():
        if entry.name not in ("dbt.log", "run_results.json"):
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


def failed_nodes(as_of: object, run_id: str) -> list[str]:
    """`kind name: message` for every node of the run's last dbt command that did not pass."""
    results = dbt_artifacts_dir(as_of, run_id) / "run_results.json"
    if not results.exists():
        return []
    failed = []
    for node in json.loads(results.read_text(encoding="utf-8")).get("results", []):
        if node.get("status") in FAILED_STATUSES:
            kind, _, name = node["unique_id"].partition(".")
            name = name.split(".", 1)[-1]
            message = " ".join(str(node.get("message") or node["status"]).split())
            failed.append(f"{kind} {name}: {message[:300]}")
    return failed


class DbtBuildOperator(BaseOperator):
    """The DAG's dbt stage. Cosmos is imported when the task runs, never when the DAG file is
    parsed (a parse stays well under half a second): this operator holds only the run's
    environment (templated) and the selection, and hands both to `_resumable_operator()`."""

    template_fields = ("env",)

    def __init__(
        self, *, env: dict[str, str], cosmos_arguments: dict[str, Any], **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.env = env
        self.cosmos_arguments = cosmos_arguments

    def execute(self, context: Any) -> None:
        operator = _resumable_operator(task_id=self.task_id, env=self.env, **self.cosmos_arguments)
        operator.execute(context)


def _resumable_operator(**arguments: Any) -> Any:
    """Cosmos's `DbtBuildLocalOperator` with dbt's profile from the Airflow connection
    `warehouse` (4 threads), dbt in-process, no per-node assets (nothing consumes them; the
    published allocation is the DAG's asset), and a later try that resumes."""
    from cosmos import ProfileConfig
    from cosmos.constants import InvocationMode
    from cosmos.operators.local import DbtBuildLocalOperator
    from cosmos.profiles import PostgresUserPasswordProfileMapping

    from munifund.config import DBT_PROJECT_DIR

    class ResumableDbtBuildOperator(DbtBuildLocalOperator):
        """`dbt build` on the first try; `dbt retry` of the same run's artifacts on a later one."""

        _resuming = False

        @property
        def base_cmd(self) -> list[str]:  # type: ignore[override]
            return ["retry"] if self._resuming else ["build"]

        def add_global_flags(self) -> list[str]:
            flags = super().add_global_flags()
            if not self._resuming:
                return flags
            # `dbt retry` repeats the failed command's own selection and accepts none of its own
            kept, skip = [], False
            for flag in flags:
                if skip:
                    skip = False
                elif flag in ("--select", "--exclude", "--selector", "--models"):
                    skip = True
                else:
                    kept.append(flag)
            return kept

        def execute(self, context: Any, **kwargs: Any) -> None:
            as_of = city_date(context["logical_date"])
            target = dbt_artifacts_dir(as_of, context["run_id"])
            target.mkdir(parents=True, exist_ok=True)
            previous = target / "run_results.json"
            self._resuming = context["ti"].try_number > 1 and previous.exists()
            if self._resuming:
                self.log.info(
                    "try %s: `dbt retry` re-runs what failed in %s",
                    context["ti"].try_number,
                    target,
                )
            elif previous.exists():
                previous.unlink()  # a fresh build's failures must not be read as an older one's
            if not (target / "partial_parse.msgpack").exists():  # a retry keeps its own
                restore_parse(_parse_cache(), target)
            flags = [*self.add_cmd_flags(), "--target-path", str(target), "--log-path", str(target)]
            try:
                self.build_and_run_cmd(context=context, cmd_flags=flags, **kwargs)
            finally:
                keep_parse(target, _parse_cache())
            _prune(target)

    defaults: dict[str, Any] = {
        "project_dir": DBT_PROJECT_DIR,
        "manifest_filepath": str(DBT_PROJECT_DIR / "target" / "manifest.json"),
        "profile_config": ProfileConfig(
            profile_name="munifund",
            target_name="warehouse",
            profile_mapping=PostgresUserPasswordProfileMapping(
                conn_id="warehouse", profile_args={"schema": "staging", "threads": 4}
            ),
        ),
        "invocation_mode": InvocationMode.DBT_RUNNER,
        "install_deps": False,
        "emit_datasets": False,
        "should_store_compiled_sql": False,
    }
    return ResumableDbtBuildOperator(**{**defaults, **arguments})


#: the nightly build runs models, seeds, snapshots and data tests; dbt's unit tests test the code,
#: not the night's data, and run in `make test` (tests/dbt/test_unit_tests.py)
NIGHTLY_EXCLUDE = ["resource_type:unit_test"]


def dbt_build_task(
    env: dict[str, str], execution_timeout: Any = None, **cosmos_arguments: Any
) -> DbtBuildOperator:
    """The DAG's dbt stage as the DAG builds it; `env` gives the run's date and id,
    `execution_timeout` is the task's (Airflow's), and `cosmos_arguments` override Cosmos's (a
    test's `select`, say)."""
    cosmos_arguments.setdefault("exclude", NIGHTLY_EXCLUDE)
    return DbtBuildOperator(
        task_id="dbt_build",
        env=env,
        cosmos_arguments=cosmos_arguments,
        execution_timeout=execution_timeout,
    )
