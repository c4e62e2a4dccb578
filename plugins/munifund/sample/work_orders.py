"""数字城管 work orders: the cases the assessment score is computed from.

Each month's cases are delivered on the 1st of the next month, as the case system stood at
midnight: a case closed after that is delivered open and re-delivered, closed, on the 1st after
the month it closed in (a later partition corrects an earlier one by case_id).

A case's `category` is the contract's: `component` (部件) or `event` (事件), what the published
assessment ranks apart; the case system's own type (暴露垃圾, 井盖缺损, ...) follows in an extra
column, `case_type`, which ingest keeps in the raw row and the rules ignore.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from munifund.ingest.contracts import BY_NAME
from munifund.sample import harbin
from munifund.sample.common import cumulative, next_month, timestamp
from munifund.sample.landing import Bad, Row

# plausible: more cases in the snow months (November to March), fewer in summer
_SEASON = {
    1: 1.25,
    2: 1.2,
    3: 1.1,
    4: 0.9,
    5: 0.85,
    6: 0.85,
    7: 0.9,
    8: 0.9,
    9: 0.85,
    10: 0.9,
    11: 1.1,
    12: 1.2,
}
_NEVER_CLOSED = 0.012
_WITH_OFFSET = 0.01
#: the contract's columns, then the case system's type of the case
WORK_ORDER_HEADER = (*BY_NAME["work_orders"].column_names, "case_type")


def monthly_case_counts(year_total: int) -> dict[int, int]:
    """Cases reported per calendar month, adding up to `year_total`."""
    weight_sum = sum(_SEASON.values())
    counts = {m: int(year_total * w / weight_sum) for m, w in _SEASON.items()}
    counts[1] += year_total - sum(counts.values())
    return counts


def on_time_rates(rng: random.Random) -> dict[str, float]:
    """Share of cases closed by their deadline: one district mostly late, the others 76-93 %."""
    return {
        code: 0.45 if code == harbin.LATE_DISTRICT else round(rng.uniform(0.76, 0.93), 3)
        for code in harbin.DISTRICT_CODES
    }


class WorkOrderStream:
    """Yields (delivery date, rows) per monthly partition, in date order.

    Each partition's rows must be consumed before the next partition is asked for: the cases it
    closes late are queued for later partitions while it streams.
    """

    def __init__(self, year: int, scale: int, rng: random.Random, bad_partition: date) -> None:
        self.year = year
        self.rng = rng
        self.bad_partition = bad_partition
        self.counts = monthly_case_counts(harbin.WORK_ORDERS * scale)
        self.on_time = on_time_rates(rng)
        codes = harbin.DISTRICT_CODES
        self.codes = codes
        self.cum_population = cumulative([d.population for d in harbin.DISTRICTS])
        self.streets: dict[str, list[str]] = {}
        for office in harbin.street_offices():
            self.streets.setdefault(office.district_code, []).append(office.code)
        self.pending: dict[date, list[Row]] = {}

    def partitions(self) -> Iterator[tuple[date, Iterator[Row | Bad]]]:
        # Y-1's December first, so that cases due in early January of Y are all there.
        months = [date(self.year - 1, 12, 1)] + [date(self.year, m, 1) for m in range(1, 13)]
        for month in months:
            yield next_month(month), self._month_rows(month)
        for delivered in sorted(self.pending):
            yield delivered, iter(self.pending.pop(delivered))

    def _month_rows(self, month: date) -> Iterator[Row | Bad]:
        extracted = datetime.combine(next_month(month), datetime.min.time())
        first: Row | None = None
        for number in range(1, self.counts[month.month] + 1):
            row = self._case(f"WO-{month:%Y%m}-{number:06d}", month, extracted)
            first = first or row
            yield row
        if next_month(month) == self.bad_partition and first is not None:
            yield from self._bad_rows(first)
        # cases of earlier months that closed during this month
        yield from self.pending.pop(next_month(month), [])

    def _case(self, case_id: str, month: date, extracted: datetime) -> Row:
        # the hot loop of the sample at scale: plain rng.random() arithmetic, no randint/choices
        random = self.rng.random
        district = self.codes[bisect(self.cum_population, random() * self.cum_population[-1])]
        streets = self.streets[district]
        month_minutes = (next_month(month) - month).days * 24 * 60
        reported = datetime(month.year, month.month, 1) + timedelta(
            minutes=int(random() * month_minutes)
        )
        deadline = reported + timedelta(days=1 + int(random() * 7))
        draw = random()
        if draw < _NEVER_CLOSED:
            closed = None
        elif random() < self.on_time[district]:
            allowed = (deadline - reported).days * 24 * 60
            closed = reported + timedelta(minutes=30 + int(random() * (allowed - 30)))
        else:
            closed = deadline + timedelta(minutes=10 + int(random() * 14 * 24 * 60))
        offset = draw > 1 - _WITH_OFFSET
        # one draw per case, as before the categories: every other figure of the sample stays
        types = harbin.WORK_ORDER_CASE_TYPES
        case_type, category = types[int(random() * len(types))]
        fields = (
            case_id,
            district,
            streets[int(random() * len(streets))],
            category,
            timestamp(reported, with_offset=offset),
            timestamp(deadline, with_offset=offset),
        )
        if closed is not None and closed >= extracted:
            # delivered open now; closed in the partition after the month it closed in
            self.pending.setdefault(next_month(closed.date()), []).append(
                (*fields, timestamp(closed, with_offset=offset), case_type)
            )
            return (*fields, "", case_type)
        return (
            *fields,
            "" if closed is None else timestamp(closed, with_offset=offset),
            case_type,
        )

    def _bad_rows(self, first: Row) -> Iterator[Bad]:
        missing_key = ("", *first[1:])
        yield Bad(missing_key, "case_id", "missing_key")
        # the same case twice in one delivery: the second copy is the bad one
        other = "event" if first[3] == "component" else "component"
        duplicate = (*first[:3], other, *first[4:])
        yield Bad(duplicate, "case_id", "duplicate_key")
