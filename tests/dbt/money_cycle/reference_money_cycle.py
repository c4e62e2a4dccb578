"""The bureau's money cycle of shared/spec/domain.md recomputed in plain Python from the landing.

Reads the delivered CSV files themselves (not the warehouse), keeps what was known on the as-of
date, and applies the rules literally: "Paying the allocation out", "Use of the maintenance
allocation", the coverage bullet of "The allocation", and "Year over year". Money is `Decimal`,
ratios `Fraction`; nothing of munifund is imported. The allocation totals it checks payments
against come from the sibling reference (tests/dbt/allocation/reference_allocation.py), passed in
as plain dictionaries.

Choices the rules leave open, made here as in the models (README "Rules and parameters"):

- a recovery (negative amount) must name in `reverses` a payment delivered in an earlier file or
  partition; one that does not is bad input and never counts;
- an instalment whose cumulative amount is 0 is met (never late);
- a met instalment stays met when a later recovery takes the cumulative payments below it;
- coverage and growth are rounded half up (6 and 2 decimals); coverage uses the published
  (rounded) standard cost; the city's coverage is sum(total) / sum of the districts' standard
  costs (the pool plus the money that followed the task);
- year over year: the money of a district row is its total, of the city row the pool; it kept
  pace when money / previous money >= cost / previous cost.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

CITY = ZoneInfo("Asia/Shanghai")
SEEDS_DIR = Path(__file__).resolve().parents[3] / "dbt_project" / "seeds"
TRUE_WORDS = ("true", "t", "yes", "y", "1", "是")
KEYS = {
    "disbursements": ("payment_id",),
    "disbursement_schedule": ("fiscal_year", "instalment"),
    "expenditures": ("voucher_id",),
    "expenditure_purposes": ("purpose_code",),
}
WORK_TYPES = ("road_maintenance", "bridge_maintenance", "sweeping", "greening", "facility_upkeep")
FEN = Decimal("0.01")


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _partitions(landing: Path, source: str, as_of: dt.date) -> list[tuple[dt.date, Path]]:
    folder = landing / source
    found = []
    if folder.exists():
        for entry in sorted(folder.iterdir()):
            try:
                day = dt.date.fromisoformat(entry.name)
            except ValueError:
                continue
            if entry.is_dir() and day <= as_of:
                found.append((day, entry))
    return found


def _file_rows(path: Path) -> list[dict[str, str | None]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [
            {k.strip().lower(): _clean(v) for k, v in raw.items() if k is not None}
            for raw in csv.DictReader(handle)
        ]


def known_rows(landing: Path, source: str, as_of: dt.date) -> list[dict[str, str | None]]:
    """The latest delivered version of every key in partitions dated on or before `as_of`; a
    recovery that names no payment delivered before it is dropped, as the loader quarantines it."""
    key = KEYS[source]
    latest: dict[tuple, dict[str, str | None]] = {}
    for _, partition in _partitions(landing, source, as_of):
        seen: set[tuple] = set()
        for path in sorted(partition.iterdir()):
            if path.suffix.lower() != ".csv":
                continue
            delivered_before = {k[0] for k in latest} if source == "disbursements" else set()
            for row in _file_rows(path):
                row_key = tuple(row.get(k) for k in key)
                if any(v is None for v in row_key) or row_key in seen:
                    continue
                if source == "disbursements" and Decimal(row["amount_yuan"]) < 0:
                    if row.get("reverses") not in delivered_before:
                        continue
                seen.add(row_key)
                latest[row_key] = row
    return list(latest.values())


def _seed(name: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / f"seed_{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def schedule(landing: Path, as_of: dt.date) -> list[tuple[int, dt.date, Decimal]]:
    """(instalment, due date, cumulative share) of the as-of date's fiscal year, or the default."""
    year = as_of.year
    rows = [
        r
        for r in known_rows(landing, "disbursement_schedule", as_of)
        if int(r["fiscal_year"]) == year
    ]
    if rows:
        return sorted(
            (
                int(r["instalment"]),
                dt.date.fromisoformat(r["due_on"]),
                Decimal(r["cumulative_share"]),
            )
            for r in rows
        )
    return sorted(
        (
            int(r["instalment"]),
            dt.date(year, int(r["due_month"]), int(r["due_day"])),
            Decimal(r["cumulative_share"]),
        )
        for r in _seed("disbursement_schedule")
    )


def payments(
    landing: Path, as_of: dt.date, year: int | None = None
) -> dict[str, list[tuple[dt.date, Decimal]]]:
    """district -> (paid_on, amount) of the payments for fiscal year `year` (default: as_of's)
    paid on or before as_of."""
    year = as_of.year if year is None else year
    out: dict[str, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    for r in known_rows(landing, "disbursements", as_of):
        paid_on = dt.date.fromisoformat(r["paid_on"])
        if int(r["fiscal_year"]) == year and paid_on <= as_of:
            out[r["district_code"]].append((paid_on, Decimal(r["amount_yuan"])))
    return out


def round_half_up(value: Fraction | Decimal, places: int) -> Decimal:
    value = Fraction(value)
    scale = 10**places
    magnitude = (abs(value) * scale * 2 + 1) // 2
    signed = magnitude if value >= 0 else -magnitude
    return Decimal(signed) / scale


def disbursement_status(
    totals: dict[str, Decimal | None], landing: Path, as_of: dt.date
) -> dict[str, dict[str, object]]:
    """totals: each district's plan in force on as_of, None where there is none (no_plan)."""
    instalments = schedule(landing, as_of)
    paid = payments(landing, as_of)
    result = {}
    for code, total in totals.items():
        mine = sorted(paid.get(code, []))
        paid_to_date = sum((a for _, a in mine), Decimal("0.00"))
        if total is None:
            result[code] = {
                "total_yuan": None,
                "due_share": Decimal(0),
                "due_to_date_yuan": Decimal("0.00"),
                "paid_to_date_yuan": paid_to_date,
                "shortfall_yuan": Decimal("0.00"),
                "balance_of_year_yuan": None,
                "worst_days_late": 0,
                "status": "no_plan",
            }
            continue
        due_share, due_to_date, worst = Decimal(0), Decimal("0.00"), 0
        for _, due_on, share in instalments:
            cumulative_due = (total * share).quantize(FEN, ROUND_HALF_UP)
            if due_on <= as_of:
                due_share, due_to_date = share, cumulative_due
            met_on, running = None, Decimal(0)
            for day in sorted({d for d, _ in mine}):
                running += sum(a for d, a in mine if d == day)
                if running >= cumulative_due:
                    met_on = day
                    break
            if cumulative_due <= 0:
                late = 0
            elif met_on is not None:
                late = max((met_on - due_on).days, 0)
            else:
                late = (as_of - due_on).days if as_of > due_on else 0
            worst = max(worst, late)
        if paid_to_date > total:
            status = "overpaid"
        elif paid_to_date == total:
            status = "paid_in_full"
        elif due_to_date > paid_to_date:
            status = "behind"
        else:
            status = "on_schedule"
        result[code] = {
            "total_yuan": total,
            "due_share": due_share,
            "due_to_date_yuan": due_to_date,
            "paid_to_date_yuan": paid_to_date,
            "shortfall_yuan": max(due_to_date - paid_to_date, Decimal("0.00")),
            "balance_of_year_yuan": total - paid_to_date,
            "worst_days_late": worst,
            "status": status,
        }
    return result


def _instant(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=CITY)


@dataclass(frozen=True)
class Voucher:
    voucher_id: str
    district_code: str
    paid_at: dt.datetime
    amount: Decimal
    purpose_code: str | None
    reason: str | None  # None: spent on maintenance


def allocation_vouchers(landing: Path, as_of: dt.date, year: int | None = None) -> list[Voucher]:
    """The city-allocation vouchers booked to `year` (default: as_of's) paid on or before as_of."""
    year = as_of.year if year is None else year
    purposes = known_rows(landing, "expenditure_purposes", as_of) or [
        {k: _clean(v) for k, v in r.items()} for r in _seed("expenditure_purposes")
    ]
    city_management = {
        r["purpose_code"]: (r["is_city_management"] or "").lower() in TRUE_WORDS for r in purposes
    }
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), CITY)
    out = []
    for r in known_rows(landing, "expenditures", as_of):
        if r["funding_source"] != "city_allocation" or int(r["fiscal_year"]) != year:
            continue
        paid_at = _instant(r["paid_at"])
        if paid_at >= end:
            continue
        purpose = r.get("purpose_code")
        if purpose not in city_management:
            reason = "unsupported"
        elif not city_management[purpose]:
            reason = "ineligible"
        else:
            reason = None
        out.append(
            Voucher(
                r["voucher_id"],
                r["district_code"],
                paid_at,
                Decimal(r["amount_yuan"]),
                purpose,
                reason,
            )
        )
    return out


def allocation_spending(
    received: dict[str, Decimal],
    vouchers: list[Voucher],
    opening: dict[str, Decimal] | None = None,
) -> tuple[dict[str, dict[str, object]], dict[str, tuple[str, str]]]:
    """Per district the spending figures and status; per flagged voucher (reason, district status).
    opening: what the years before carried over, per district (0 when absent)."""
    spending = {}
    for code, got in received.items():
        mine = [v for v in vouchers if v.district_code == code]
        start = (opening or {}).get(code, Decimal("0.00"))
        spent = sum((v.amount for v in mine if v.reason is None), Decimal("0.00"))
        diverted = sum((v.amount for v in mine if v.reason is not None), Decimal("0.00"))
        unspent = start + got - spent - diverted
        status = "diverted" if diverted > 0 else "overspent" if unspent < 0 else "compliant"
        available = start + got
        spending[code] = {
            "opening_yuan": start,
            "received_yuan": got,
            "spent_maintenance_yuan": spent,
            "diverted_yuan": diverted,
            "unspent_yuan": unspent,
            "usage_rate": (
                round_half_up(Fraction(spent) / Fraction(available), 6) if available else None
            ),
            "status": status,
        }
    flags = {}
    for v in vouchers:
        status = spending.get(v.district_code, {}).get("status")
        if status == "diverted" and v.reason is not None:
            flags[v.voucher_id] = (v.reason, status)
        elif status == "overspent" and v.reason is None:
            flags[v.voucher_id] = ("overspent", status)
    return spending, flags


def coverage(money: Decimal | None, cost: Decimal | None) -> Decimal | None:
    if money is None or not cost:
        return None
    return round_half_up(Fraction(money) / Fraction(cost), 6)


def _growth(current: Decimal | None, previous: Decimal | None) -> Decimal | None:
    if current is None or not previous:
        return None
    return round_half_up((Fraction(current) - Fraction(previous)) * 100 / Fraction(previous), 2)


def _quantities(
    lines: dict[tuple, dict[str, object]], days: int
) -> dict[str | None, dict[str, Decimal]]:
    """(district or None for the city) -> work type -> unit-years, rounded once."""
    unit_days: dict[str | None, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for (district, _tier, work_type, _cls, _from), figures in lines.items():
        unit_days[district][work_type] += Decimal(figures["unit_days"])
        unit_days[None][work_type] += Decimal(figures["unit_days"])
    return {
        d: {w: round_half_up(Fraction(by_type.get(w, 0)) / days, 6) for w in WORK_TYPES}
        for d, by_type in unit_days.items()
    }


@dataclass(frozen=True)
class YearFigures:
    """One year's allocation as the sibling reference computes it, as plain values."""

    districts: dict[str, dict[str, object]]  # code -> standard_cost_yuan, total_yuan, pool_yuan
    lines: dict[tuple, dict[str, object]]  # (district, tier, work_type, class, from) -> unit_days
    days_in_year: int


def year_over_year(
    current: YearFigures, previous: YearFigures | None
) -> dict[str | None, dict[str, object]]:
    def rows(year: YearFigures) -> dict[str | None, dict[str, Decimal]]:
        out = {
            code: {
                "standard_cost_yuan": d["standard_cost_yuan"],
                "total_yuan": d["total_yuan"],
                "pool_yuan": d["pool_yuan"],
                "money": d["total_yuan"],
            }
            for code, d in year.districts.items()
        }
        if year.districts:
            pool = next(iter(year.districts.values()))["pool_yuan"]
            out[None] = {
                "standard_cost_yuan": sum(d["standard_cost_yuan"] for d in year.districts.values()),
                "total_yuan": sum(d["total_yuan"] for d in year.districts.values()),
                "pool_yuan": pool,
                "money": pool,
            }
        return out

    now = rows(current)
    before = rows(previous) if previous and previous.districts else {}
    q_now = _quantities(current.lines, current.days_in_year)
    q_before = _quantities(previous.lines, previous.days_in_year) if before else {}
    compared = bool(before)
    result = {}
    for code, figures in now.items():
        old = before.get(code, {})
        row: dict[str, object] = {
            "comparison": "compared" if compared else "no_previous_year",
            "previous_standard_cost_yuan": old.get("standard_cost_yuan"),
            "standard_cost_yuan": figures["standard_cost_yuan"],
            "standard_cost_growth_pct": _growth(
                figures["standard_cost_yuan"], old.get("standard_cost_yuan")
            ),
            "previous_total_yuan": old.get("total_yuan"),
            "total_yuan": figures["total_yuan"],
            "total_growth_pct": _growth(figures["total_yuan"], old.get("total_yuan")),
            "previous_pool_yuan": old.get("pool_yuan"),
            "pool_yuan": figures["pool_yuan"],
            "pool_growth_pct": _growth(figures["pool_yuan"], old.get("pool_yuan")),
            # coverage (足额) is total / standard cost on every row, the city's sum(total) /
            # sum(S) (domain.md): the pool plus what followed the task from the city's budget
            "previous_coverage": coverage(old.get("total_yuan"), old.get("standard_cost_yuan")),
            "coverage": coverage(figures["total_yuan"], figures["standard_cost_yuan"]),
        }
        zero = Decimal("0.000000")
        for w in WORK_TYPES:
            row[f"previous_{w}_unit_years"] = (
                q_before.get(code, {}).get(w, zero) if compared else None
            )
            row[f"{w}_unit_years"] = q_now.get(code, {}).get(w, zero)
        money, old_money = figures["money"], old.get("money")
        cost, old_cost = figures["standard_cost_yuan"], old.get("standard_cost_yuan")
        row["pool_kept_pace"] = (
            money * old_cost >= cost * old_money
            if old_money and old_cost and old_money > 0 and old_cost > 0
            else None
        )
        result[code] = row
    return result
