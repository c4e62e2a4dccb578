"""The money-cycle marts against an independent recomputation in Python, on the sample city.

The sample city of fiscal year 2026 is written as landing partitions, with one addition the
sample cannot design: a settlement that pays 道外 Daowai its plan to the fen (computed here by the
sibling reference), so that `paid_in_full` occurs too. Fiscal year 2025 is built first as of
2025-12-31 and its allocation copied into `published` as a previous run would have published it;
then 2026 is built as of 2026-07-15 (no plan yet: payments `no_plan`), that run is approved by
the bureau (its published copy and the decision, through munifund.review.decisions), and 2026 is
built as of 2026-11-28, whose payments are measured against that plan. Every figure of disbursement_status,
allocation_spending, allocation_spending_flags, allocation_year_over_year and
district_allocation.coverage is compared, to the fen, with `reference_money_cycle`, which reads the
landing files (the allocation totals from `reference_allocation`).

As of 2026-07-15 the payments of 2026-07-01..15 and the vouchers of July are delivered only on
2026-08-01: a run of that date must not see them, and the recomputation, which reads the landing
as of that date, does not either.

The raw layer is emptied before and after, and the published rows this test writes are deleted.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "allocation"))

from reference_allocation import allocate_landing  # noqa: E402
from reference_budget_year import unspent_through  # noqa: E402
from reference_money_cycle import (  # noqa: E402
    CITY,
    YearFigures,
    allocation_spending,
    allocation_vouchers,
    coverage,
    disbursement_status,
    payments,
    year_over_year,
)

from munifund.config import FIRST_FISCAL_YEAR  # noqa: E402
from munifund.dbt_project import run_dbt  # noqa: E402
from munifund.ingest.loader import ingest  # noqa: E402
from munifund.warehouse import Warehouse  # noqa: E402

YEAR = 2026
PREVIOUS_AS_OF = dt.date(YEAR - 1, 12, 31)
AS_OF_DATES = (dt.date(YEAR, 7, 15), dt.date(YEAR, 11, 28))
PLAN_AS_OF = AS_OF_DATES[0]
SETTLED_DISTRICT = "230104"
SETTLEMENT_PARTITION = dt.date(YEAR, 11, 1)
PREVIOUS_RUN = "test-money-cycle-previous"
STAMP = ("fiscal_year", "as_of_date", "run_id")
SELECT_PREVIOUS = "+district_allocation +district_allocation_lines"
SELECT = (
    "+district_allocation +district_allocation_lines +disbursement_status +allocation_spending"
    " +allocation_spending_flags +allocation_year_over_year"
)


def empty_raw_layer(warehouse: Warehouse) -> None:
    with warehouse.connect() as conn:
        tables = conn.execute("select tablename from pg_tables where schemaname = 'raw'").fetchall()
        names = ", ".join(f"raw.{name}" for (name,) in tables)
        conn.execute(f"truncate {names}, ops.partitions_taken, ops.quarantine")
        conn.commit()


def _rows(conn, table: str) -> list[dict[str, object]]:
    cur = conn.execute(f"select * from audit.{table}")  # noqa: S608 - fixed table names
    columns = [c.name for c in cur.description]
    return [dict(zip(columns, r, strict=True)) for r in cur.fetchall()]


def _figures(allocation) -> YearFigures:
    return YearFigures(
        {
            code: {k: d[k] for k in ("standard_cost_yuan", "total_yuan", "pool_yuan")}
            for code, d in allocation.districts.items()
        },
        {key: {"unit_days": line["unit_days"]} for key, line in allocation.lines.items()},
        allocation.days_in_year,
    )


def _a_delivered_payment(landing: Path, district: str) -> str:
    """The id of the district's largest payment of the year delivered before the settlement
    (what a recovery names in `reverses`: the loader refuses a recovery beyond what remains of
    the payment it names, ingest/recoveries.py)."""
    payments: list[tuple[Decimal, str]] = []
    for path in sorted((landing / "disbursements").glob("*/*.csv")):
        if dt.date.fromisoformat(path.parent.name) < SETTLEMENT_PARTITION:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                payments += [
                    (Decimal(r["amount_yuan"]), r["payment_id"])
                    for r in csv.DictReader(handle)
                    if r["district_code"] == district
                    and r["fiscal_year"] == str(YEAR)
                    and Decimal(r["amount_yuan"]) > 0
                ]
    return max(payments)[1]


def add_settlement(landing: Path) -> None:
    """Settle the district, by 2026-10-31, to its plan (the run approved, as of the first date):
    pay what is left of it, or recover what was paid beyond it (the estimate the sample pays on
    can exceed the plan) as a recovery naming one of its payments."""
    total = allocate_landing(landing, PLAN_AS_OF).districts[SETTLED_DISTRICT]["total_yuan"]
    paid = sum(a for _, a in payments(landing, SETTLEMENT_PARTITION).get(SETTLED_DISTRICT, []))
    reverses = _a_delivered_payment(landing, SETTLED_DISTRICT) if total < paid else ""
    folder = landing / "disbursements" / SETTLEMENT_PARTITION.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "settlement.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["payment_id", "district_code", "fiscal_year", "paid_on", "amount_yuan", "reverses"]
        )
        writer.writerow(
            [
                f"SETTLE-{YEAR}-{SETTLED_DISTRICT}",
                SETTLED_DISTRICT,
                YEAR,
                f"{YEAR}-10-20",
                f"{total - paid:.2f}",
                reverses,
            ]
        )


def build(
    warehouse: Warehouse, landing: Path, as_of: dt.date, run_id: str, select: str, work: Path
) -> None:
    with warehouse.connect() as conn:
        report = ingest(conn, landing, as_of, f"ingest-{run_id}")
        assert not report.unreadable_files, report.as_dict()
    run_dbt(
        [
            "build", "--select", select, "--exclude", "resource_type:unit_test",
            "--indirect-selection", "cautious",
            "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
        ],
        warehouse.pipeline_url,
        {"as_of_date": as_of.isoformat(), "run_id": run_id},
    )  # fmt: skip


def approve(warehouse: Warehouse, as_of: dt.date, run_id: str) -> None:
    """The run published (its district allocation, its run record) and approved by the bureau."""
    from munifund.review.decisions import record_decision

    with warehouse.connect() as conn:
        conn.execute(
            "insert into published.district_allocation select * from audit.district_allocation"
        )
        conn.execute(
            "insert into ops.allocation_runs (run_id, as_of_date, fiscal_year, input_fingerprints,"
            " dbt_version, airflow_version, row_counts, started_by)"
            " values (%s, %s, %s, '[]', 'test', 'test', '{}', 'operator')",
            [run_id, as_of, as_of.year],
        )
        conn.commit()
        record_decision(conn, run_id, "approved", "bureau", None)


@pytest.fixture(scope="module")
def built(
    warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory, clear_schemas
) -> Iterator[dict]:
    from munifund.sample import generate_sample_city

    work = tmp_path_factory.mktemp("money_cycle")
    landing = work / "sample"
    generate_sample_city(landing, year=YEAR)
    add_settlement(landing)
    empty_raw_layer(warehouse)
    try:
        build(warehouse, landing, PREVIOUS_AS_OF, PREVIOUS_RUN, SELECT_PREVIOUS, work)
        with warehouse.connect() as conn:
            for table in ("district_allocation", "district_allocation_lines"):
                conn.execute(f"delete from published.{table} where fiscal_year = %s", [YEAR - 1])
                conn.execute(f"insert into published.{table} select * from audit.{table}")  # noqa: S608
            conn.commit()
        results = {}
        for as_of in AS_OF_DATES:
            run_id = f"test-money-cycle-{as_of.isoformat()}"
            build(warehouse, landing, as_of, run_id, SELECT, work)
            if as_of == PLAN_AS_OF:
                approve(warehouse, as_of, run_id)
            with warehouse.connect() as conn:
                results[as_of] = {
                    t: _rows(conn, t)
                    for t in (
                        "district_allocation",
                        "disbursement_status",
                        "allocation_spending",
                        "allocation_spending_flags",
                        "allocation_year_over_year",
                    )
                }
        previous = _figures(allocate_landing(landing, PREVIOUS_AS_OF))
        plan = {
            code: d["total_yuan"]
            for code, d in allocate_landing(landing, PLAN_AS_OF).districts.items()
        }
        yield {"landing": landing, "results": results, "previous": previous, "plan": plan}
    finally:
        with warehouse.connect() as conn:
            for table in ("district_allocation", "district_allocation_lines"):
                conn.execute(f"delete from published.{table} where run_id = %s", [PREVIOUS_RUN])
            conn.execute("delete from published.district_allocation where fiscal_year = %s", [YEAR])
            conn.commit()
        clear_schemas("ops")  # the run record and the decision log (append-only)
        empty_raw_layer(warehouse)


def _without(row: dict[str, object], *columns: str) -> dict[str, object]:
    return {k: v for k, v in row.items() if k not in (*STAMP, *columns)}


@pytest.fixture(scope="module", params=AS_OF_DATES, ids=lambda d: d.isoformat())
def case(request: pytest.FixtureRequest, built: dict) -> dict:
    as_of = request.param
    allocation = allocate_landing(built["landing"], as_of)
    plan = built["plan"] if as_of > PLAN_AS_OF else {}
    totals = {code: plan.get(code) for code in allocation.districts}
    status = disbursement_status(totals, built["landing"], as_of)
    received = {code: s["paid_to_date_yuan"] for code, s in status.items()}
    opening = unspent_through(built["landing"], as_of, YEAR - 1, FIRST_FISCAL_YEAR)
    spending, flags = allocation_spending(
        received, allocation_vouchers(built["landing"], as_of), opening
    )
    return {
        "as_of": as_of,
        "published": built["results"][as_of],
        "allocation": allocation,
        "status": status,
        "spending": spending,
        "flags": flags,
        "yoy": year_over_year(_figures(allocation), built["previous"]),
    }


def test_disbursement_status_matches_the_recomputation(case: dict) -> None:
    published = {
        r["district_code"]: _without(r, "district_code", "name_zh", "name_en")
        for r in case["published"]["disbursement_status"]
    }
    assert published == case["status"]


def test_allocation_spending_matches_the_recomputation(case: dict) -> None:
    published = {
        r["district_code"]: _without(r, "district_code", "name_zh", "name_en")
        for r in case["published"]["allocation_spending"]
    }
    assert published == case["spending"]
    flags = {
        r["voucher_id"]: (r["reason"], r["district_status"])
        for r in case["published"]["allocation_spending_flags"]
    }
    assert flags == case["flags"]


def test_coverage_matches_the_recomputation(case: dict) -> None:
    for row in case["published"]["district_allocation"]:
        expected = case["allocation"].districts[row["district_code"]]
        assert row["coverage"] == coverage(expected["total_yuan"], expected["standard_cost_yuan"])


def test_year_over_year_matches_the_recomputation(case: dict) -> None:
    published = {
        r["district_code"]: _without(
            r, "district_code", "previous_as_of_date", "baseline_approved", "previous_run_id"
        )
        for r in case["published"]["allocation_year_over_year"]
    }
    # 2025 was published but never approved: its latest publication, marked so
    assert {
        (r["baseline_approved"], r["previous_run_id"])
        for r in case["published"]["allocation_year_over_year"]
    } == {(False, PREVIOUS_RUN)}
    assert published == case["yoy"]
    assert {r["previous_as_of_date"] for r in case["published"]["allocation_year_over_year"]} == {
        PREVIOUS_AS_OF
    }


def test_every_status_occurs(built: dict) -> None:
    results = built["results"]
    payment = {r["status"] for rows in results.values() for r in rows["disbursement_status"]}
    assert payment >= {"no_plan", "behind", "paid_in_full"}
    use = {r["status"] for rows in results.values() for r in rows["allocation_spending"]}
    assert use == {"compliant", "overspent", "diverted"}
    reasons = {r["reason"] for rows in results.values() for r in rows["allocation_spending_flags"]}
    assert {"unsupported", "overspent"} <= reasons
    comparisons = {
        r["comparison"] for rows in results.values() for r in rows["allocation_year_over_year"]
    }
    assert comparisons == {"compared"}


def test_a_past_date_does_not_see_later_deliveries(built: dict) -> None:
    """Vouchers paid on or before 2026-07-15 but delivered on 2026-08-01 exist in the landing and
    do not count in that date's spending."""
    first = AS_OF_DATES[0]
    end = dt.datetime.combine(first + dt.timedelta(days=1), dt.time(), CITY)
    known_then = {v.voucher_id for v in allocation_vouchers(built["landing"], first)}
    delivered_later = {
        v.voucher_id
        for v in allocation_vouchers(built["landing"], AS_OF_DATES[-1])
        if v.paid_at < end and v.voucher_id not in known_then
    }
    assert delivered_later
    spent = {
        r["district_code"]: r["spent_maintenance_yuan"] + r["diverted_yuan"]
        for r in built["results"][first]["allocation_spending"]
    }
    vouchers_then = allocation_vouchers(built["landing"], first)
    for code, amount in spent.items():
        assert amount == sum(
            (v.amount for v in vouchers_then if v.district_code == code), Decimal("0.00")
        )
