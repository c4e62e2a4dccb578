"""A scenario that changes only parameters (pool, share, threshold, basis), computed from the
tables that the date's nightly build already made: only the models that read whatif.parameters
(those on the way to the pool split) run again, in under a second instead of a dbt build.

The SQL is dbt's, compiled from the models themselves; no rule is written here. dbt compiles
those models once for a state of the project (`dbt compile --defer --favor-state`, the state a
parse of the project as a nightly run sees it): every ref to a model that is not computed again
names the nightly's relation (staging.*, intermediate.*), the ones computed again name schema
whatif, and the as-of date is read from the session (MUNIFUND_AS_OF_DATE=session,
macros/as_of.sql), so that one compile serves every date. The compiled SQL is kept under
$MUNIFUND_HOME/dbt/whatif and executed with psycopg, each model as dbt materializes it (a table).

The nightly's relations must be those of the published run of the scenario's date. Each says
which build made it (its comment, macros/build_stamp.sql); in one transaction they are locked
(ACCESS SHARE: a nightly that replaces one waits for that transaction, well under a second,
instead of the scenario reading half of each), their stamps read, and the models computed. A
relation of another date or run (the date is not the last one built, a nightly is building
another date now, a later run of the date was not published) or with no stamp: the scenario
takes the full dbt build of its own (compute.py), and says why. So does a rates file, which
changes the cost lines of every day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import dbt.version
import psycopg
from psycopg import sql

from munifund.config import DBT_PROJECT_DIR, load_settings
from munifund.dbt_project import DbtFailed, run_dbt
from munifund.warehouse import Warehouse

log = logging.getLogger(__name__)

SCHEMA = "whatif"
# The models a parameter changes: those that read whatif.parameters, on the way to the split.
SELECTION = "source:whatif.parameters+,+int_district_allocations_split"
TARGET_PATH = DBT_PROJECT_DIR / "target" / "whatif"
# stamped on nothing: the run id of the compile (the selected models stamp no run)
RUN_ID = "whatif"
# a nightly holds a relation for the instant it swaps it; longer means it is stuck: full build
LOCK_TIMEOUT = "5s"


@dataclass(frozen=True)
class CompiledModel:
    unique_id: str
    schema: str
    name: str
    sql: str


@dataclass(frozen=True)
class Compiled:
    """The models to compute again, in the order they depend on each other, and the nightly's
    relations they read (schema, name)."""

    models: tuple[CompiledModel, ...]
    reads: tuple[tuple[str, str], ...]


def build_stamp(as_of: dt.date, run_id: str) -> str:
    """The comment a staging view or intermediate table of that build carries
    (macros/build_stamp.sql)."""
    return f"munifund build: as_of_date={as_of.isoformat()} run_id={run_id}"


def project_key(pipeline_url: str, selection: str = SELECTION) -> str:
    """What the compiled SQL of `selection` depends on: the project's models, macros and
    configuration, the seeds' names, dbt's version, and the warehouse's database (in every
    relation's name)."""
    digest = hashlib.sha256()
    digest.update(dbt.version.__version__.encode())
    digest.update(psycopg.conninfo.conninfo_to_dict(pipeline_url).get("dbname", "").encode())
    digest.update(selection.encode())
    files = [DBT_PROJECT_DIR / "dbt_project.yml"]
    for folder in ("models", "macros"):
        files += sorted(p for p in (DBT_PROJECT_DIR / folder).rglob("*") if p.is_file())
    for path in files:
        digest.update(str(path.relative_to(DBT_PROJECT_DIR)).encode())
        digest.update(path.read_bytes())
    for path in sorted((DBT_PROJECT_DIR / "seeds").rglob("*")):
        digest.update(str(path.relative_to(DBT_PROJECT_DIR)).encode())
    return digest.hexdigest()[:16]


def _cache_file(pipeline_url: str) -> Path:
    return load_settings().home / "dbt" / "whatif" / f"compiled-{project_key(pipeline_url)}.json"


def compiled_models(pipeline_url: str) -> Compiled:
    """The compiled SQL of the models a parameter changes: kept, or compiled by dbt now (once
    per state of the project, a few seconds)."""
    cached = _cache_file(pipeline_url)
    if cached.exists():
        data = json.loads(cached.read_text(encoding="utf-8"))
    else:
        data = _compile(pipeline_url)
        cached.parent.mkdir(parents=True, exist_ok=True)
        staged = cached.with_suffix(f".{os.getpid()}")
        staged.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        staged.replace(cached)
        for older in cached.parent.glob("compiled-*.json"):  # of earlier states of the project
            if older != cached:
                older.unlink(missing_ok=True)
    return Compiled(
        models=tuple(CompiledModel(**m) for m in data["models"]),
        reads=tuple((schema, name) for schema, name in data["reads"]),
    )


def _compile(pipeline_url: str) -> dict:
    state = TARGET_PATH / "state"
    # the project as a nightly run sees it: the relations that deferred refs name
    run_dbt(["parse", "--quiet", "--target-path", str(state)], pipeline_url)
    state_nodes = json.loads((state / "manifest.json").read_text(encoding="utf-8"))["nodes"]
    nodes = _dbt_compile(pipeline_url, state)
    missing = _unresolved(nodes)
    if missing:
        # dbt defers a ref to a selected model too when its table does not exist in whatif yet
        # (a new warehouse): an empty placeholder of each, then once again
        with psycopg.connect(pipeline_url, autocommit=True) as conn:
            for uid in missing:
                conn.execute(
                    sql.SQL("create table if not exists {} ()").format(
                        sql.Identifier(SCHEMA, nodes[uid].alias)
                    )
                )
        nodes = _dbt_compile(pipeline_url, state)
        if _unresolved(nodes):
            raise DbtFailed(f"dbt resolved the refs to {_unresolved(nodes)} outside {SCHEMA}")
    models, reads = [], set()
    for uid, node in nodes.items():
        if node.config.materialized != "table" or node.schema != SCHEMA:
            raise DbtFailed(f"{uid}: the scenario computes tables in {SCHEMA} only")
        for parent in node.depends_on.nodes:
            if parent in nodes or not parent.startswith(("model.", "seed.", "snapshot.")):
                continue  # computed again, or a source (raw data, the scenario's parameters)
            deferred = state_nodes[parent]
            if deferred["config"]["materialized"] != "ephemeral" and (
                deferred["relation_name"] not in node.compiled_code
            ):
                raise DbtFailed(f"{uid}: its ref to {parent} was not deferred to the nightly's")
            reads |= _stamped_relations(parent, state_nodes)
        models.append(uid)
    ordered: list[str] = []
    while len(ordered) < len(models):  # each after the models it reads
        ordered += [
            uid
            for uid in models
            if uid not in ordered
            and all(p in ordered for p in nodes[uid].depends_on.nodes if p in nodes)
        ]
    return {
        "models": [
            {
                "unique_id": uid, "schema": nodes[uid].schema, "name": nodes[uid].alias,
                "sql": nodes[uid].compiled_code,
            }
            for uid in ordered
        ],
        "reads": sorted(reads),
    }  # fmt: skip


def _stamped_relations(uid: str, state_nodes: dict) -> set[tuple[str, str]]:
    """The nightly's relations that reading model `uid` reads, each stamped by its build: the
    model's own, and through a view or an ephemeral model (read live, or inlined) what they
    read, down to tables (whose rows were made from their parents of the same build). Seeds
    are reference data that no date stamps."""
    node = state_nodes.get(uid)
    if node is None or not uid.startswith("model."):
        return set()
    found = set()
    if node["config"]["materialized"] != "ephemeral":
        found.add((node["schema"], node["alias"]))
    if node["config"]["materialized"] in ("view", "ephemeral"):
        for parent in node["depends_on"]["nodes"]:
            found |= _stamped_relations(parent, state_nodes)
    return found


def _dbt_compile(pipeline_url: str, state: Path) -> dict:
    """The selected models, compiled (unique_id: dbt's node)."""
    saved = {k: os.environ.get(k) for k in ("MUNIFUND_AS_OF_DATE", "MUNIFUND_RUN_ID")}
    try:
        result = run_dbt(
            [
                "compile", "--select", SELECTION, "--defer", "--favor-state",
                "--state", str(state), "--quiet", "--target-path", str(TARGET_PATH / "compiled"),
            ],
            pipeline_url,
            {"as_of_date": "session", "run_id": RUN_ID, "scenario_schema": SCHEMA},
        )  # fmt: skip
    finally:  # run_dbt leaves the date in the environment: not `session` for what follows
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return {  # the models (compile also renders their tests)
        r.node.unique_id: r.node
        for r in result.results  # type: ignore[attr-defined]
        if r.node.unique_id.startswith("model.")
    }


def _unresolved(nodes: dict) -> list[str]:
    """The selected models that another selected model's SQL does not read from whatif."""
    return sorted(
        {
            parent
            for node in nodes.values()
            for parent in node.depends_on.nodes
            if parent in nodes and nodes[parent].relation_name not in node.compiled_code
        }
    )


def compute_from_nightly(warehouse: Warehouse, as_of: dt.date, run_id: str) -> str | None:
    """Compute the scenario's models (whatif.parameters loaded) from the nightly's tables of the
    published run `run_id` of `as_of`. None when done; else why not, and nothing was changed."""
    try:
        compiled = compiled_models(warehouse.pipeline_url)
    except DbtFailed as err:  # the full build will say what dbt finds wrong, if anything
        return f"the models that read the parameters could not be compiled for it: {err}"
    stamp = build_stamp(as_of, run_id)
    with warehouse.connect() as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        try:
            with conn.transaction():
                conn.execute(f"set local lock_timeout = '{LOCK_TIMEOUT}'")
                # the lock before the first query: the snapshot then sees the locked relations
                conn.execute(
                    sql.SQL("lock table {} in access share mode").format(
                        sql.SQL(", ").join(sql.Identifier(s, n) for s, n in compiled.reads)
                    )
                )
                other = _stamped_otherwise(conn, compiled.reads, stamp)
                if other:
                    raise _NotTheDate(other)
                conn.execute("select set_config('munifund.as_of_date', %s, true)", [str(as_of)])
                for model in compiled.models:
                    target = sql.Identifier(model.schema, model.name)
                    conn.execute(sql.SQL("drop table if exists {}").format(target))
                    conn.execute(
                        sql.SQL("create table {} as (\n{}\n)").format(target, sql.SQL(model.sql))
                    )
        except _NotTheDate as why:
            return str(why)
        except psycopg.errors.LockNotAvailable as err:
            return f"the nightly's tables are being rebuilt: {str(err).strip()}"
        except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn) as err:
            # no nightly build yet, or one by other models than today's project: full build
            return f"the nightly's tables do not fit the models: {str(err).strip()}"
    log.info(
        "whatif: computed %s from the tables of run %s of %s",
        ", ".join(m.name for m in compiled.models), run_id, as_of,
    )  # fmt: skip
    return None


class _NotTheDate(Exception):
    pass


def _stamped_otherwise(
    conn: psycopg.Connection, reads: tuple[tuple[str, str], ...], stamp: str
) -> str | None:
    """The first relation read whose stamp is not `stamp`, described; None when all carry it."""
    found = dict(
        conn.execute(
            "select n.nspname || '.' || c.relname, obj_description(c.oid, 'pg_class')"
            " from pg_class c join pg_namespace n on n.oid = c.relnamespace"
            " where (n.nspname, c.relname) in (select * from unnest(%s::text[], %s::text[]))",
            [[s for s, _ in reads], [n for _, n in reads]],
        ).fetchall()
    )
    for schema, name in reads:
        has = found.get(f"{schema}.{name}")
        if has != stamp:
            return (
                f"{schema}.{name} is not of the published run ({stamp.split(': ', 1)[1]}):"
                f" {has.split(': ', 1)[-1] if has else 'no build stamp'}"
            )
    return None
