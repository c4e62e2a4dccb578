"""A scenario's parameters as the command takes them and as dbt receives them (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from munifund.whatif.compute import Published, Scenario, dbt_vars, default_threshold
from munifund.whatif.parameters import ScenarioRefused, check_name, parse_overrides

PUBLISHED = Published(run_id="r", incentive_basis="increase")


def vars_of(*assignments: str) -> dict:
    scenario = Scenario("s", dt.date(2026, 11, 28), parse_overrides(list(assignments)))
    return dbt_vars(scenario, PUBLISHED)


def test_what_is_not_set_keeps_the_published_value() -> None:
    built = vars_of()
    assert built["incentive_basis"] == "increase"  # the published run's
    assert built["incentive_score_threshold"] == str(default_threshold())
    assert "scenario_pool_yuan" not in built and "scenario_incentive_share" not in built
    assert built["scenario_schema"] == "whatif" and built["scenario_rates"] is False


def test_a_threshold_of_zero_is_kept() -> None:
    assert vars_of("incentive_score_threshold=0")["incentive_score_threshold"] == "0"


def test_values_reach_dbt_as_exact_text() -> None:
    built = vars_of("pool_yuan=123456789.10", "incentive_share=0.25", "incentive_basis=level")
    assert built["scenario_pool_yuan"] == "123456789.10"
    assert built["scenario_incentive_share"] == "0.25"
    assert built["incentive_basis"] == "level"
    assert parse_overrides(["pool_yuan= 10 "]).pool_yuan == Decimal("10")


def test_a_parameter_given_twice_is_refused() -> None:
    with pytest.raises(ScenarioRefused, match="given twice"):
        parse_overrides(["pool_yuan=1", "pool_yuan=2"])


@pytest.mark.parametrize("name", ["a/b", "", "x" * 65, "a.b", "a b"])
def test_a_name_that_is_no_file_name_is_refused(name: str) -> None:
    with pytest.raises(ScenarioRefused):
        check_name(name)


def test_a_chinese_name_is_a_name() -> None:
    assert check_name("扩大资金池") == "扩大资金池"
