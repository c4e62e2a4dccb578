"""Kiosks (临时占道摊亭) and the monthly occupation fees they pay.

A kiosk's fee for a month is area x monthly rate, prorated by licensed days for a month the
licence starts or ends in (licensed days / days in the month), rounded half up to the fen. Most
kiosks pay exactly that within the month; ~5 % skip months or pay part (arrears).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from munifund.ingest.contracts import BY_NAME
from munifund.sample import harbin
from munifund.sample.common import (
    cumulative,
    divide_half_up,
    iso,
    month_end,
    months,
    next_month,
    random_day,
    yuan,
)
from munifund.sample.landing import Bad, Row

# The kiosk register's export spells its header in capitals with stray spaces: sources.md
# matches column names case-insensitively after trimming, and this source proves it. So this
# header departs from the contract on purpose; only the names themselves come from it.
KIOSK_HEADER = tuple(f" {c.upper()} " for c in BY_NAME["kiosks"].column_names)
_ARREARS_SHARE = 0.05


@dataclass(slots=True)
class Kiosk:
    kiosk_id: str
    district_code: str
    street_code: str
    kiosk_type: str
    permit_no: str
    area: int  # hundredths of m2
    rate_fen: int  # fen per m2 per month
    licensed_from: date
    licensed_to: date
    in_arrears: bool

    def row(self) -> Row:
        return (
            self.kiosk_id,
            self.district_code,
            self.street_code,
            self.kiosk_type,
            self.permit_no,
            yuan(self.area),
            yuan(self.rate_fen),
            iso(self.licensed_from),
            iso(self.licensed_to),
        )

    def fee_fen(self, month: date) -> tuple[int, date, date] | None:
        """This month's fee with the licensed days it covers, or None when not licensed."""
        first = max(self.licensed_from, month)
        last = min(self.licensed_to, month_end(month))
        if last < first:
            return None
        days = (last - first).days + 1
        days_in_month = (month_end(month) - month).days + 1
        return (
            divide_half_up(self.area * self.rate_fen * days, 100 * days_in_month),
            first,
            last,
        )


def _licence_period(rng: random.Random, year: int) -> tuple[date, date]:
    """plausible: 70 % long-standing licences, 15 % new in Y-1, 15 % new in Y; 20 % end by Y."""
    draw = rng.random()
    if draw < 0.70:
        start = random_day(rng, date(2015, 1, 1), date(year - 2, 12, 31))
    elif draw < 0.85:
        start = random_day(rng, date(year - 1, 1, 1), date(year - 1, 12, 31))
    else:
        start = random_day(rng, date(year, 1, 1), date(year, 11, 30))
    if rng.random() < 0.5:
        start = start.replace(day=1)  # most licences start on the 1st, some mid-month
    if rng.random() < 0.2:
        earliest = max(start + timedelta(days=60), date(year - 1, 3, 1))
        end = random_day(rng, earliest, max(earliest, date(year, 12, 31)))
        if rng.random() < 0.5:
            end = month_end(end)
    else:
        end = date(year + rng.randint(1, 3), 12, 31)
    return start, end


def build_kiosks(year: int, scale: int, rng: random.Random) -> list[Kiosk]:
    streets: dict[str, list[str]] = defaultdict(list)
    for office in harbin.street_offices():
        streets[office.district_code].append(office.code)
    codes = harbin.DISTRICT_CODES
    cum_population = cumulative([d.population for d in harbin.DISTRICTS])
    cum_types = cumulative(harbin.KIOSK_TYPE_WEIGHTS)
    count = harbin.KIOSKS * scale
    width = max(5, len(str(count)))
    kiosks = []
    for number in range(1, count + 1):
        district = rng.choices(codes, cum_weights=cum_population)[0]
        kiosk_type = rng.choices(harbin.KIOSK_TYPES, cum_weights=cum_types)[0]
        if kiosk_type == "seasonal_food":
            # harbin.md: street-food stalls from July to 30 September, 20-100 m2
            area = rng.randint(2000, 10000)
            licensed_from, licensed_to = date(year, 7, 1), date(year, 9, 30)
        else:
            area = rng.randint(200, 1500)
            licensed_from, licensed_to = _licence_period(rng, year)
        low, high = harbin.KIOSK_MONTHLY_RATE_FEN[kiosk_type]
        short_name = harbin.DISTRICT_BY_CODE[district].name_zh[:-1]
        kiosks.append(
            Kiosk(
                kiosk_id=f"KSK-{number:0{width}d}",
                district_code=district,
                street_code=rng.choice(streets[district]),
                kiosk_type=kiosk_type,
                permit_no=f"{short_name}城管摊字〔{licensed_from.year}〕{number:0{width}d}号",
                area=area,
                rate_fen=rng.randint(low // 10, high // 10) * 10,
                licensed_from=licensed_from,
                licensed_to=licensed_to,
                in_arrears=rng.random() < _ARREARS_SHARE,
            )
        )
    return kiosks


def kiosk_partitions(kiosks: list[Kiosk], reference: date) -> dict[date, list[Kiosk]]:
    """A permit is delivered on the 1st of the month its licence starts (or with the reference)."""
    grouped: dict[date, list[Kiosk]] = defaultdict(list)
    for kiosk in kiosks:
        grouped[max(reference, kiosk.licensed_from.replace(day=1))].append(kiosk)
    return dict(sorted(grouped.items()))


def unknown_kiosk_id(kiosks: list[Kiosk]) -> str:
    """An id in the register's format that no kiosk has (numbering starts at 1)."""
    width = len(kiosks[0].kiosk_id) - len("KSK-")
    return "KSK-" + "0" * width


class FeeStream:
    """Monthly fee receipts for Y-1 and Y, totalling what was collected per district and year.

    A month's receipts are delivered on the 1st of the next month; Y-1's January to November,
    which predate the reference data, come in one back-fill with the reference partition.
    """

    def __init__(
        self,
        kiosks: list[Kiosk],
        year: int,
        rng: random.Random,
        reference: date,
        bad_partition: date,
    ):
        self.kiosks = kiosks
        self.year = year
        self.rng = rng
        self.reference = reference
        self.bad_partition = bad_partition
        # (district_code, year) -> fen paid; only good receipts count
        self.collected: dict[tuple[str, int], int] = defaultdict(int)
        self._last_number = 0  # the last receipt number of the month just written

    def partitions(self) -> Iterator[tuple[date, Iterator[Row | Bad]]]:
        by_partition: dict[date, list[date]] = defaultdict(list)
        for month in months(date(self.year - 1, 1, 1), date(self.year, 12, 1)):
            by_partition[max(self.reference, next_month(month))].append(month)
        for delivered, its_months in sorted(by_partition.items()):
            yield delivered, self._rows(delivered, its_months)

    def _rows(self, delivered: date, its_months: list[date]) -> Iterator[Row | Bad]:
        for month in its_months:
            yield from self._month_receipts(month)
        if delivered == self.bad_partition:
            yield from self._bad_rows(its_months[-1])

    def _month_receipts(self, month: date) -> Iterator[Row]:
        # the hot loop of the sample at scale: plain rng.random() arithmetic, no randint
        random = self.rng.random
        last_day = month_end(month)
        days_in_month = last_day.day
        number = 0
        collected = self.collected
        for kiosk in self.kiosks:
            if kiosk.licensed_to < month or kiosk.licensed_from > last_day:
                continue
            first = max(kiosk.licensed_from, month)
            last = min(kiosk.licensed_to, last_day)
            days = last.day - first.day + 1
            if days == days_in_month:
                amount = divide_half_up(kiosk.area * kiosk.rate_fen, 100)
            else:
                amount = divide_half_up(kiosk.area * kiosk.rate_fen * days, 100 * days_in_month)
            if kiosk.in_arrears:
                draw = random()
                if draw < 0.3:
                    continue  # skipped this month
                if draw < 0.6:
                    amount = int(amount * (0.5 + 0.4 * random()))
            if amount <= 0:
                continue
            paid_day = first.day + int(random() * days)
            hour, minute = divmod(510 + int(random() * 540), 60)
            number += 1
            collected[(kiosk.district_code, month.year)] += amount
            yield (
                f"RCP-{month:%Y%m}-{number:06d}",
                kiosk.kiosk_id,
                kiosk.district_code,
                f"{month.year:04d}-{month.month:02d}-{paid_day:02d}T{hour:02d}:{minute:02d}:00",
                yuan(amount),
            )
        self._last_number = number

    def _bad_rows(self, month: date) -> Iterator[Bad]:
        kiosk = next(k for k in self.kiosks if k.fee_fen(month) is not None)
        paid_at = f"{month:%Y-%m}-20T10:00:00"
        number = self._last_number
        yield Bad(
            (
                f"RCP-{month:%Y%m}-{number + 1:06d}",
                kiosk.kiosk_id,
                kiosk.district_code,
                paid_at,
                "-120.00",
            ),
            "amount_yuan",
            "negative_amount",
        )
        yield Bad(
            (
                f"RCP-{month:%Y%m}-{number + 2:06d}",
                unknown_kiosk_id(self.kiosks),
                kiosk.district_code,
                paid_at,
                "86.00",
            ),
            "kiosk_id",
            "unknown_kiosk",
        )
        yield Bad(
            (
                f"RCP-{month:%Y%m}-{number + 3:06d}",
                kiosk.kiosk_id,
                kiosk.district_code,
                f"{month.year}-13-45",
                "86.00",
            ),
            "paid_at",
            "unparseable_timestamp",
        )
