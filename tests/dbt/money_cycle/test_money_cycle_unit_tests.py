"""The money cycle's and the budget year's dbt unit tests (models/intermediate/money_cycle), run
against the session's warehouse: the seeds are loaded and the parents built (on whatever raw holds) first, as dbt's unit
tests need their inputs' columns."""

from __future__ import annotations

from pathlib import Path

import pytest

from munifund.dbt_project import DbtFailed, run_dbt
from munifund.warehouse import Warehouse

FOLDER = "path:models/intermediate/money_cycle"


def test_money_cycle_unit_tests_pass(warehouse: Warehouse, tmp_path: Path) -> None:
    paths = ["--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")]
    vars_ = {"as_of_date": "2026-06-30", "run_id": "unit-tests"}
    run_dbt(["seed", *paths], warehouse.pipeline_url, vars_)
    run_dbt(["run", "--select", f"+{FOLDER}", *paths], warehouse.pipeline_url, vars_)
    try:
        run_dbt(
            ["test", "--select", f"{FOLDER},test_type:unit", *paths], warehouse.pipeline_url, vars_
        )
    except DbtFailed as err:  # pragma: no cover - the message names the failed unit tests
        pytest.fail(str(err))
