"""The sample city published for one date, once for the what-if modules that compute scenarios
(the command's and the DAG's): a dbt build of the whole project is the expensive part."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from munifund.dbt_project import run_dbt
from munifund.ingest.loader import ingest
from munifund.sample import generate_sample_city
from munifund.tasks import audit_task, publish_task
from munifund.warehouse import Warehouse

AS_OF = dt.date(2026, 11, 28)
RUN_ID = "run-whatif"


@pytest.fixture(scope="package")
def sample_landing(tmp_path_factory) -> Path:
    landing = tmp_path_factory.mktemp("landing")
    generate_sample_city(landing, year=AS_OF.year, scale=1, seed=7)
    return landing


def _published(warehouse: Warehouse) -> bool:
    with warehouse.connect() as conn:
        return conn.execute(
            "select exists (select from published.district_allocation where run_id = %s)"
            " and exists (select from raw.assets where _run_id = %s)",
            [RUN_ID, RUN_ID],
        ).fetchone()[0]


@pytest.fixture(scope="module")
def sample_city(sample_landing, warehouse, clear_schemas) -> tuple[Warehouse, Path, dt.date, str]:
    """The sample city published for AS_OF by the DAG's own task functions: the warehouse, its
    landing, the date and the run id. Published once for the modules here, and again for a
    module that finds it gone: under xdist a worker may run another package's module, which
    empties the schemas, between two of these."""
    if not _published(warehouse):
        clear_schemas("raw", "ops", "audit", "intermediate", "published")
        with warehouse.connect() as conn:
            ingest(conn, sample_landing, AS_OF, RUN_ID)
        # the models only (the DAG's build with its tests runs in tests/e2e)
        run_dbt(["build", "--exclude", "resource_type:unit_test", "resource_type:test"],
                warehouse.pipeline_url,
                {"as_of_date": AS_OF.isoformat(), "run_id": RUN_ID})  # fmt: skip
        audited = audit_task(AS_OF.isoformat(), RUN_ID)
        publish_task(AS_OF.isoformat(), RUN_ID, {"rows_loaded": 1}, audited, started_by="张工")
    return warehouse, sample_landing, AS_OF, RUN_ID
