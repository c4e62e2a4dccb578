"""The finance bureau's money cycle in the sample city: the payments of the allocation to the
districts (disbursements), the schedule they follow, and the districts' city-allocation vouchers.

The generator cannot know the allocation to the fen (that is the pipeline's job), so payments are
designed against an estimate of each district's share: the pool split by each district's rough
standard cost (transfers.district_standard_cost_fen on the district's own assets), raised by 8 %.
For fiscal year Y the sample delivers its own schedule, 30/60/85/100 % due 03-31, 06-30, 09-30 and
12-20 (a year-end instalment that settles the balance, which the sample cannot compute); Y-1 has
none delivered, so it takes the default schedule (25/50/75/100 %). What it shows for Y:

- 道里 Daoli (230102): instalment 1 paid twice by mistake, the duplicate recovered two weeks later
  (a negative payment naming it, delivered a month after the duplicate);
- 香坊 Xiangfang (230110): instalment 2 paid six weeks late and instalment 3 not paid: behind;
- 呼兰 Hulan (230111): an extra advance of 60 % in May: overpaid by the year's end;
- the others paid on time: on schedule;
- 南岗 Nangang (230103) spends 150 % of its estimate by June, ahead of what it received and what
  Y-1 carried over: overspent;
- 松北 Songbei (230109) books city-allocation vouchers with no purpose code and with the unknown
  code ZZ99 (unsupported): diverted;
- the others spend 60 % of the estimate on city-management purposes from April: compliant.

Y-1's vouchers are compliant everywhere (60 % of its estimate, from February); its payments
follow the default schedule on the estimate, 8 % above what the districts will be allocated, so
Y-1 closes overpaid: the year-end settlement that squares it is the treasury's in January, for
an allocation the sample cannot know.

`paid_in_full` needs payments equal to the plan to the fen, which the sample cannot design: the
bundled sample's demo (munifund.sample.demo) has the treasury square Y-1's districts with the
plan once it is approved, and tests/dbt/money_cycle adds a settlement computed from the landing.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import date, datetime, timedelta

from munifund.sample import harbin, transfers
from munifund.sample.assets import AssetRegister
from munifund.sample.common import next_month, random_day, split_amount, yuan
from munifund.sample.landing import Row

RECOVERY_DISTRICT = "230102"  # Daoli
BEHIND_DISTRICT = "230110"  # Xiangfang
OVERPAID_DISTRICT = "230111"  # Hulan
OVERSPENT_DISTRICT = "230103"  # Nangang
DIVERTED_DISTRICT = "230109"  # Songbei
UNKNOWN_PURPOSE = "ZZ99"

# (month, day, cumulative share in percent) of the schedule delivered for Y
SCHEDULE = ((3, 31, 30), (6, 30, 60), (9, 30, 85), (12, 20, 100))
DEFAULT_SCHEDULE = ((1, 31, 25), (4, 30, 50), (7, 31, 75), (10, 31, 100))
ESTIMATE_MARGIN_PERCENT = 108


@dataclasses.dataclass(frozen=True, order=True)
class Payment:
    paid_on: date
    payment_id: str
    district_code: str
    fiscal_year: int
    amount_fen: int
    reverses: str = ""
    delivered_on: date | None = None

    def row(self) -> Row:
        return (
            self.payment_id,
            self.district_code,
            self.fiscal_year,
            self.paid_on.isoformat(),
            yuan(self.amount_fen),
            self.reverses,
        )


def estimated_shares(register: AssetRegister, pool_fen: int) -> dict[str, int]:
    """Each district's rough share of the pool (fen): by its own assets' standard cost, + 8 %."""
    costs = {
        code: transfers.district_standard_cost_fen(
            dataclasses.replace(
                register, existing=[a for a in register.existing if a.district_code == code]
            )
        )
        for code in harbin.DISTRICT_CODES
    }
    total = sum(costs.values()) or 1
    return {
        code: pool_fen * cost // total * ESTIMATE_MARGIN_PERCENT // 100
        for code, cost in costs.items()
    }


def schedule_rows(year: int) -> list[Row]:
    return [
        (year, number, date(year, month, day).isoformat(), f"{share / 100:.4f}")
        for number, (month, day, share) in enumerate(SCHEDULE, start=1)
    ]


def _instalments(year: int, estimate: int, schedule: tuple) -> list[tuple[date, int]]:
    """(due date, amount) of each instalment: the rise of the cumulative share x estimate."""
    out, paid = [], 0
    for month, day, share in schedule:
        cumulative = estimate * share // 100
        out.append((date(year, month, day), cumulative - paid))
        paid = cumulative
    return out


def payments(
    year: int, estimates: dict[str, int], previous_estimates: dict[str, int]
) -> list[Payment]:
    """The payments of Y-1 (all on time, default schedule) and of Y (as the docstring says)."""
    result: list[Payment] = []
    for code in harbin.DISTRICT_CODES:
        for n, (due, amount) in enumerate(
            _instalments(year - 1, previous_estimates[code], DEFAULT_SCHEDULE), start=1
        ):
            result.append(
                Payment(
                    due - timedelta(days=3), f"PAY-{year - 1}-{code}-{n}", code, year - 1, amount
                )
            )
        for n, (due, amount) in enumerate(_instalments(year, estimates[code], SCHEDULE), start=1):
            payment_id = f"PAY-{year}-{code}-{n}"
            if code == BEHIND_DISTRICT and n == 2:
                result.append(Payment(due + timedelta(days=42), payment_id, code, year, amount))
                continue
            if code == BEHIND_DISTRICT and n >= 3:
                continue
            result.append(Payment(due - timedelta(days=5), payment_id, code, year, amount))
            if code == RECOVERY_DISTRICT and n == 1:
                duplicate = Payment(
                    due - timedelta(days=4), f"{payment_id}-DUP", code, year, amount
                )
                # the recovery is delivered after the duplicate, as a recovery always is
                recovery = Payment(
                    due + timedelta(days=10),
                    f"{payment_id}-REC",
                    code,
                    year,
                    -amount,
                    reverses=duplicate.payment_id,
                    delivered_on=next_month(next_month(duplicate.paid_on)),
                )
                result += [duplicate, recovery]
        if code == OVERPAID_DISTRICT:
            advance = estimates[code] * 60 // 100
            result.append(Payment(date(year, 5, 20), f"PAY-{year}-{code}-ADV", code, year, advance))
    return sorted(result)


def payment_partitions(
    all_payments: list[Payment], reference: date, year: int
) -> dict[date, list[Row]]:
    """Payments by delivery date: the 1st after the month paid (Y-1's back-filled with the
    reference partition), a recovery when it says. The treasury's ledger is delivered every
    month of Y, with no rows for a month without payments: a monthly source that is silent for
    two months is reported stale, and the sample's ledger is not."""
    by_partition: dict[date, list[Row]] = {}
    for payment in all_payments:
        delivered = payment.delivered_on or max(reference, next_month(payment.paid_on))
        by_partition.setdefault(delivered, []).append(payment.row())
    for month in range(1, 13):
        if date(year, month, 1) > reference:
            by_partition.setdefault(date(year, month, 1), [])
    return dict(sorted(by_partition.items()))


def previous_year_vouchers(
    year: int, previous_estimates: dict[str, int], rng: random.Random
) -> list[tuple[datetime, str, int, str]]:
    """(paid_at, district, fen, purpose) of Y-1's city-allocation vouchers: every district spends
    60 % of its estimate on city-management purposes from February, compliant everywhere (the
    first `munifund run` of the sample publishes Y-1 too)."""
    vouchers = []
    for code in harbin.DISTRICT_CODES:
        for amount in split_amount(previous_estimates[code] * 60 // 100, 30, rng):
            day = random_day(rng, date(year - 1, 2, 5), date(year - 1, 12, 28))
            at = datetime(day.year, day.month, day.day) + timedelta(minutes=rng.randint(540, 1019))
            vouchers.append((at, code, amount, rng.choice(harbin.CITY_MANAGEMENT_PURPOSES)))
    return vouchers


def city_allocation_vouchers(
    year: int, estimates: dict[str, int], rng: random.Random
) -> list[tuple[datetime, str, int, str]]:
    """(paid_at, district, fen, purpose) of the city-allocation vouchers of Y."""
    vouchers = []
    cm = harbin.CITY_MANAGEMENT_PURPOSES
    for code in harbin.DISTRICT_CODES:
        if code == OVERSPENT_DISTRICT:
            # spends in the first half more than the year brings and what Y-1 carried over
            # (结转, about 40 % of its estimate): ahead of every instalment, even at the year's end
            first, last, share = date(year, 1, 10), date(year, 6, 30), 150
        else:
            first, last, share = date(year, 4, 5), date(year, 12, 28), 60
        for amount in split_amount(estimates[code] * share // 100, 30, rng):
            day = random_day(rng, first, last)
            at = datetime(day.year, day.month, day.day) + timedelta(minutes=rng.randint(540, 1019))
            vouchers.append((at, code, amount, rng.choice(cm)))
        if code == DIVERTED_DISTRICT:
            for i, purpose in enumerate(("", UNKNOWN_PURPOSE, "")):
                day = date(year, 3 + 3 * i, 12)
                at = datetime(day.year, day.month, day.day, 10)
                vouchers.append((at, code, estimates[code] * 2 // 100, purpose))
    return vouchers
