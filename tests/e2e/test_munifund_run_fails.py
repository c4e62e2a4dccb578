"""`munifund run` that does not publish, as an operator sees it: the bundled sample city with one
rate the assets need taken out of its rate table (issue 27 item 4). A module of its own so that
a worker runs it beside the long one in test_munifund_run.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_munifund_run import LATE, _munifund

pytestmark = pytest.mark.e2e


def test_a_run_that_fails_for_a_missing_rate_names_its_cause_and_its_log(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """A department's rate table without one rate the assets need: the audit refuses the
    allocation, and the screen says which rate, in the audit's own words, and the file where
    the rest is (issue 27 item 4) — not an audit line about something else, not a traceback."""
    home = tmp_path_factory.mktemp("failing_home")
    landing = home.parent / f"{home.name}_landing"
    assert _munifund(home, "sample", "--out", str(landing), "--year", "2026").returncode == 0
    (rates,) = (landing / "unit_cost_standards" / "2025-12-01").glob("*.csv")
    lines = rates.read_text("utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith("road_maintenance,trunk_road,")]
    assert len(kept) == len(lines) - 1
    rates.write_text("".join(kept), "utf-8")
    try:
        result = _munifund(home, "run", "--date", LATE, "--landing", str(landing))
    finally:
        _munifund(home, "warehouse", "stop")
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    error = result.stderr
    assert f"the run for {LATE} did not publish: audit_allocation failed" in error
    assert "No unit-cost standard" in error and "road_maintenance of trunk_road" in error
    assert "Traceback" not in result.stdout + error
    where = Path(error.split("the rest is in ", 1)[1].split()[0])
    assert where.name == "audit_allocation.log"
    assert "Traceback" in where.read_text("utf-8")  # the rest: there
    assert len(result.stdout.splitlines() + error.splitlines()) <= 20
