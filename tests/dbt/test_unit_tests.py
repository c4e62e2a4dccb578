"""dbt's unit tests (the `unit_tests:` beside each model), run here and not in the nightly build.

They test the rules' SQL on fixed inputs, not the night's data, so the DAG's `dbt build`
excludes them (`munifund.dbt_stage.NIGHTLY_EXCLUDE`) and `make test` runs them, against the
session's real warehouse (dbt unit tests need the upstream relations to exist, so the models
are built first, without their data tests).
"""

from __future__ import annotations

import datetime as dt
import json

from munifund.dbt_project import run_dbt
from munifund.dbt_stage import NIGHTLY_EXCLUDE

AS_OF = dt.date(2026, 6, 30)


def test_every_dbt_unit_test_passes(empty_warehouse) -> None:
    dbt_vars = {"as_of_date": AS_OF.isoformat(), "run_id": "unit-tests"}
    run_dbt(
        ["build", "--exclude", "resource_type:unit_test", "resource_type:test"],
        empty_warehouse.pipeline_url,
        dbt_vars,
    )
    results = run_dbt(
        ["test", "--select", "resource_type:unit_test"], empty_warehouse.pipeline_url, dbt_vars
    )
    statuses = {r.node.unique_id: str(r.status) for r in results.results}
    assert len(statuses) >= 30, f"only {len(statuses)} unit tests ran"
    assert set(statuses.values()) == {"pass"}, json.dumps(statuses, indent=1)
    assert NIGHTLY_EXCLUDE == ["resource_type:unit_test"]
