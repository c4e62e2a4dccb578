"""Enforcement staff funding recomputed in plain Python from the landing files.

domain.md "Enforcement staff funding", read here independently of the dbt models: for district d
and the fiscal year Y of the as-of date A, annual = approved headcount x yuan per head; each of
quarters 1-3 is a quarter of annual rounded half up to the fen and the fourth takes the rest; a
quarter is released when its assessment known on A (delivered in a partition dated on or before
A) scores at least the pass score, withheld when below, pending when unassessed.

It imports nothing of munifund. What the loader refuses is refused here too, by the rules of
sources.md: a row with an unknown district, a headcount that is not a whole number >= 0, money
with more than 2 decimals, a quarter outside 1-4, a score outside 0-100, an assessment of a
district and year with no staffing delivered on or before its own partition, and a key repeated
inside one delivery (every copy). A later delivery corrects an earlier one by key (the later
file, then the later line, wins within a delivery).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

FEN = Decimal("0.01")
MONEY = re.compile(r"^\d{1,16}(\.\d{0,2})?$")
NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)$")


@dataclass(frozen=True)
class Delivered:
    partition: dt.date
    file: str
    line: int
    row: dict[str, str]


def _delivered(landing: Path, source: str, as_of: dt.date) -> Iterator[Delivered]:
    folder = landing / source
    if not folder.is_dir():
        return
    for day in sorted(folder.iterdir()):
        partition = dt.date.fromisoformat(day.name)
        if partition > as_of:
            continue
        for path in sorted(day.glob("*.csv")):
            with path.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.reader(handle)
                header = [h.strip().lower() for h in next(reader)]
                for line, values in enumerate(reader, start=2):
                    if not any(v.strip() for v in values):
                        continue
                    row = {h: v.strip() for h, v in zip(header, values, strict=False)}
                    yield Delivered(partition, path.name, line, row)


def _districts(landing: Path, as_of: dt.date) -> dict[dt.date, set[str]]:
    """Per partition date of the districts source, the codes known from then on."""
    known: dict[dt.date, set[str]] = {}
    for d in _delivered(landing, "districts", as_of):
        known.setdefault(d.partition, set()).add(d.row["district_code"])
    return known


def _known_districts(
    by_partition: dict[dt.date, set[str]], seed: set[str], day: dt.date
) -> set[str]:
    codes = (
        set().union(*(c for p, c in by_partition.items() if p <= day)) if by_partition else set()
    )
    return codes or seed


def _score_ok(text: str) -> bool:
    if not NUMBER.match(text) or re.search(r"\.\d{2}\d*[1-9]", text):
        return False
    return Decimal(text) >= 0 and Decimal(text) <= 100


def _without_repeated_keys(rows: list[Delivered], key: tuple[str, ...]) -> list[Delivered]:
    counts: dict[tuple, int] = {}
    for d in rows:
        k = (d.partition, *(d.row.get(c, "") for c in key))
        counts[k] = counts.get(k, 0) + 1
    return [d for d in rows if counts[(d.partition, *(d.row.get(c, "") for c in key))] == 1]


def _latest(rows: list[Delivered], key: tuple[str, ...]) -> dict[tuple[str, ...], Delivered]:
    latest: dict[tuple[str, ...], Delivered] = {}
    for d in sorted(rows, key=lambda d: (d.partition, d.file, d.line)):
        latest[tuple(d.row[c] for c in key)] = d
    return latest


def staffing(
    landing: Path, as_of: dt.date, seed_districts: set[str]
) -> tuple[dict[tuple[str, str], Delivered], list[Delivered]]:
    """The staffing rows the loader keeps, latest per (district, year), and all good versions."""
    districts = _districts(landing, as_of)
    good = []
    for d in _delivered(landing, "enforcement_staffing", as_of):
        r = d.row
        if r.get("district_code") not in _known_districts(districts, seed_districts, d.partition):
            continue
        if not re.match(r"^\d{4}$", r.get("fiscal_year", "")):
            continue
        if not re.match(r"^\+?\d{1,9}$", r.get("approved_headcount", "")):
            continue
        if not MONEY.match(r.get("yuan_per_head", "")):
            continue
        good.append(d)
    good = _without_repeated_keys(good, ("district_code", "fiscal_year"))
    return _latest(good, ("district_code", "fiscal_year")), good


def assessments(
    landing: Path, as_of: dt.date, seed_districts: set[str], staffed: list[Delivered]
) -> dict[tuple[str, str, int], Delivered]:
    districts = _districts(landing, as_of)
    good = []
    for d in _delivered(landing, "enforcement_assessments", as_of):
        r = d.row
        if r.get("district_code") not in _known_districts(districts, seed_districts, d.partition):
            continue
        if not re.match(r"^\d{4}$", r.get("fiscal_year", "")):
            continue
        if not re.match(r"^0*[1-4]$", r.get("quarter", "")):
            continue
        if not _score_ok(r.get("score", "")):
            continue
        try:
            dt.date.fromisoformat(r.get("assessed_on", ""))
        except ValueError:
            continue
        has_staffing = any(
            s.partition <= d.partition
            and s.row["district_code"] == r["district_code"]
            and s.row["fiscal_year"] == r["fiscal_year"]
            for s in staffed
        )
        if not has_staffing:
            continue
        good.append(d)
    good = _without_repeated_keys(good, ("district_code", "fiscal_year", "quarter"))
    return {
        (k[0], k[1], int(k[2])): d
        for k, d in _latest(good, ("district_code", "fiscal_year", "quarter")).items()
    }


def quarter_amounts(annual: Decimal) -> list[Decimal]:
    """Quarters 1-3 a quarter of annual, half up to the fen; the fourth the rest."""
    quarter = (annual / 4).quantize(FEN, rounding=ROUND_HALF_UP)
    return [quarter, quarter, quarter, annual - 3 * quarter]


def enforcement_funding(
    landing: Path, as_of: dt.date, seed_districts: set[str], pass_score: Decimal = Decimal(60)
) -> dict[str, dict[str, object]]:
    """Per district with staffing in the as-of date's year, the published figures."""
    year = str(as_of.year)
    latest_staffing, all_staffing = staffing(landing, as_of, seed_districts)
    assessed = assessments(landing, as_of, seed_districts, all_staffing)
    result: dict[str, dict[str, object]] = {}
    for (district, fiscal_year), d in latest_staffing.items():
        if fiscal_year != year:
            continue
        heads = int(d.row["approved_headcount"])
        per_head = Decimal(d.row["yuan_per_head"]).quantize(FEN)
        annual = heads * per_head
        figures: dict[str, object] = {
            "approved_headcount": heads,
            "yuan_per_head": per_head,
            "annual_yuan": annual,
        }
        sums = {
            "released": Decimal("0.00"),
            "withheld": Decimal("0.00"),
            "pending": Decimal("0.00"),
        }
        for quarter, amount in enumerate(quarter_amounts(annual), start=1):
            assessment = assessed.get((district, year, quarter))
            if assessment is None:
                status, score = "pending", None
            else:
                score = Decimal(assessment.row["score"]).quantize(FEN)
                status = "released" if score >= pass_score else "withheld"
            sums[status] += amount
            figures[f"q{quarter}_status"] = status
            figures[f"q{quarter}_score"] = score
        figures.update({f"{status}_yuan": total for status, total in sums.items()})
        result[district] = figures
    return result
