"""Who sent what: the sender a delivered row or file is answered to in its receipt (receipts.py).

- A row of a source that districts deliver (a source with a `district_code` column that is not
  reference data) is its district's: the district its `district_code` names, when that is a
  district known on the run's date (delivered on or before it, else the districts seed) and its
  code is a plain name (letters, digits, `_`, `-`: it names a folder of the receipts).
- Everything else is the department's that delivers the source (`SOURCE_DEPARTMENTS`): the rows
  of reference data and of the city's own sources, a row that names no valid district (missing,
  unknown, or no plain name), a file that could not be read at all (it has no rows to tell a
  district by), and what in the landing area is no delivery (a folder of an unknown source:
  `LANDING_DEPARTMENT`, who keeps the landing area).

A sender is known by its code: a district's code, or one of `DEPARTMENTS`; `contacts` (a
reference source) gives a sender's mail address by that code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from munifund.ingest.contracts import BY_NAME, SourceContract


@dataclass(frozen=True)
class Department:
    code: str
    name_zh: str
    name_en: str


FINANCE = Department("finance_bureau", "市财政局", "Municipal finance bureau")
CITY_MANAGEMENT = Department("city_management_bureau", "市城市管理局", "City management bureau")
DEPARTMENTS = {d.code: d for d in (FINANCE, CITY_MANAGEMENT)}

#: the department that delivers each source (and answers for its rows that name no district)
SOURCE_DEPARTMENTS: dict[str, Department] = {
    **dict.fromkeys(
        ("districts", "street_offices", "responsibility_matrix", "assets", "area_measurements",
         "asset_transfers", "work_orders", "kiosks", "fee_collections", "enforcement_staffing",
         "enforcement_assessments"),
        CITY_MANAGEMENT,
    ),
    **dict.fromkeys(
        ("unit_cost_standards", "expenditure_purposes", "budget_pools", "own_investment",
         "expenditures", "funding_plans", "opening_balances", "disbursements",
         "disbursement_schedule", "contacts"),
        FINANCE,
    ),
}  # fmt: skip
#: who keeps the landing area: told of a folder that is no source's
LANDING_DEPARTMENT = CITY_MANAGEMENT

DISTRICT_COLUMN = "district_code"
SENDER_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


def department_of(source: str) -> Department:
    return SOURCE_DEPARTMENTS.get(source, LANDING_DEPARTMENT)


def delivered_by_districts(contract: SourceContract | None) -> bool:
    """Whether the source's rows are answered to the districts they name."""
    return (
        contract is not None and not contract.has_seed and DISTRICT_COLUMN in contract.column_names
    )


def sender_of(source: str, district: str | None, districts: set[str]) -> str:
    """The code of the sender a row (or, with no district, a file) of `source` is answered to."""
    district = (district or "").strip()
    if (
        delivered_by_districts(BY_NAME.get(source))
        and district in districts
        and SENDER_NAME.fullmatch(district)
    ):
        return district
    return department_of(source).code
