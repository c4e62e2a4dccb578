"""The kiosk-fee marts against an independent recomputation in Python.

One random city (fixed seed) of 20 districts over 2024-2026 is written as landing partitions,
ingested, and the kiosk-fee models are built for two as-of dates. Every figure of
``kiosk_fee_compliance``, ``kiosk_fee_flags`` and ``kiosk_arrears`` is then recomputed here from
the generated rows with ``Fraction`` and ``Decimal`` (no SQL) and compared exactly.

The generator gives each district a scenario (diverted through an ineligible or an unsupported
purpose, overdrawn, unplanned, compliant, quiet, overdrawn by a carried-in deficit) so that every
status occurs on both dates, and mixes in what the rules must not count: other funding sources
with ineligible purposes, last year's vouchers paid in January, next year's paid in advance,
payments after the as-of date, receipts around midnight in UTC and city time, late deliveries and
corrections in later partitions. The recomputation applies the rules, not the scenarios.

The rows it delivers carry ids of their own (districts ``KT..``, kiosks ``KTK..``) and are removed
from the raw layer afterwards, so the session's shared warehouse is left as it was found.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from munifund.dbt_project import run_dbt
from munifund.ingest.loader import ingest
from munifund.warehouse import Warehouse

CITY = ZoneInfo("Asia/Shanghai")
SEED = 20260315
AS_OF_DATES = (dt.date(2025, 9, 30), dt.date(2026, 6, 30))
REFERENCE_PARTITION = dt.date(2024, 1, 1)
RECEIPT_CORRECTIONS = dt.date(2026, 2, 1)
PURPOSE_CORRECTIONS = dt.date(2026, 3, 1)
INGEST_RUN_ID = "test-kiosk-fee-recompute"
FILE_NAME = "kiosk_fee_recompute.csv"
SOURCES = (
    "districts", "expenditure_purposes", "kiosks", "fee_collections", "expenditures",
    "funding_plans", "opening_balances",
)  # fmt: skip
STATUSES = {"diverted", "overdrawn", "unplanned", "compliant"}

CITY_MGMT_PURPOSES = ("KTC1", "KTC2", "KTC3")
OTHER_PURPOSES = ("KTO1", "KTO2")
UNKNOWN_PURPOSE = "KTX9"  # never delivered
SCENARIOS = ("ineligible", "unsupported", "overdrawn", "unplanned", "compliant")
KIOSK_TYPES = ("cold_drink", "newsstand", "vending_machine", "security_booth", "parking_booth")


# --------------------------------------------------------------------------- the generated city


@dataclass(frozen=True)
class Kiosk:
    kiosk_id: str
    district_code: str
    kiosk_type: str
    permit_no: str
    area_m2: Decimal
    monthly_rate: Decimal
    licensed_from: dt.date
    licensed_to: dt.date | None


@dataclass(frozen=True)
class Receipt:
    receipt_id: str
    kiosk_id: str
    district_code: str
    paid_at: dt.datetime  # aware
    paid_at_text: str
    amount: Decimal
    partition: dt.date


@dataclass(frozen=True)
class Voucher:
    voucher_id: str
    district_code: str
    fiscal_year: int
    paid_at: dt.datetime  # aware
    amount: Decimal
    funding_source: str
    purpose_code: str | None
    partition: dt.date


@dataclass
class City:
    districts: dict[str, tuple[str, str]] = field(default_factory=dict)
    purposes: dict[str, bool] = field(default_factory=dict)
    kiosks: list[Kiosk] = field(default_factory=list)
    receipts: list[Receipt] = field(default_factory=list)  # every version delivered
    vouchers: list[Voucher] = field(default_factory=list)  # every version delivered
    plans: dict[tuple[str, int], Decimal] = field(default_factory=dict)
    balances: dict[tuple[str, int], Decimal] = field(default_factory=dict)


def _yuan(rng: random.Random, low: int, high: int) -> Decimal:
    """Whole yuan between low and high, with random fen."""
    return Decimal(rng.randint(low * 100, high * 100)) / 100


def _local(day: dt.date, rng: random.Random) -> dt.datetime:
    return dt.datetime(
        day.year, day.month, day.day, rng.randint(8, 19), rng.randint(0, 59), tzinfo=CITY
    )


def _day_in(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _delivered(rng: random.Random, paid: dt.datetime) -> dt.date:
    """Most rows arrive the day they are paid; some days or weeks late."""
    day = paid.astimezone(CITY).date()
    return day if rng.random() < 0.8 else day + dt.timedelta(days=rng.randint(1, 20))


def _timestamp_text(paid: dt.datetime, rng: random.Random) -> str:
    """City time without offset (the default) or the same instant in UTC with an offset."""
    if rng.random() < 0.25:
        return paid.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return paid.astimezone(CITY).strftime("%Y-%m-%dT%H:%M:%S")


def generate_city(seed: int) -> City:
    rng = random.Random(seed)
    city = City()
    city.purposes = {code: True for code in CITY_MGMT_PURPOSES} | {
        code: False for code in OTHER_PURPOSES
    }
    scenario_of = {}
    for i in range(1, 21):
        code = f"KT{i:02d}"
        city.districts[code] = (f"测试{i}区", f"Test {i}")
        scenario_of[code] = (
            "quiet" if i == 19 else "carried_deficit" if i == 20 else SCENARIOS[(i - 1) % 5]
        )

    receipt_no = 0
    voucher_no = 0

    def voucher(
        code: str, year: int, paid: dt.datetime, amount: Decimal, source: str, purpose: str | None
    ) -> Voucher:
        nonlocal voucher_no
        voucher_no += 1
        row = Voucher(
            f"KTV{voucher_no:05d}", code, year, paid, amount, source, purpose, _delivered(rng, paid)
        )
        city.vouchers.append(row)
        return row

    for code, scenario in scenario_of.items():
        # Supplied balances: the earliest one up to the year anchors the roll-forward.
        anchor = rng.choice((None, 2025, 2025, 2026)) if scenario in SCENARIOS else None
        if anchor:
            low = -100 if scenario == "overdrawn" else 0
            city.balances[(code, anchor)] = _yuan(rng, low, 3000)
        if anchor == 2025 and rng.random() < 0.5:
            city.balances[(code, 2026)] = _yuan(rng, 0, 99999)  # ignored: 2026 is computed
        if scenario == "carried_deficit":
            city.balances[(code, 2025)] = -_yuan(rng, 500_000, 900_000)
            city.balances[(code, 2026)] = _yuan(rng, 500_000, 900_000)  # ignored: 2026 is computed
        if scenario == "quiet":
            # nothing at all in 2025 (usage rate null), a supplied opening balance in 2026
            city.balances[(code, 2026)] = _yuan(rng, 1, 500)
            city.plans[(code, 2025)] = _yuan(rng, 1, 500)
            continue

        kiosks = []
        for k in range(rng.randint(2, 3)):
            licensed_from = _day_in(rng, dt.date(2024, 3, 1), dt.date(2026, 5, 31))
            licensed_to = (
                None
                if rng.random() < 0.4
                else licensed_from + dt.timedelta(days=rng.randint(15, 700))
            )
            kiosk = Kiosk(
                f"KTK{code[2:]}{k}", code, rng.choice(KIOSK_TYPES), f"KTP-{code}-{k}",
                Decimal(rng.randint(100, 250_000)) / 10_000, Decimal(rng.randint(50, 1500)) / 100,
                licensed_from, licensed_to,
            )  # fmt: skip
            kiosks.append(kiosk)
        city.kiosks.extend(kiosks)

        for year in (2024, 2025, 2026):
            receipts = []
            for _ in range(rng.randint(3, 6) if year > 2024 else rng.randint(0, 2)):
                kiosk = rng.choice(kiosks)
                paid = _local(_day_in(rng, dt.date(year, 1, 1), dt.date(year, 12, 31)), rng)
                receipts.append((kiosk, paid, _yuan(rng, 100, 3000)))
            if year == 2025 and rng.random() < 0.5:
                # around midnight: 23:30 in the city is this year, 16:30 UTC on 31 December is next year
                kiosk = rng.choice(kiosks)
                receipts.append(
                    (kiosk, dt.datetime(2025, 12, 31, 23, 30, tzinfo=CITY), _yuan(rng, 10, 99))
                )
                receipts.append(
                    (kiosk, dt.datetime(2025, 12, 31, 16, 30, tzinfo=dt.UTC), _yuan(rng, 10, 99))
                )
            if year == 2025 and rng.random() < 0.5:
                # the last minute of the first as-of date, and the first instant after it in UTC
                kiosk = rng.choice(kiosks)
                receipts.append(
                    (kiosk, dt.datetime(2025, 9, 30, 23, 59, tzinfo=CITY), _yuan(rng, 10, 99))
                )
                receipts.append(
                    (kiosk, dt.datetime(2025, 9, 30, 16, 0, tzinfo=dt.UTC), _yuan(rng, 10, 99))
                )
            for kiosk, paid, amount in sorted(receipts, key=lambda r: r[1]):
                receipt_no += 1
                partition = max(_delivered(rng, paid), REFERENCE_PARTITION)
                city.receipts.append(
                    Receipt(
                        f"KTR{receipt_no:05d}",
                        kiosk.kiosk_id,
                        code,
                        paid,
                        _timestamp_text(paid, rng),
                        amount,
                        partition,
                    )
                )
            if year == 2024:
                continue

            year_receipts = [(paid, amount) for _, paid, amount in receipts]
            year_total = sum((a for _, a in year_receipts), Decimal(0))

            def collected_before(when: dt.datetime, year_receipts=year_receipts) -> Decimal:
                return sum((a for p, a in year_receipts if p < when), Decimal(0))

            # city-management spending: each voucher a quarter of what came in before it; none
            # where the deficit carried in is to overdraw the account on its own
            for _ in range(rng.randint(1, 3) if scenario != "carried_deficit" else 0):
                paid = _local(_day_in(rng, dt.date(year, 2, 1), dt.date(year, 12, 20)), rng)
                amount = (collected_before(paid) / 4).quantize(Decimal("0.01"))
                if amount > 0:
                    voucher(code, year, paid, amount, "kiosk_fee", rng.choice(CITY_MGMT_PURPOSES))
            if scenario == "overdrawn":
                paid = _local(_day_in(rng, dt.date(year, 1, 5), dt.date(year, 3, 31)), rng)
                voucher(
                    code,
                    year,
                    paid,
                    year_total * 2 + 5000,
                    "kiosk_fee",
                    rng.choice(CITY_MGMT_PURPOSES),
                )
            if scenario in ("ineligible", "unsupported"):
                paid = _local(_day_in(rng, dt.date(year, 1, 5), dt.date(year, 4, 30)), rng)
                purpose = (
                    rng.choice(OTHER_PURPOSES)
                    if scenario == "ineligible"
                    else rng.choice((None, UNKNOWN_PURPOSE))
                )
                row = voucher(code, year, paid, _yuan(rng, 50, 500), "kiosk_fee", purpose)
                if (
                    year == 2025
                    and scenario == "unsupported"
                    and row.partition < PURPOSE_CORRECTIONS
                ):
                    # the district shows the purpose later: from then on it is city management
                    city.vouchers.append(
                        Voucher(
                            row.voucher_id,
                            code,
                            year,
                            paid,
                            row.amount,
                            "kiosk_fee",
                            "KTC1",
                            PURPOSE_CORRECTIONS,
                        )
                    )
            if scenario in ("unplanned", "compliant") or rng.random() < 0.5:
                share = Decimal("0.1") if scenario == "unplanned" else Decimal(3)
                if scenario != "unplanned" or rng.random() < 0.7:
                    city.plans[(code, year)] = (year_total * share).quantize(Decimal("0.01"))
            # never counted: other funding sources, whatever their purpose
            paid = _local(_day_in(rng, dt.date(year, 1, 1), dt.date(year, 6, 1)), rng)
            voucher(
                code,
                year,
                paid,
                _yuan(rng, 1000, 9000),
                "city_allocation",
                rng.choice(OTHER_PURPOSES),
            )
            voucher(
                code,
                year,
                paid,
                _yuan(rng, 1000, 9000),
                "district_own",
                rng.choice((None, UNKNOWN_PURPOSE)),
            )
            if scenario != "carried_deficit" and rng.random() < 0.5:
                # last year's voucher paid in January: last year's account, not this one's
                paid = _local(_day_in(rng, dt.date(year + 1, 1, 2), dt.date(year + 1, 1, 20)), rng)
                voucher(
                    code,
                    year,
                    paid,
                    (year_total / 10).quantize(Decimal("0.01")),
                    "kiosk_fee",
                    "KTC2",
                )
            if year == 2026 and rng.random() < 0.5:
                # next year's voucher paid in advance
                paid = _local(_day_in(rng, dt.date(2026, 2, 1), dt.date(2026, 6, 1)), rng)
                voucher(code, 2027, paid, _yuan(rng, 100, 900), "kiosk_fee", "KTO1")

    for receipt in rng.sample(city.receipts, 6):
        if receipt.partition < RECEIPT_CORRECTIONS:
            city.receipts.append(
                Receipt(
                    receipt.receipt_id, receipt.kiosk_id, receipt.district_code, receipt.paid_at,
                    receipt.paid_at_text, _yuan(rng, 100, 3000), RECEIPT_CORRECTIONS,
                )
            )  # fmt: skip
    return city


# --------------------------------------------------------------------------- landing partitions


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def write_landing(city: City, landing: Path) -> None:
    rows: dict[tuple[str, dt.date], list[dict[str, str]]] = defaultdict(list)
    for code, (name_zh, name_en) in city.districts.items():
        rows[("districts", REFERENCE_PARTITION)].append(
            {"district_code": code, "name_zh": name_zh, "name_en": name_en}
        )
    for code, is_city_management in city.purposes.items():
        rows[("expenditure_purposes", REFERENCE_PARTITION)].append(
            {
                "purpose_code": code,
                "name_zh": f"用途{code}",
                "is_city_management": "是" if is_city_management else "否",
            }
        )
    for k in city.kiosks:
        rows[("kiosks", REFERENCE_PARTITION)].append(
            {
                "kiosk_id": k.kiosk_id, "district_code": k.district_code, "street_code": "",
                "kiosk_type": k.kiosk_type, "permit_no": k.permit_no, "area_m2": f"{k.area_m2:.4f}",
                "monthly_rate_yuan_per_m2": _money(k.monthly_rate), "licensed_from": k.licensed_from.isoformat(),
                "licensed_to": k.licensed_to.isoformat() if k.licensed_to else "",
            }
        )  # fmt: skip
    for (code, year), amount in city.plans.items():
        rows[("funding_plans", REFERENCE_PARTITION)].append(
            {
                "district_code": code,
                "fiscal_year": str(year),
                "kiosk_fee_planned_yuan": _money(amount),
            }
        )
    for (code, year), amount in city.balances.items():
        rows[("opening_balances", REFERENCE_PARTITION)].append(
            {
                "district_code": code,
                "fiscal_year": str(year),
                "kiosk_fee_balance_yuan": _money(amount),
            }
        )
    for r in city.receipts:
        rows[("fee_collections", r.partition)].append(
            {
                "receipt_id": r.receipt_id, "kiosk_id": r.kiosk_id, "district_code": r.district_code,
                "paid_at": r.paid_at_text, "amount_yuan": _money(r.amount),
            }
        )  # fmt: skip
    for v in city.vouchers:
        rows[("expenditures", v.partition)].append(
            {
                "voucher_id": v.voucher_id, "district_code": v.district_code, "fiscal_year": str(v.fiscal_year),
                "paid_at": v.paid_at.astimezone(CITY).strftime("%Y-%m-%d %H:%M:%S"),
                "amount_yuan": _money(v.amount), "funding_source": v.funding_source,
                "purpose_code": v.purpose_code or "",
            }
        )  # fmt: skip
    for (source, partition), records in rows.items():
        folder = landing / source / partition.isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / FILE_NAME).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(records[0]))
            writer.writeheader()
            writer.writerows(records)


# --------------------------------------------------------------------------- the recomputation


def round_half_up(value: Fraction, places: int) -> Decimal:
    """Round half away from zero to `places` decimals, exactly."""
    scaled = abs(value) * 10**places
    magnitude = (2 * scaled.numerator + scaled.denominator) // (2 * scaled.denominator)
    sign = -1 if value < 0 else 1
    return (Decimal(sign * magnitude) / 10**places).quantize(Decimal(1).scaleb(-places))


def _known(rows: list, as_of: dt.date, key: str) -> list:
    """Latest version of each key among the partitions dated on or before the as-of date."""
    latest: dict[str, object] = {}
    for row in sorted(rows, key=lambda r: r.partition):
        if row.partition <= as_of:
            latest[getattr(row, key)] = row
    return list(latest.values())


def _end_instant(as_of: dt.date) -> dt.datetime:
    return dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), tzinfo=CITY)


@dataclass(frozen=True)
class Movement:
    district_code: str
    year: int
    category: str  # collected, spent_city_mgmt, diverted
    reason: str | None
    amount: Decimal
    voucher: Voucher | None


def movements(city: City, as_of: dt.date) -> list[Movement]:
    end = _end_instant(as_of)
    found = [
        Movement(
            r.district_code, r.paid_at.astimezone(CITY).year, "collected", None, r.amount, None
        )
        for r in _known(city.receipts, as_of, "receipt_id")
        if r.paid_at < end
    ]
    for v in _known(city.vouchers, as_of, "voucher_id"):
        if v.funding_source != "kiosk_fee" or v.paid_at >= end or v.fiscal_year > as_of.year:
            continue
        if v.purpose_code in city.purposes and city.purposes[v.purpose_code]:
            found.append(
                Movement(v.district_code, v.fiscal_year, "spent_city_mgmt", None, v.amount, v)
            )
        else:
            reason = "ineligible" if v.purpose_code in city.purposes else "unsupported"
            found.append(Movement(v.district_code, v.fiscal_year, "diverted", reason, v.amount, v))
    return found


def expected_compliance(city: City, as_of: dt.date) -> dict[str, dict[str, object]]:
    year = as_of.year
    by_district: dict[str, list[Movement]] = defaultdict(list)
    for m in movements(city, as_of):
        by_district[m.district_code].append(m)
    result = {}
    for code, (name_zh, name_en) in city.districts.items():
        supplied = sorted((y, b) for (d, y), b in city.balances.items() if d == code and y <= year)
        anchor_year, opening = supplied[0] if supplied else (None, Decimal(0))
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for m in by_district[code]:
            if anchor_year is not None and m.year < anchor_year:
                continue
            if m.year < year:
                opening += m.amount if m.category == "collected" else -m.amount
            elif m.year == year:
                totals[m.category] += m.amount
        collected, spent, diverted = (
            totals["collected"],
            totals["spent_city_mgmt"],
            totals["diverted"],
        )
        planned = city.plans.get((code, year), Decimal(0))
        closing = opening + collected - spent - diverted
        base = opening + collected
        status = (
            "diverted" if diverted > 0
            else "overdrawn" if closing < 0
            else "unplanned" if planned < collected
            else "compliant"
        )  # fmt: skip
        result[code] = {
            "name_zh": name_zh, "name_en": name_en, "opening_yuan": opening, "collected_yuan": collected,
            "planned_yuan": planned, "spent_city_mgmt_yuan": spent, "diverted_yuan": diverted,
            "closing_yuan": closing,
            "usage_rate": None if base == 0 else round_half_up(Fraction(spent) / Fraction(base), 6),
            "status": status,
        }  # fmt: skip
    return result


def expected_flags(
    city: City, as_of: dt.date, compliance: dict[str, dict[str, object]]
) -> dict[str, dict[str, object]]:
    flags = {}
    for m in movements(city, as_of):
        if m.voucher is None or m.year != as_of.year:
            continue
        status = compliance[m.district_code]["status"]
        if status == "diverted" and m.category == "diverted":
            reason = m.reason
        elif status == "overdrawn" and m.category == "spent_city_mgmt":
            reason = "overdrawn"
        else:
            continue
        v = m.voucher
        flags[v.voucher_id] = {
            "district_code": v.district_code, "paid_at": v.paid_at, "amount_yuan": v.amount,
            "purpose_code": v.purpose_code, "reason": reason, "district_status": status,
        }  # fmt: skip
    return flags


def _days_in_month(year: int, month: int) -> int:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return (following - dt.date(year, month, 1)).days


def expected_arrears(city: City, as_of: dt.date) -> dict[str, dict[str, object]]:
    year_start = dt.date(as_of.year, 1, 1)
    end = _end_instant(as_of)
    start_instant = dt.datetime.combine(year_start, dt.time(), tzinfo=CITY)
    payments: dict[str, list[Decimal]] = defaultdict(list)
    for r in _known(city.receipts, as_of, "receipt_id"):
        if start_instant <= r.paid_at < end:
            payments[r.kiosk_id].append(r.amount)
    result = {}
    for k in city.kiosks:
        days = 0
        months = Fraction(0)
        day = year_start
        while day <= as_of:
            if k.licensed_from <= day and (k.licensed_to is None or day <= k.licensed_to):
                days += 1
                months += Fraction(1, _days_in_month(day.year, day.month))
            day += dt.timedelta(days=1)
        if days == 0 and k.kiosk_id not in payments:
            continue
        expected = round_half_up(Fraction(k.area_m2) * Fraction(k.monthly_rate) * months, 2)
        paid = sum(payments[k.kiosk_id], Decimal(0))
        result[k.kiosk_id] = {
            "district_code": k.district_code, "kiosk_type": k.kiosk_type, "permit_no": k.permit_no,
            "area_m2": k.area_m2, "monthly_rate_yuan_per_m2": k.monthly_rate, "licensed_days": days,
            "months_licensed": round_half_up(months, 6), "expected_yuan": expected, "paid_yuan": paid,
            "arrears_yuan": max(expected - paid, Decimal(0)), "overpaid_yuan": max(paid - expected, Decimal(0)),
        }  # fmt: skip
    return result


# --------------------------------------------------------------------------- build and read


@dataclass
class Built:
    city: City
    compliance: dict[dt.date, dict[str, dict[str, object]]]
    flags: dict[dt.date, dict[str, dict[str, object]]]
    arrears: dict[dt.date, dict[str, dict[str, object]]]


def _read(
    conn, table: str, key: str, keys: set[str], as_of: dt.date, run_id: str
) -> dict[str, dict[str, object]]:
    cur = conn.execute(f"select * from audit.{table}")  # fixed table names
    columns = [c.name for c in cur.description]
    rows = {}
    for record in cur.fetchall():
        row = dict(zip(columns, record, strict=True))
        if row[key] not in keys:
            continue  # another test's rows in the shared warehouse
        assert (row["fiscal_year"], row["as_of_date"], row["run_id"]) == (as_of.year, as_of, run_id)
        key_value = row.pop(key)
        rows[key_value] = {
            c: v for c, v in row.items() if c not in ("fiscal_year", "as_of_date", "run_id")
        }
    return rows


def _remove_delivered_rows(warehouse: Warehouse) -> None:
    with warehouse.connect() as conn:
        for source in SOURCES:
            conn.execute(f"delete from raw.{source} where _run_id = %s", [INGEST_RUN_ID])
        conn.execute("delete from ops.quarantine where run_id = %s", [INGEST_RUN_ID])
        conn.execute("delete from ops.partitions_taken where run_id = %s", [INGEST_RUN_ID])
        conn.commit()


@pytest.fixture(scope="module")
def built(warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    city = generate_city(SEED)
    work = tmp_path_factory.mktemp("kiosk_fee_recompute")
    write_landing(city, work / "landing")
    result = Built(city, {}, {}, {})
    try:
        with warehouse.connect() as conn:
            report = ingest(conn, work / "landing", max(AS_OF_DATES), INGEST_RUN_ID)
        assert report.rows_quarantined == 0 and not report.unreadable_files, report.as_dict()
        districts, kiosks = set(city.districts), {k.kiosk_id for k in city.kiosks}
        for as_of in AS_OF_DATES:
            run_id = f"kiosk-recompute-{as_of}"
            run_dbt(
                [
                    "build", "--select", "+kiosk_fee_compliance +kiosk_fee_flags +kiosk_arrears",
                    # only tests whose every parent is selected: other marts' relationship tests
                    # to stg_districts would read tables another test module left behind
                    "--indirect-selection", "cautious", "--exclude", "resource_type:unit_test",
                    "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
                ],
                warehouse.pipeline_url,
                {"as_of_date": as_of.isoformat(), "run_id": run_id},
            )  # fmt: skip
            with warehouse.connect() as conn:
                result.compliance[as_of] = _read(
                    conn, "kiosk_fee_compliance", "district_code", districts, as_of, run_id
                )
                flagged = {v.voucher_id for v in city.vouchers}
                result.flags[as_of] = _read(
                    conn, "kiosk_fee_flags", "voucher_id", flagged, as_of, run_id
                )
                result.arrears[as_of] = _read(
                    conn, "kiosk_arrears", "kiosk_id", kiosks, as_of, run_id
                )
        yield result
    finally:
        _remove_delivered_rows(warehouse)


# --------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("as_of", AS_OF_DATES)
def test_compliance_matches_the_recomputation(built: Built, as_of: dt.date) -> None:
    expected = expected_compliance(built.city, as_of)
    assert built.compliance[as_of] == expected


@pytest.mark.parametrize("as_of", AS_OF_DATES)
def test_every_status_occurs(built: Built, as_of: dt.date) -> None:
    assert {row["status"] for row in built.compliance[as_of].values()} == STATUSES


@pytest.mark.parametrize("as_of", AS_OF_DATES)
def test_balance_identity_holds(built: Built, as_of: dt.date) -> None:
    for code, row in built.compliance[as_of].items():
        assert row["closing_yuan"] == (
            row["opening_yuan"]
            + row["collected_yuan"]
            - row["spent_city_mgmt_yuan"]
            - row["diverted_yuan"]
        ), code


@pytest.mark.parametrize("as_of", AS_OF_DATES)
def test_flags_match_the_recomputation(built: Built, as_of: dt.date) -> None:
    expected = expected_flags(built.city, as_of, expected_compliance(built.city, as_of))
    assert built.flags[as_of] == expected
    reasons = {row["reason"] for row in built.flags[as_of].values()}
    assert reasons == {"ineligible", "unsupported", "overdrawn"}
    flagged_districts = {row["district_code"] for row in built.flags[as_of].values()}
    for code, row in built.compliance[as_of].items():
        if row["status"] == "diverted" or (
            row["status"] == "overdrawn" and row["spent_city_mgmt_yuan"] > 0
        ):
            assert code in flagged_districts, code


def test_a_deficit_carried_in_is_overdrawn_without_vouchers(built: Built) -> None:
    for as_of in AS_OF_DATES:
        row = built.compliance[as_of]["KT20"]
        assert row["status"] == "overdrawn" and row["spent_city_mgmt_yuan"] == 0
        assert all(flag["district_code"] != "KT20" for flag in built.flags[as_of].values())


@pytest.mark.parametrize("as_of", AS_OF_DATES)
def test_arrears_match_the_recomputation(built: Built, as_of: dt.date) -> None:
    expected = expected_arrears(built.city, as_of)
    assert built.arrears[as_of] == expected
    assert any(row["arrears_yuan"] > 0 for row in expected.values())
    assert any(row["overpaid_yuan"] > 0 for row in expected.values())
    assert any(0 < row["months_licensed"] % 1 for row in expected.values())
