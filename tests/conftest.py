"""Shared fixtures: one embedded PostgreSQL for the whole test session, in a temporary home.

Tests never touch the developer's own ``.munifund``: MUNIFUND_HOME points at a temporary folder
before anything reads it, and the server is stopped at the end of the session.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from munifund.airflow_env import configure_airflow, warehouse_connection_json
from munifund.config import load_settings
from munifund.warehouse import Warehouse, embedded_superuser_url, init_warehouse, stop_warehouse

# Set before any test imports Airflow, which reads its configuration at import.
TEST_HOME = Path(tempfile.mkdtemp(prefix="munifund-test-"))
for _name in list(os.environ):
    if _name.startswith(("AIRFLOW", "MUNIFUND_", "DBT_")):
        del os.environ[_name]
os.environ["MUNIFUND_HOME"] = str(TEST_HOME)
configure_airflow(load_settings())


# The slowest modules, in the order they should start (measured with --durations): the
# services through Airflow, then the modules that build the whole project with dbt.
SLOW_FIRST = ("tests/e2e", "tests/integration", "tests/dbt", "tests/munifund/whatif",
              "tests/munifund/publication")  # fmt: skip


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slowest modules first: with one worker per core (`make test`), each worker takes the
    next module when it is free, so the long ones run beside the rest instead of after it."""

    def rank(item: pytest.Item) -> int:
        path = item.path.as_posix()
        return next(
            (i for i, part in enumerate(SLOW_FIRST) if f"/{part}/" in path), len(SLOW_FIRST)
        )

    items.sort(key=rank)


@pytest.fixture(scope="session")
def munifund_home() -> Iterator[Path]:
    yield TEST_HOME
    stop_warehouse(load_settings())
    shutil.rmtree(TEST_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def warehouse(munifund_home: Path) -> Warehouse:
    """The embedded warehouse of this test session, started and migrated; also the Airflow
    connection `warehouse`, so that task functions called directly reach it as in a task."""
    warehouse = init_warehouse(load_settings())
    os.environ["AIRFLOW_CONN_WAREHOUSE"] = warehouse_connection_json(warehouse.pipeline_url)
    return warehouse


@pytest.fixture(scope="session")
def clear_schemas(warehouse: Warehouse) -> Callable[..., None]:
    """Empties every table of the schemas named, in one statement. As the server's superuser
    with triggers off: the decision log and the approved copies are append-only for the
    pipeline, and the run records and the log refer to each other."""

    def clear(*schemas: str) -> None:
        with psycopg.connect(embedded_superuser_url()) as conn:
            conn.execute("set local session_replication_role = replica")
            tables = conn.execute(
                "select string_agg(format('%%I.%%I', schemaname, tablename), ', ')"
                " from pg_tables where schemaname = any(%s)",
                [list(schemas)],
            ).fetchone()[0]
            if tables:
                conn.execute(f"truncate table {tables}")

    return clear


@pytest.fixture()
def empty_warehouse(warehouse: Warehouse, clear_schemas) -> Warehouse:
    """The session's warehouse with no delivered data, run records or built models left over."""
    clear_schemas("raw", "ops", "audit", "intermediate", "published")
    return warehouse


# The sample city published for one date by the DAG's own task functions, for the modules that
# need a whole city in `published` (the what-if, the public results): a dbt build of the whole
# project is the expensive part, so it is kept while no other module empties the schemas.
SAMPLE_AS_OF = dt.date(2026, 11, 28)
SAMPLE_RUN_ID = "run-sample"


@pytest.fixture(scope="session")
def sample_landing(tmp_path_factory) -> Path:
    from munifund.sample import generate_sample_city

    landing = tmp_path_factory.mktemp("landing")
    generate_sample_city(landing, year=SAMPLE_AS_OF.year, scale=1, seed=7)
    return landing


def _published(warehouse: Warehouse) -> bool:
    with warehouse.connect() as conn:
        return conn.execute(
            "select exists (select from published.district_allocation where run_id = %s)"
            " and exists (select from raw.assets where _run_id = %s)",
            [SAMPLE_RUN_ID, SAMPLE_RUN_ID],
        ).fetchone()[0]


@pytest.fixture(scope="module")
def sample_city(sample_landing, warehouse, clear_schemas) -> tuple[Warehouse, Path, dt.date, str]:
    """The sample city published for SAMPLE_AS_OF by the DAG's own task functions: the
    warehouse, its landing, the date and the run id. Published once, and again for a module that finds it
    gone: under xdist a worker may run another package's module, which empties the schemas,
    between two of these."""
    from munifund.dbt_project import run_dbt
    from munifund.ingest.loader import ingest
    from munifund.tasks import audit_task, publish_task

    if not _published(warehouse):
        clear_schemas("raw", "ops", "audit", "intermediate", "published")
        with warehouse.connect() as conn:
            ingest(conn, sample_landing, SAMPLE_AS_OF, SAMPLE_RUN_ID)
        # the models only (the DAG's build with its tests runs in tests/e2e)
        run_dbt(["build", "--exclude", "resource_type:unit_test", "resource_type:test"],
                warehouse.pipeline_url,
                {"as_of_date": SAMPLE_AS_OF.isoformat(), "run_id": SAMPLE_RUN_ID})  # fmt: skip
        audited = audit_task(SAMPLE_AS_OF.isoformat(), SAMPLE_RUN_ID)
        publish_task(
            SAMPLE_AS_OF.isoformat(), SAMPLE_RUN_ID, {"rows_loaded": 1}, audited, started_by="张工"
        )
    return warehouse, sample_landing, SAMPLE_AS_OF, SAMPLE_RUN_ID
