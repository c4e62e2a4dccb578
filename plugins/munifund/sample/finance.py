"""Money sources: budget pools, own investment, and the kiosk-fee books of every district.

The kiosk-fee books are designed from what the fee stream actually collected, so that for fiscal
year Y each district lands on the status harbin.KIOSK_STATUS_BY_DISTRICT gives it:

- compliant: plan >= collected, kiosk-fee spending within opening + collected, all purposes
  city management;
- unplanned: as compliant but the plan is lower than what was collected;
- overdrawn: city-management spending exceeds opening + collected, no diversion;
- diverted: some kiosk-fee vouchers carry a non-city-management purpose (ineligible), one has
  no purpose code and one an unknown code (unsupported).

Y-1 is compliant everywhere; its closing balance is Y's opening. City-allocation and own-fund
vouchers with non-city-management purposes exist in every district: they must not count.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from munifund.sample import harbin
from munifund.sample.common import next_month, random_day, split_amount, yuan
from munifund.sample.landing import Row

INCENTIVE_SHARE = "0.10"
# A purpose code no purpose list knows: spending that cannot be shown to serve city management.
UNKNOWN_PURPOSE = "ZZ99"
_THOUSAND_YUAN = 100_000  # in fen


@dataclass(frozen=True, order=True)
class Voucher:
    paid_at: datetime
    district_code: str
    amount_fen: int
    funding_source: str
    purpose_code: str


@dataclass(frozen=True)
class KioskFeeBooks:
    opening_first_year: dict[str, int]  # district -> fen, for Y-1
    planned: dict[tuple[str, int], int]  # (district, year) -> fen
    vouchers: list[Voucher]


def budget_pool_rows(fiscal_year: int, pool_fen: int) -> list[Row]:
    return [(fiscal_year, yuan(pool_fen), INCENTIVE_SHARE)]


def pool_for(standard_cost_fen: int) -> int:
    """plausible: the city sets the pool at about 1.05 x the districts' standard cost."""
    return standard_cost_fen * 105 // 100


def own_investment_rows(fiscal_year: int, rng: random.Random, *, with_zero: bool) -> list[Row]:
    """plausible: 8-30 yuan per inhabitant of a district's own money; one district none in Y."""
    rows: list[Row] = []
    for district in harbin.DISTRICTS:
        amount = district.population * rng.randint(800, 3000)
        if with_zero and district.code == harbin.NO_OWN_INVESTMENT_DISTRICT:
            amount = 0
        rows.append((district.code, fiscal_year, yuan(amount)))
    return rows


def _voucher_time(rng: random.Random, year: int) -> datetime:
    day = random_day(rng, date(year, 1, 3), date(year, 12, 28))
    return datetime(day.year, day.month, day.day) + timedelta(minutes=rng.randint(540, 1019))


def _vouchers(
    rng: random.Random,
    year: int,
    district: str,
    total_fen: int,
    count: int,
    source: str,
    purposes: tuple[str, ...],
) -> list[Voucher]:
    return [
        Voucher(_voucher_time(rng, year), district, amount, source, rng.choice(purposes))
        for amount in split_amount(total_fen, count, rng)
    ]


def _round_up_to_thousand(fen: int) -> int:
    return -(-fen // _THOUSAND_YUAN) * _THOUSAND_YUAN


def _round_down_to_thousand(fen: int) -> int:
    return fen // _THOUSAND_YUAN * _THOUSAND_YUAN


def design_kiosk_fee_books(
    year: int, scale: int, collected: dict[tuple[str, int], int], rng: random.Random
) -> KioskFeeBooks:
    """Opening balance, plans and kiosk-fee vouchers that give every district its status in Y."""
    opening: dict[str, int] = {}
    planned: dict[tuple[str, int], int] = {}
    vouchers: list[Voucher] = []
    cm = harbin.CITY_MANAGEMENT_PURPOSES
    for code in harbin.DISTRICT_CODES:
        previous, current = (
            collected.get((code, year - 1), 0),
            collected.get((code, year), 0),
        )
        # plausible: a carried-over balance of 20-50 % of a year's fees when the data starts
        opening[code] = int(previous * rng.uniform(0.2, 0.5))
        planned[(code, year - 1)] = _round_up_to_thousand(int(previous * rng.uniform(1.02, 1.2)))
        available = opening[code] + previous
        spent = int(available * rng.uniform(0.65, 0.85))
        vouchers += _vouchers(rng, year - 1, code, spent, 24 * scale, "kiosk_fee", cm)

        status = harbin.KIOSK_STATUS_BY_DISTRICT.get(code, "compliant")
        available = available - spent + current
        if status == "unplanned":
            planned[(code, year)] = _round_down_to_thousand(int(current * rng.uniform(0.6, 0.85)))
        else:
            planned[(code, year)] = _round_up_to_thousand(int(current * rng.uniform(1.02, 1.2)))
        share = {
            "compliant": rng.uniform(0.55, 0.9),
            "unplanned": rng.uniform(0.5, 0.8),
            "overdrawn": rng.uniform(1.12, 1.3),
            "diverted": rng.uniform(0.4, 0.6),
        }[status]
        vouchers += _vouchers(rng, year, code, int(available * share), 24 * scale, "kiosk_fee", cm)
        if status == "diverted":
            ineligible = int(available * rng.uniform(0.05, 0.1))
            vouchers += _vouchers(
                rng,
                year,
                code,
                ineligible,
                3 * scale,
                "kiosk_fee",
                harbin.OTHER_PURPOSES,
            )
            for i in range(2 * scale):
                amount = int(available * rng.uniform(0.005, 0.01))
                purpose = "" if i % 2 == 0 else UNKNOWN_PURPOSE
                vouchers.append(
                    Voucher(_voucher_time(rng, year), code, amount, "kiosk_fee", purpose)
                )
    return KioskFeeBooks(opening, planned, vouchers)


def other_fund_vouchers(year: int, scale: int, rng: random.Random) -> list[Voucher]:
    """City-allocation and own-fund spending, 15 % of it on other purposes: not the kiosk-fee
    checker's business, a trap for a check that forgets to filter on the funding source. (The
    generator keeps the own funds' only: the city allocation's are designed in disbursements.py.)"""
    vouchers = []
    purposes = harbin.CITY_MANAGEMENT_PURPOSES
    for fiscal_year in (year - 1, year):
        for code in harbin.DISTRICT_CODES:
            for source in ("city_allocation", "district_own"):
                for _ in range(30 * scale):
                    purpose = rng.choice(harbin.OTHER_PURPOSES if rng.random() < 0.15 else purposes)
                    # plausible: 20,000 to 2 million yuan per voucher
                    amount = rng.randint(2_000_000, 200_000_000)
                    vouchers.append(
                        Voucher(
                            _voucher_time(rng, fiscal_year),
                            code,
                            amount,
                            source,
                            purpose,
                        )
                    )
    return vouchers


def expenditure_partitions(vouchers: list[Voucher], reference: date) -> dict[date, list[Row]]:
    """Vouchers by delivery date (the 1st after the month paid; Y-1's first months back-filled
    with the reference), numbered in payment order."""
    by_partition: dict[date, list[Row]] = {}
    numbers: dict[int, int] = {}
    for voucher in sorted(vouchers):
        year = voucher.paid_at.year
        numbers[year] = numbers.get(year, 0) + 1
        delivered = max(reference, next_month(voucher.paid_at.date()))
        by_partition.setdefault(delivered, []).append(
            (
                f"VCH-{year}-{numbers[year]:06d}",
                voucher.district_code,
                year,
                voucher.paid_at.isoformat(timespec="seconds"),
                yuan(voucher.amount_fen),
                voucher.funding_source,
                voucher.purpose_code,
            )
        )
    return dict(sorted(by_partition.items()))


def opening_balance_rows(year: int, books: KioskFeeBooks) -> list[Row]:
    return [
        (code, year - 1, yuan(books.opening_first_year[code])) for code in harbin.DISTRICT_CODES
    ]


def funding_plan_rows(fiscal_year: int, books: KioskFeeBooks) -> list[Row]:
    return [
        (code, fiscal_year, yuan(books.planned[(code, fiscal_year)]))
        for code in harbin.DISTRICT_CODES
    ]


def funding_plan_cells(fiscal_year: int, books: KioskFeeBooks) -> list[Row]:
    """The plan as the finance office's workbook holds it: codes as text, amounts as numbers."""
    return [
        (code, fiscal_year, Decimal(yuan(books.planned[(code, fiscal_year)])))
        for code in harbin.DISTRICT_CODES
    ]
