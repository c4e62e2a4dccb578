"""The budget year of shared/spec/domain.md ("The budget year", "Paying the allocation out", "Use
of the maintenance allocation", "Year over year") recomputed in plain Python.

The finance bureau's decisions are given as the test made them (a list, in the order made); each
approved run's district totals come from the sibling allocation reference at the run's as-of
date; payments and vouchers are read from the landing files (reference_money_cycle). Nothing of
munifund is imported and no SQL is read.

Rules as written, with the choices the README lists:
- the plan of year Y in force on date A: among the approvals not revoked (by any decision made
  so far) of runs of Y dated on or before A, the one decided last; its run's totals as approved;
- a decision that approves a run of Y, or revokes such an approval, records per district the
  plan before and after it (the plan of the year ignoring dates: the latest standing approval);
  kind initial (no plan before), revocation, increase, decrease or unchanged;
- a revocation that restores an older plan while payments to a district were made on or after
  the revoked run's as-of date is flagged for that district;
- the unspent allocation of year Y known on A is the running sum over the years up to Y of
  received - spent - diverted (each year opening with what the one before carried over);
- the settlement of Y: the plan in force on A, paid (payments for Y paid on or before A), owed =
  plan - paid, unspent as above, carried over whole.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from reference_money_cycle import allocation_vouchers, payments

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Run:
    run_id: str
    fiscal_year: int
    as_of: dt.date
    totals: dict[str, Decimal]


@dataclass
class DecisionLog:
    """The decisions in the order made: (decision_id, "approved", run_id) or (decision_id,
    "revoked", revoked decision id)."""

    runs: dict[str, Run]
    entries: list[tuple[int, str, object]] = field(default_factory=list)

    def approve(self, decision_id: int, run_id: str) -> None:
        self.entries.append((decision_id, "approved", run_id))

    def revoke(self, decision_id: int, revokes: int) -> None:
        self.entries.append((decision_id, "revoked", revokes))

    def _standing(self, upto: int | None = None) -> list[tuple[int, Run]]:
        made = [e for e in self.entries if upto is None or e[0] <= upto]
        revoked = {e[2] for e in made if e[1] == "revoked"}
        return [(e[0], self.runs[e[2]]) for e in made if e[1] == "approved" and e[0] not in revoked]  # type: ignore[index]

    def plan_in_force(self, year: int, as_of: dt.date) -> tuple[int, Run] | None:
        candidates = [
            (d, r) for d, r in self._standing() if r.fiscal_year == year and r.as_of <= as_of
        ]
        return max(candidates, key=lambda c: c[0]) if candidates else None

    def _plan_after(self, year: int, upto: int) -> tuple[int, Run] | None:
        candidates = [(d, r) for d, r in self._standing(upto) if r.fiscal_year == year]
        return max(candidates, key=lambda c: c[0]) if candidates else None

    def adjustments(self, paid_on: dict[tuple[int, str], list[tuple[dt.date, Decimal]]]) -> dict:
        """(decision_id, district) -> the adjustment's figures; paid_on: (year, district) ->
        the payments known (for the flag)."""
        out = {}
        approvals = {e[0]: e[2] for e in self.entries if e[1] == "approved"}
        for decision_id, kind, what in self.entries:
            if kind == "approved":
                year, revoked_run = self.runs[what].fiscal_year, None  # type: ignore[index]
            else:
                revoked_run = self.runs[approvals[what]]  # type: ignore[index]
                year = revoked_run.fiscal_year
            before = self._plan_after(year, decision_id - 1)
            after = self._plan_after(year, decision_id)
            districts = set()
            for plan in (before, after):
                if plan:
                    districts |= set(plan[1].totals)
            for code in districts:
                old = before[1].totals.get(code) if before else None
                new = after[1].totals.get(code) if after else None
                change = (new or ZERO) - (old or ZERO)
                if revoked_run is not None:
                    label = "revocation"
                elif old is None:
                    label = "initial"
                else:
                    label = "increase" if change > 0 else "decrease" if change < 0 else "unchanged"
                flagged = (
                    revoked_run is not None
                    and before is not None
                    and before[1].run_id == revoked_run.run_id
                    and any(
                        a > 0 and d >= revoked_run.as_of for d, a in paid_on.get((year, code), [])
                    )
                )
                out[(decision_id, code)] = {
                    "fiscal_year": year,
                    "plan_run_id": after[1].run_id if after else None,
                    "previous_plan_run_id": before[1].run_id if before else None,
                    "previous_plan_yuan": old,
                    "new_plan_yuan": new,
                    "adjustment_yuan": change,
                    "kind": label,
                    "flagged": flagged,
                }
        return out


def unspent_through(
    landing: Path, as_of: dt.date, year: int, first_year: int
) -> dict[str, Decimal]:
    """district -> the unspent allocation of `year` known on as_of: every year from first_year
    up to it, received - spent - diverted, summed (each year opens with the last's)."""
    out: dict[str, Decimal] = {}
    for y in range(first_year, year + 1):
        for code, paid in payments(landing, as_of, y).items():
            out[code] = out.get(code, ZERO) + sum((a for _, a in paid), ZERO)
        for v in allocation_vouchers(landing, as_of, y):
            out[v.district_code] = out.get(v.district_code, ZERO) - v.amount
    return out


def settlement(
    landing: Path,
    as_of: dt.date,
    year: int,
    plan: dict[str, Decimal] | None,
    districts: list[str],
    first_year: int,
) -> dict[str, dict[str, object]]:
    paid = payments(landing, as_of, year)
    unspent = unspent_through(landing, as_of, year, first_year)
    rows = {}
    for code in districts:
        got = sum((a for _, a in paid.get(code, [])), ZERO)
        planned = plan.get(code) if plan else None
        left = unspent.get(code, ZERO)
        rows[code] = {
            "plan_yuan": planned,
            "paid_yuan": got,
            "owed_yuan": None if planned is None else planned - got,
            "unspent_yuan": left,
            "carried_over_yuan": left,
        }
    return rows
