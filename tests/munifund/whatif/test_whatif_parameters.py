"""A scenario's parameters as the command takes them and as dbt receives them (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from munifund.whatif.compute import (
    Published,
    Scenario,
    dbt_vars,
    default_threshold,
    parameter_values,
)
from munifund.whatif.parameters import ScenarioRefused, check_name, parse_overrides

PUBLISHED = Published(run_id="r", incentive_basis="increase")


def scenario(*assignments: str, name: str = "s") -> Scenario:
    return Scenario(name, dt.date(2026, 11, 28), parse_overrides(list(assignments)))


def test_what_is_not_set_keeps_the_published_value() -> None:
    values = parameter_values(scenario(), PUBLISHED)
    assert values["incentive_basis"] == "increase"  # the published run's
    assert values["incentive_score_threshold"] == default_threshold()
    assert values["pool_yuan"] is None and values["incentive_share"] is None  # as delivered


def test_a_threshold_of_zero_is_kept() -> None:
    values = parameter_values(scenario("incentive_score_threshold=0"), PUBLISHED)
    assert values["incentive_score_threshold"] == 0


def test_values_are_exact_decimals() -> None:
    values = parameter_values(
        scenario("pool_yuan=123456789.10", "incentive_share=0.25", "incentive_basis=level"),
        PUBLISHED,
    )
    assert values["pool_yuan"] == Decimal("123456789.10")
    assert values["incentive_share"] == Decimal("0.25")
    assert values["incentive_basis"] == "level"
    assert parse_overrides(["pool_yuan= 10 "]).pool_yuan == Decimal("10")


def test_every_scenario_of_a_date_has_the_same_dbt_vars() -> None:
    """So dbt parses the project once for them: a new var would parse it all again."""
    assert dbt_vars(scenario("pool_yuan=1", name="a")) == dbt_vars(
        scenario("incentive_basis=level", name="b")
    )
    assert dbt_vars(scenario())["scenario_schema"] == "whatif"


def test_a_parameter_given_twice_is_refused() -> None:
    with pytest.raises(ScenarioRefused, match="given twice"):
        parse_overrides(["pool_yuan=1", "pool_yuan=2"])


@pytest.mark.parametrize("name", ["a/b", "", "x" * 65, "a.b", "a b"])
def test_a_name_that_is_no_file_name_is_refused(name: str) -> None:
    with pytest.raises(ScenarioRefused):
        check_name(name)


def test_a_chinese_name_is_a_name() -> None:
    assert check_name("扩大资金池") == "扩大资金池"
