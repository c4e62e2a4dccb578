"""Write-audit-publish: dbt builds the candidate in `audit`; `audit` checks it; `publish` copies
it into `published` in one transaction and records the run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# The marts that publication copies from `audit` into `published`, every row stamped with
# fiscal_year, as_of_date and run_id; publication replaces the rows of the same as_of_date.
# Each has its shell in the warehouse migrations (munifund/warehouse/schema/versions).
PUBLISHED_MARTS = (
    "district_allocation",
    "district_allocation_lines",
    "city_tier_costs",
    "unmeasured_assets",
    "allocation_changes",
    "street_allocation",
    "assessment_results",
    "kiosk_fee_compliance",
    "kiosk_fee_flags",
    "kiosk_arrears",
    "disbursement_status",
    "allocation_spending",
    "allocation_spending_flags",
    "allocation_year_over_year",
    "budget_plan",
    "year_end_settlement",
)

# Reference marts: not stamped with a run; publication replaces them whole with what the code
# that ran knows (the labels of every code).
REFERENCE_MARTS = ("code_labels",)


@dataclass(frozen=True)
class RunContext:
    """A run of the pipeline: its as-of date (the logical date in the city), Airflow run id, and
    who started it (recorded with the run: that person may not approve it)."""

    as_of: dt.date
    run_id: str
    started_by: str | None = None

    @property
    def fiscal_year(self) -> int:
        return self.as_of.year
