"""Enforcement staff funding (区行政执法人员经费): each district's approved law-enforcement
headcount and the city's funding per head for Y-1 and Y, and the city enforcement bureau's
quarterly assessments (考核) that release or withhold each quarter.

What it shows, for fiscal year Y (the pass score is 60):
- 双城 Shuangcheng (230113) fails Q1 and Q3 of Y (withheld) and Q2 of Y-1; every other quarter
  assessed passes (released).
- 呼兰 Hulan (230111)'s Q3 of Y is assessed late, delivered Y-12-10: pending on Y-11-28.
- Q4 of Y is assessed only in January of Y+1, which the sample does not reach: pending all year.
  Y-1's Q4 arrives on Y-01-20, so Y-1 as of its last day has it pending too.
- The funding per head is chosen so that a quarter of the annual funding has a third decimal:
  quarters 1-3 round half up to the fen and the fourth takes the rest.

Delivery calendar: Y-1's staffing and its Q1-Q3 assessments in the reference partition (Y-1-12-01),
Y's staffing with Y's pool (Y-01-10); the assessment of a quarter on the 20th of the month after it
(Q1 on Y-04-20, Q2 on Y-07-20, Q3 on Y-10-20), assessed five days before.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from munifund.sample import harbin
from munifund.sample.common import iso, yuan
from munifund.sample.landing import Row

ASSESSOR = "哈尔滨市城市管理综合行政执法局"
# plausible: one enforcement officer per 5,000 residents, and the city's yearly funding per head
PEOPLE_PER_OFFICER = 5_000
# fen per head; odd headcounts x 50 fen leave a quarter with a third decimal to round
FEN_PER_HEAD = {0: 8_643_750, -1: 8_412_050}  # by year offset from Y
FAILING_DISTRICT = "230113"  # 双城 Shuangcheng
FAILED_QUARTERS = {0: (1, 3), -1: (2,)}  # by year offset from Y
LATE_DISTRICT = "230111"  # 呼兰 Hulan
LATE_QUARTER = 3
PASS_SCORE = 60


def headcount(district: harbin.District, offset: int) -> int:
    """Approved heads: the population's share, a few more each year."""
    return district.population // PEOPLE_PER_OFFICER + (3 if offset == 0 else 0)


def staffing_rows(year: int, offset: int) -> list[Row]:
    return [
        (d.code, year + offset, headcount(d, offset), yuan(FEN_PER_HEAD[offset]))
        for d in harbin.DISTRICTS
    ]


def assessment_delivery(year: int, quarter: int) -> date:
    """The 20th of the month after the quarter (Q4 in January of the next year)."""
    month = quarter * 3 + 1
    return date(year + month // 13, (month - 1) % 12 + 1, 20)


def _score(rng: random.Random, district: str, offset: int, quarter: int) -> str:
    if district == FAILING_DISTRICT and quarter in FAILED_QUARTERS[offset]:
        return f"{rng.randint(480, 595) / 10:.1f}"
    return f"{rng.randint(660, 965) / 10:.1f}"


def assessments(year: int, rng: random.Random) -> Iterator[tuple[date, Row]]:
    """(delivery date, row) of every assessment of Y-1 and Y that the sample delivers (none of
    Y's Q4, assessed after the year)."""
    for offset in (-1, 0):
        fiscal_year = year + offset
        for quarter in range(1, 5):
            delivered = assessment_delivery(fiscal_year, quarter)
            if delivered.year > year:
                continue
            for district in harbin.DISTRICT_CODES:
                score = _score(rng, district, offset, quarter)
                on = delivered
                if offset == 0 and district == LATE_DISTRICT and quarter == LATE_QUARTER:
                    on = date(year, 12, 10)
                row = (district, fiscal_year, quarter, iso(on - timedelta(days=5)), score, ASSESSOR)
                yield on, row


def assessment_partitions(year: int, reference: date, rng: random.Random) -> dict[date, list[Row]]:
    """Assessments by delivery date; those of Y-1 known by the reference date come with it."""
    partitions: dict[date, list[Row]] = {}
    for delivered, row in assessments(year, rng):
        partitions.setdefault(max(delivered, reference), []).append(row)
    return dict(sorted(partitions.items()))
