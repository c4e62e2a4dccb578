"""A deterministic sample city (Harbin) as dated landing partitions, for demos, tests and benchmarks.

``generate_sample_city(out, year=Y)`` writes all 20 sources of shared/spec/sources.md under
``<out>/<source>/<YYYY-MM-DD>/<source>_<YYYYMMDD>.csv`` (the Y funding plan as ``.xlsx``) and a
``_manifest.json`` with the rows of every partition and the deliberately bad rows. The same
(year, scale, seed) gives the same bytes. Published facts and the plausible figures chosen where
none is published are in harbin.py.

What the sample is designed to show, for fiscal year Y:

- Kiosk fees: 道外 Daowai (230104) **diverted** (kiosk-fee vouchers for 办公楼装修 / 公务接待 /
  人员奖金, one with no purpose code, one with the unknown code ZZ99); 阿城 Acheng (230112)
  **overdrawn**; 松北 Songbei (230109) **unplanned** (plan below what was collected); the other six
  districts (Daoli, Nangang, Pingfang, Xiangfang, Hulan, Shuangcheng) **compliant**. Y-1 is
  compliant everywhere and its closing balance rolls forward.
- Assessment: 双城 Shuangcheng (230113) closes most work orders late (score below 60); the other
  districts score 70-95. 平房 Pingfang (230108) puts no own investment into Y.
- Duties moving between tiers (transfers.py names each decree): the 6 trunk roads the city does
  not keep stay the district's, and the high-tech zone's Daoli area is the city's (2017-01-01);
  the Daoli area devolves to Daoli district on Y-07-01 (delivered Y-06-15); sweeping of
  pedestrian crossings and everything under the elevated roads on Y-04-01 (delivered Y-03-20);
  10 city bridges' upkeep on Y-12-01, decreed ahead (delivered Y-10-15). Between two districts:
  a boundary road of 香坊 Xiangfang goes to 南岗 Nangang on Y-05-01 (delivered Y-04-20), its
  money with it (费随事转). Every bridge names the road it carries and follows it; the
  development zone's 32 roads move no money.
- Measurements: adopted roads (新纳入道路) delivered unverified on Y-02-01 and verified by a
  re-delivery on Y-09-15; re-surveys from mid-year (delivered Y-06-05), a quarter of them
  unverified; a few assets whose only measurement is unverified (unmeasured).
- Rates: manual sweeping of secondary and branch roads revised from Y-07-01 (delivered Y-06-20).
- Money cycle (disbursements.py): Y's own payment schedule; Daoli's duplicate payment recovered,
  Xiangfang behind, Hulan overpaid, the others on schedule; Nangang spends its city allocation
  ahead of receiving it (overspent), Songbei books some with no or an unknown purpose (diverted).
  Y-1 is paid on time on the default schedule and spends its allocation compliantly; its pool
  is raised by 1 % on Y-1-12-20 (追加), so that plans approved before and after it differ (the
  bundled sample's demo of the budget year, munifund.sample.demo).
- Enforcement staff funding (enforcement.py): 双城 Shuangcheng fails two quarters of Y (withheld),
  呼兰 Hulan's Q3 is assessed late (pending on Y-11-28), Q4 is pending all year; the others are
  released as their assessments arrive.
- Files: street offices in GB18030, expenditure purposes in UTF-8 with BOM, the Y funding plan as
  .xlsx, the kiosk header in capitals with spaces, an extra ``remark`` column in assets and
  ``case_type`` in work orders (the case system's type; ``category`` is component or event).

Delivery calendar: the reference partition is dated Y-1-12-01 and carries the reference data,
the asset register, Y-1's pool, investment, plan and opening balance, and the back-fill of Y-1's
fee receipts and expenditures up to November. Y's pool, investment and plan arrive on Y-01-10.
Work orders, fee receipts and expenditures of a month arrive on the 1st of the next month.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from munifund.ingest.contracts import BY_NAME
from munifund.sample import (
    assets,
    disbursements,
    enforcement,
    finance,
    harbin,
    kiosks,
    measurements,
    transfers,
    work_orders,
)
from munifund.sample.common import iso, rng_for
from munifund.sample.landing import MANIFEST_NAME, BadRow, Landing, Row


@dataclass(frozen=True)
class SampleSummary:
    year: int
    scale: int
    seed: int
    out: Path
    rows_by_source: Mapping[str, int]  # data rows written, bad rows included
    files: int  # data files (partitions), the manifest not counted
    bad_rows: tuple[BadRow, ...]

    @property
    def total_rows(self) -> int:
        """Data rows written over all sources, bad rows included."""
        return sum(self.rows_by_source.values())

    def one_line(self) -> str:
        """What was written where, for a person reading a terminal or a log."""
        bad = f" ({len(self.bad_rows)} deliberately bad)" if self.bad_rows else ""
        return (
            f"wrote {self.total_rows:,} rows{bad} in {self.files} files to {self.out} "
            f"(fiscal year {self.year}, scale {self.scale}, seed {self.seed})"
        )


def generate_sample_city(
    out: Path, *, year: int, scale: int = 1, seed: int = 42, bad_rows: bool = True
) -> SampleSummary:
    """Write the sample city for fiscal `year` under `out` and return what was written.

    `scale` (>= 1) multiplies the volumes (roads other than the real expressways and trunk
    roads, lanes, courtyards, green belts, bins, adopted roads, work orders, kiosks and their
    receipts, expenditures); `seed` drives every random choice; `bad_rows=False` leaves out the
    deliberately bad rows. A previous sample in `out` is replaced; any other non-empty folder is
    refused rather than written into.
    """
    if scale < 1:
        raise ValueError(f"scale must be a whole number >= 1, got {scale}")
    out = Path(out)
    _prepare_output(out)
    landing = Landing(out, with_bad_rows=bad_rows)
    reference = date(year - 1, 12, 1)

    _write_reference_data(landing, year, reference)
    register = assets.build_register(year, scale, rng_for(seed, "assets"))
    _write_assets(landing, register, reference, seed)
    _write_transfers(landing, register, reference, seed)
    _write_budget(landing, register, year, reference, seed)
    _write_enforcement(landing, year, reference, seed)
    _write_contacts(landing, reference)
    _write_work_orders(landing, year, scale, seed)
    collected = _write_kiosks_and_fees(landing, year, scale, reference, seed)
    estimates, previous = _write_disbursements(landing, register, year, reference)
    _write_kiosk_fee_books(landing, year, scale, reference, seed, collected, estimates, previous)

    landing.write_manifest(year=year, scale=scale, seed=seed)
    rows: dict[str, int] = dict.fromkeys(BY_NAME, 0)
    for partition in landing.partitions:
        rows[partition.source] += partition.rows
    return SampleSummary(
        year, scale, seed, out, rows, len(landing.partitions), tuple(landing.bad_rows)
    )


def _prepare_output(out: Path) -> None:
    """Remove a previous sample's files (its manifest lists them); refuse anything else.

    Only files a manifest names are deleted, so a wrong --out never costs a user their data.
    """
    out.mkdir(parents=True, exist_ok=True)
    manifest = out / MANIFEST_NAME
    if manifest.exists():
        sources = json.loads(manifest.read_text("utf-8")).get("sources", {})
        for by_partition in sources.values():
            for entry in by_partition.values():
                path = out / entry["file"]
                path.unlink(missing_ok=True)
                for folder in (path.parent, path.parent.parent):
                    if folder.is_dir() and not any(folder.iterdir()):
                        folder.rmdir()
        manifest.unlink()
    leftovers = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    if leftovers:
        raise FileExistsError(
            f"{out} holds files that are not part of a sample city (e.g. {leftovers[0]}): "
            "write the sample to an empty or new folder, or remove them first"
        )


# Reference data ---------------------------------------------------------------------------------


def district_rows() -> list[Row]:
    return [(d.code, d.name_zh, d.name_en) for d in harbin.DISTRICTS]


def street_office_rows() -> list[Row]:
    return [(s.code, s.district_code, s.name_zh) for s in harbin.street_offices()]


def matrix_rows() -> list[Row]:
    return list(harbin.RESPONSIBILITY_MATRIX)


def unit_cost_rows(valid_from: str, *, revised_on: date | None = None) -> list[Row]:
    """Every matrix pair's default rate; with `revised_on`, the revised pairs end the day before."""
    rows: list[Row] = []
    for asset_class, work_type, _ in harbin.RESPONSIBILITY_MATRIX:
        pair = (work_type, asset_class)
        valid_to = ""
        if revised_on is not None and pair in harbin.SWEEPING_REVISION:
            valid_to = iso(revised_on - timedelta(days=1))
        rows.append(
            (
                work_type,
                asset_class,
                valid_from,
                valid_to,
                str(harbin.UNIT_COST_RATES[pair]),
                harbin.UNIT_BY_WORK_TYPE[work_type],
            )
        )
    return rows


def rate_revision_rows(revised_on: date, first_valid_from: str) -> list[Row]:
    """The old rows re-delivered with their end date, and the new rows from `revised_on`."""
    valid_to = BY_NAME["unit_cost_standards"].column_names.index("valid_to")
    closed = [r for r in unit_cost_rows(first_valid_from, revised_on=revised_on) if r[valid_to]]
    new = [
        (
            work_type,
            asset_class,
            iso(revised_on),
            "",
            str(rate),
            harbin.UNIT_BY_WORK_TYPE[work_type],
        )
        for (work_type, asset_class), rate in harbin.SWEEPING_REVISION.items()
    ]
    return closed + new


def purpose_rows() -> list[Row]:
    return [
        (p.code, p.name_zh, "true" if p.is_city_management else "false")
        for p in harbin.EXPENDITURE_PURPOSES
    ]


def _write_reference_data(landing: Landing, year: int, reference: date) -> None:
    landing.write_csv("districts", reference, district_rows())
    # Chinese offices export in GB18030
    landing.write_csv("street_offices", reference, street_office_rows(), encoding="gb18030")
    landing.write_csv("responsibility_matrix", reference, matrix_rows())
    first_valid_from = iso(date(year - 1, 1, 1))
    landing.write_csv("unit_cost_standards", reference, unit_cost_rows(first_valid_from))
    landing.write_csv(
        "unit_cost_standards",
        date(year, 6, 20),
        rate_revision_rows(date(year, 7, 1), first_valid_from),
    )
    landing.write_csv("expenditure_purposes", reference, purpose_rows(), encoding="utf-8-sig")


def write_reference_seeds(seeds_dir: Path) -> None:
    """The dbt seeds: the embedded default of the five reference sources (UTF-8, no revision)."""
    seeds_dir.mkdir(parents=True, exist_ok=True)
    contents: dict[str, Iterable[Row]] = {
        "districts": district_rows(),
        "street_offices": street_office_rows(),
        "responsibility_matrix": matrix_rows(),
        "unit_cost_standards": unit_cost_rows(harbin.SEED_VALID_FROM),
        "expenditure_purposes": purpose_rows(),
    }
    for source, rows in contents.items():
        with (seeds_dir / f"seed_{source}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(BY_NAME[source].column_names)
            writer.writerows(rows)


# Assets, measurements, transfers -----------------------------------------------------------------


def _write_assets(
    landing: Landing, register: assets.AssetRegister, reference: date, seed: int
) -> None:
    y = register.year
    header = assets.ASSET_HEADER
    landing.write_csv("assets", reference, assets.reference_asset_rows(register), header=header)
    landing.write_csv("assets", date(y, 2, 1), (a.row() for a in register.adopted), header=header)
    landing.write_csv(
        "assets",
        date(y, 4, 1),
        (a.row() for a in register.commissioned_mid_year),
        header=header,
    )
    landing.write_csv("assets", date(y, 8, 1), assets.retirement_rows(register), header=header)

    rng = rng_for(seed, "measurements")
    plan = measurements.MeasurementPlan(y)
    source = "area_measurements"
    landing.write_csv(source, reference, measurements.initial_measurement_rows(register, plan, rng))
    landing.write_csv(
        source, date(y, 2, 1), measurements.adopted_unverified_rows(register, plan, rng)
    )
    landing.write_csv(
        source,
        date(y, 4, 1),
        measurements.commissioned_measurement_rows(register, plan, date(y, 4, 1), rng),
    )
    landing.write_csv(source, date(y, 6, 5), measurements.resurvey_rows(plan, date(y, 6, 5), rng))
    landing.write_csv(source, date(y, 9, 15), measurements.adopted_verified_rows(plan, rng))


def _write_transfers(
    landing: Landing, register: assets.AssetRegister, reference: date, seed: int
) -> None:
    y = register.year
    ids = transfers.TransferIds()
    deliveries = (
        (reference, transfers.baseline_transfers(register)),
        (date(y, 3, 20), transfers.crossing_and_underside_devolution(register)),
        (date(y, 4, 20), transfers.boundary_road_handover(register)),
        (date(y, 6, 15), transfers.daoli_area_devolution(register)),
        (
            date(y, 10, 15),
            transfers.future_bridge_devolution(register, rng_for(seed, "transfers")),
        ),
    )
    for delivered, delivery in deliveries:
        landing.write_csv("asset_transfers", delivered, [ids.row(t) for t in delivery])


# Money and activity ------------------------------------------------------------------------------


def _write_budget(
    landing: Landing,
    register: assets.AssetRegister,
    year: int,
    reference: date,
    seed: int,
) -> None:
    rng = rng_for(seed, "budget")
    pool = finance.pool_for(transfers.district_standard_cost_fen(register))
    previous_pool = pool * 96 // 100  # plausible: last year's pool about 4 % smaller
    opening_of_y = date(year, 1, 10)
    landing.write_csv("budget_pools", reference, finance.budget_pool_rows(year - 1, previous_pool))
    # 追加: in December the city adds 1 % to Y-1's pool, so that a plan approved before it and
    # one approved after it differ (the bundled sample's demo of an adjustment, runner.py)
    landing.write_csv(
        "budget_pools",
        date(year - 1, 12, 20),
        finance.budget_pool_rows(year - 1, previous_pool * 101 // 100),
    )
    landing.write_csv("budget_pools", opening_of_y, finance.budget_pool_rows(year, pool))
    landing.write_csv(
        "own_investment",
        reference,
        finance.own_investment_rows(year - 1, rng, with_zero=False),
    )
    landing.write_csv(
        "own_investment",
        opening_of_y,
        finance.own_investment_rows(year, rng, with_zero=True),
    )


def _write_contacts(landing: Landing, reference: date) -> None:
    """Where each district and department gets its receipt (example.org: never delivered)."""
    from munifund.ingest.senders import DEPARTMENTS

    senders = [(d.code, d.name_zh) for d in harbin.DISTRICTS]
    senders += [(d.code, d.name_zh) for d in DEPARTMENTS.values()]
    landing.write_csv(
        "contacts",
        reference,
        [(code, name, f"receipts-{code.replace('_', '-')}@example.org") for code, name in senders],
    )


def _write_enforcement(landing: Landing, year: int, reference: date, seed: int) -> None:
    landing.write_csv("enforcement_staffing", reference, enforcement.staffing_rows(year, -1))
    landing.write_csv("enforcement_staffing", date(year, 1, 10), enforcement.staffing_rows(year, 0))
    rng = rng_for(seed, "enforcement")
    for delivered, rows in enforcement.assessment_partitions(year, reference, rng).items():
        landing.write_csv("enforcement_assessments", delivered, rows)


def _write_disbursements(
    landing: Landing, register: assets.AssetRegister, year: int, reference: date
) -> tuple[dict[str, int], dict[str, int]]:
    """Y's schedule (delivered with Y's pool) and the payments of Y-1 and Y; returns the
    estimates of each district's share of Y and of Y-1 that payments and vouchers are designed on."""
    pool = finance.pool_for(transfers.district_standard_cost_fen(register))
    estimates = disbursements.estimated_shares(register, pool)
    previous = disbursements.estimated_shares(register, pool * 96 // 100)
    landing.write_csv("disbursement_schedule", date(year, 1, 10), disbursements.schedule_rows(year))
    payments = disbursements.payments(year, estimates, previous)
    for delivered, rows in disbursements.payment_partitions(payments, reference, year).items():
        landing.write_csv("disbursements", delivered, rows)
    return estimates, previous


def _write_work_orders(landing: Landing, year: int, scale: int, seed: int) -> None:
    stream = work_orders.WorkOrderStream(
        year, scale, rng_for(seed, "work_orders"), bad_partition=date(year, 3, 1)
    )
    for delivered, rows in stream.partitions():
        landing.write_csv("work_orders", delivered, rows, header=work_orders.WORK_ORDER_HEADER)


def _write_kiosks_and_fees(
    landing: Landing, year: int, scale: int, reference: date, seed: int
) -> dict[tuple[str, int], int]:
    register = kiosks.build_kiosks(year, scale, rng_for(seed, "kiosks"))
    for delivered, batch in kiosks.kiosk_partitions(register, reference).items():
        landing.write_csv("kiosks", delivered, (k.row() for k in batch), header=kiosks.KIOSK_HEADER)
    fees = kiosks.FeeStream(
        register, year, rng_for(seed, "fees"), reference, bad_partition=date(year, 4, 1)
    )
    for delivered, rows in fees.partitions():
        landing.write_csv("fee_collections", delivered, rows)
    return dict(fees.collected)


def _write_kiosk_fee_books(
    landing: Landing,
    year: int,
    scale: int,
    reference: date,
    seed: int,
    collected: dict[tuple[str, int], int],
    estimates: dict[str, int],
    previous_estimates: dict[str, int],
) -> None:
    rng = rng_for(seed, "expenditures")
    books = finance.design_kiosk_fee_books(year, scale, collected, rng)
    landing.write_csv("opening_balances", reference, finance.opening_balance_rows(year, books))
    landing.write_csv("funding_plans", reference, finance.funding_plan_rows(year - 1, books))
    # the finance office sends Y's plan as a workbook
    landing.write_xlsx("funding_plans", date(year, 1, 10), finance.funding_plan_cells(year, books))
    # the city-allocation vouchers of Y and Y-1 are designed against the payments
    # (disbursements.py); other_fund_vouchers' are drawn all the same, to keep its stream
    vouchers = books.vouchers + [
        v
        for v in finance.other_fund_vouchers(year, scale, rng)
        if v.funding_source != "city_allocation"
    ]
    designed = disbursements.city_allocation_vouchers(
        year, estimates, rng_for(seed, "city_allocation")
    ) + disbursements.previous_year_vouchers(
        year, previous_estimates, rng_for(seed, "city_allocation_previous")
    )
    vouchers += [
        finance.Voucher(paid_at, code, amount, "city_allocation", purpose)
        for paid_at, code, amount, purpose in designed
    ]
    for delivered, rows in finance.expenditure_partitions(vouchers, reference).items():
        landing.write_csv("expenditures", delivered, rows)
