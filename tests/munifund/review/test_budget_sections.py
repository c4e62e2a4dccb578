"""The review pack's budget-year sections on their own (no warehouse): a run before its year's
pool says the allocation waits for it, a year with no approval says approving issues the first
plan, and a revocation's flag is counted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from munifund.review.budget_sections import adjustments_section, plan_section, settlement_section
from munifund.review.queries import DataQuality, PackData, Table

AS_OF = dt.date(2027, 1, 5)


def pack(**tables: Table) -> PackData:
    empty = {
        name: Table(name, [])
        for name in (
            "allocation", "lines", "city_costs", "changes", "unmeasured", "kiosk",
            "disbursements", "year_over_year", "plan",
            "settlement", "adjustments", "previous_adjustments",
        )
    }  # fmt: skip
    return PackData(
        as_of=AS_OF, run=None, data_quality=DataQuality(True, [], [], 0), **(empty | tables)
    )


SETTLED = Table(
    "year_end_settlement",
    [
        {
            "settled_fiscal_year": 2026, "district_code": "230102", "plan_yuan": Decimal("100.00"),
            "paid_yuan": Decimal("90.00"), "owed_yuan": Decimal("10.00"),
            "unspent_yuan": Decimal("5.00"), "carried_over_yuan": Decimal("5.00"),
        }
    ],
)  # fmt: skip


def test_a_run_before_the_pool_says_the_allocation_waits() -> None:
    data = pack(settlement=SETTLED)
    section = plan_section(data, {})
    assert section.available and section.view is None
    assert "waits for its pool" in section.note and "2027" in section.note
    settled = settlement_section(data, {})
    assert settled.view is not None and "+10.00" in settled.note


def test_no_plan_yet_says_approving_issues_the_initial_plan() -> None:
    data = pack(allocation=Table("district_allocation", [{"district_code": "230102"}]))
    assert "approving this draft issues the initial plan" in plan_section(data, {}).note


def test_a_flagged_revocation_is_counted_with_last_years_adjustments() -> None:
    row = {"decision_id": 3, "district_code": "230102", "kind": "revocation", "flag": "revoking…"}
    data = pack(
        settlement=SETTLED,
        previous_adjustments=Table("budget_adjustments", [row]),
    )
    section = adjustments_section(data, {})
    assert section.view is not None and "1 flag(s)" in section.note
