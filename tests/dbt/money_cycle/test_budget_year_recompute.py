"""The budget year end to end, through the DAG's own task functions and the bureau's decisions,
against an independent recomputation (reference_budget_year, reference_money_cycle and the
allocation reference, reading the landing files).

The sample city of 2026 (with 2025 as its history), plus one delivery written here: a payment
for fiscal year 2025 made on 2026-01-08 that settles 道外 Daowai at the plan the bureau
approves as of 2025-12-31, to the fen (the sample overpaid it: a recovery naming its last payment), and a
late payment to 双城 Shuangcheng. Then, in order:

1. 2025-12-10 published (the sample delivers 2025 on 12-01): no plan yet (plan null, payments
   `no_plan`);
2. approved (the initial plan);
3. 2025-12-31 published, after a revised pool (12-22): measured against the plan of 12-10; its
   change from it; 2025 settled;
4. approved (an adjustment with drivers);
5. 2025-12-10 run again: a past date finds its date's plan, not that of 12-31;
6. 2026-01-09, before 2026's pool (delivered 2026-01-10): publishes 2025's settlement with the
   January payment (Daowai paid in full, owes 0), no allocation, and passes the audit;
7. the approval of 12-31 revoked: the plan of 12-10 is restored, an adjustment of kind revocation,
   flagged for Shuangcheng, paid after the revoked run's date;
8. 2026-01-15: 2026 has no plan; the use of 2026's allocation opens with 2025's carry-over;
   year over year against 2025's final plan (of 12-10, approved), and the settlement of 2025
   against it.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "allocation"))

from reference_allocation import allocate_landing  # noqa: E402
from reference_budget_year import DecisionLog, Run, settlement, unspent_through  # noqa: E402
from reference_money_cycle import (  # noqa: E402
    YearFigures,
    allocation_spending,
    allocation_vouchers,
    disbursement_status,
    payments,
    year_over_year,
)

from munifund.dbt_project import run_dbt  # noqa: E402
from munifund.review.adjustments import adjustment_lines  # noqa: E402
from munifund.review.decisions import record_decision  # noqa: E402
from munifund.review.queries import read_pack_data  # noqa: E402
from munifund.runner.summary import budget_lines  # noqa: E402
from munifund.tasks import audit_task, publish_task  # noqa: E402

PREVIOUS = 2025
EARLY, DECEMBER = dt.date(PREVIOUS, 12, 10), dt.date(PREVIOUS, 12, 31)
POOL_REVISED_ON = dt.date(PREVIOUS, 12, 22)  # after the sample's own revision (12-20)
POOL_ADDED = Decimal("1000000.00")
WAITING, JANUARY = dt.date(PREVIOUS + 1, 1, 9), dt.date(PREVIOUS + 1, 1, 15)
JANUARY_PAYMENT_ON = dt.date(PREVIOUS + 1, 1, 8)
DAOWAI, SHUANGCHENG = "230104", "230113"
OPERATOR, APPROVER, REVOKER = "张工", "bob", "carol"
FIRST_YEAR = 2020
STAMP = ("fiscal_year", "as_of_date", "run_id")


def build_and_publish(
    warehouse, landing: Path, as_of: dt.date, run_id: str, data_tests: bool = False
) -> None:
    """The DAG's steps up to publication; the data tests only where asked (the run before the
    pool: every test of the project must hold on its empty allocation too)."""
    from munifund.ingest.loader import ingest

    with warehouse.connect() as conn:
        ingest(conn, landing, as_of, run_id)
    excluded = ["resource_type:unit_test", *([] if data_tests else ["resource_type:test"])]
    run_dbt(["build", "--exclude", *excluded],
            warehouse.pipeline_url, {"as_of_date": as_of.isoformat(), "run_id": run_id})  # fmt: skip
    audited = audit_task(as_of.isoformat(), run_id)
    publish_task(as_of.isoformat(), run_id, {"rows_loaded": 1}, audited, started_by=OPERATOR)


def rows(conn, table: str, run_id: str) -> list[dict]:
    cur = conn.execute(f"select * from published.{table} where run_id = %s", [run_id])  # noqa: S608
    names = [c.name for c in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def by_district(found: list[dict], *drop: str) -> dict[str, dict]:
    return {
        r["district_code"]: {
            k: v for k, v in r.items() if k not in (*STAMP, "district_code", *drop)
        }
        for r in found
    }


def totals_at(landing: Path, as_of: dt.date) -> dict[str, Decimal]:
    return {c: d["total_yuan"] for c, d in allocate_landing(landing, as_of).districts.items()}


def revise_the_pool(landing: Path) -> None:
    """The sample delivers 2025 on 2025-12-01 and revises its pool on 12-20; another revision on
    12-22 (the first pool + 1,000,000.00) changes the totals between the two approved runs
    whatever the sample does (an adjustment driven by the pool)."""
    delivered = []
    for source in sorted((landing / "budget_pools").glob("*/*.csv")):
        with source.open(encoding="utf-8", newline="") as handle:
            delivered += list(csv.DictReader(handle))
    row = next(r for r in delivered if int(r["fiscal_year"]) == PREVIOUS)
    folder = landing / "budget_pools" / POOL_REVISED_ON.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "revised.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["fiscal_year", "pool_yuan", "incentive_share"])
        pool = Decimal(row["pool_yuan"]) + POOL_ADDED
        writer.writerow([PREVIOUS, f"{pool:.2f}", row["incentive_share"]])


def add_january_payments(landing: Path) -> None:
    """January's movements of 2025: the sample paid every district more than its plan, so Daowai
    returns the excess (a recovery naming its last payment) and ends paid in full to the fen;
    Shuangcheng gets a late payment, made after the run of 12-31 that its revoked plan came from."""
    plan = totals_at(landing, DECEMBER)[DAOWAI]
    paid = payments(landing, DECEMBER, PREVIOUS).get(DAOWAI, [])
    excess = sum(a for _, a in paid) - plan
    assert excess > 0
    folder = landing / "disbursements" / JANUARY_PAYMENT_ON.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "january.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["payment_id", "district_code", "fiscal_year", "paid_on", "amount_yuan", "reverses"]
        )
        writer.writerow(
            [f"JAN-{PREVIOUS}-{DAOWAI}", DAOWAI, PREVIOUS, JANUARY_PAYMENT_ON, f"{-excess:.2f}",
             f"PAY-{PREVIOUS}-{DAOWAI}-4"]
        )  # fmt: skip
        writer.writerow(
            [
                f"JAN-{PREVIOUS}-{SHUANGCHENG}",
                SHUANGCHENG,
                PREVIOUS,
                JANUARY_PAYMENT_ON,
                "1000.00",
                "",
            ]
        )


@pytest.fixture(scope="module")
def year(tmp_path_factory, warehouse, clear_schemas) -> dict:
    from munifund.sample import generate_sample_city

    clear_schemas("raw", "ops", "audit", "published")
    landing = tmp_path_factory.mktemp("budget_year") / "sample"
    generate_sample_city(landing, year=PREVIOUS + 1)
    revise_the_pool(landing)
    add_january_payments(landing)
    runs = {
        "by-early": Run("by-early", PREVIOUS, EARLY, totals_at(landing, EARLY)),
        "by-december": Run("by-december", PREVIOUS, DECEMBER, totals_at(landing, DECEMBER)),
    }
    log = DecisionLog(runs)
    seen: dict[str, dict] = {}

    def snapshot(run_id: str, *tables: str) -> None:
        with warehouse.connect() as conn:
            seen[run_id] = {t: rows(conn, t, run_id) for t in tables}

    def decide(run_id: str, decision: str, by: str, revokes: int | None = None) -> int:
        with warehouse.connect() as conn:
            made = record_decision(conn, run_id, decision, by, "核对" if revokes else None, revokes)
        if decision == "approved":
            log.approve(made.decision_id, run_id)
        else:
            log.revoke(made.decision_id, revokes)  # type: ignore[arg-type]
        return made.decision_id

    money = ("district_allocation", "budget_plan", "disbursement_status", "year_end_settlement")
    try:
        build_and_publish(warehouse, landing, EARLY, "by-early")
        snapshot("by-early", *money)
        first = decide("by-early", "approved", APPROVER)
        build_and_publish(warehouse, landing, DECEMBER, "by-december")
        snapshot("by-december", *money)
        second = decide("by-december", "approved", APPROVER)
        build_and_publish(warehouse, landing, EARLY, "by-early-again")
        snapshot("by-early-again", *money)
        build_and_publish(warehouse, landing, WAITING, "by-waiting", data_tests=True)
        snapshot("by-waiting", *money, "allocation_spending")
        revocation = decide("by-december", "revoked", REVOKER, revokes=second)
        build_and_publish(warehouse, landing, JANUARY, "by-january")
        snapshot("by-january", *money, "allocation_spending", "allocation_year_over_year")
        with warehouse.connect() as conn:
            seen["revocation-lines"] = adjustment_lines(conn, revocation)
            seen["summary"] = {
                # the summary reads the date as the pack does: its latest run, this one
                run_id: budget_lines(read_pack_data(conn, as_of, dq_rows=0))
                for run_id, as_of in (
                    ("by-early-again", EARLY),
                    ("by-december", DECEMBER),
                    ("by-waiting", WAITING),
                    ("by-january", JANUARY),
                )
            }
            cur = conn.execute(
                "select * from published.budget_adjustments order by decision_id, district_code"
            )
            names = [c.name for c in cur.description]
            seen["adjustments"] = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        yield {
            "landing": landing,
            "runs": runs,
            "log": log,
            "seen": seen,
            "decisions": (first, second, revocation),
        }
    finally:
        clear_schemas("raw", "ops", "audit", "published")


def test_no_plan_before_the_first_approval(year: dict) -> None:
    seen, landing = year["seen"]["by-early"], year["landing"]
    assert {r["plan_yuan"] for r in seen["district_allocation"]} == {None}
    assert {r["change_from_plan_yuan"] for r in seen["district_allocation"]} == {None}
    assert {r["plan_yuan"] for r in seen["budget_plan"]} == {None}
    expected = disbursement_status(dict.fromkeys(totals_at(landing, EARLY)), landing, EARLY)
    assert by_district(seen["disbursement_status"], "name_zh", "name_en") == expected
    assert {r["status"] for r in seen["disbursement_status"]} == {"no_plan"}
    assert seen["year_end_settlement"] == []  # nothing of 2024 published


def test_a_draft_is_measured_against_the_plan_in_force(year: dict) -> None:
    seen, landing = year["seen"]["by-december"], year["landing"]
    plan = year["runs"]["by-early"].totals  # the early approval is the plan on 12-31
    draft = year["runs"]["by-december"].totals
    allocation = {r["district_code"]: r for r in seen["district_allocation"]}
    for code, row in allocation.items():
        assert row["total_yuan"] == draft[code]
        assert row["plan_yuan"] == plan[code]
        assert row["change_from_plan_yuan"] == draft[code] - plan[code]
    assert {r["plan_run_id"] for r in seen["budget_plan"]} == {"by-early"}
    assert {r["approved_by"] for r in seen["budget_plan"]} == {APPROVER}
    expected = disbursement_status(plan, landing, DECEMBER)
    assert by_district(seen["disbursement_status"], "name_zh", "name_en") == expected


def test_december_settles_its_own_year(year: dict) -> None:
    seen, landing = year["seen"]["by-december"], year["landing"]
    plan = year["runs"]["by-early"].totals
    expected = settlement(landing, DECEMBER, PREVIOUS, plan, sorted(plan), FIRST_YEAR)
    published = by_district(seen["year_end_settlement"], "name_zh", "name_en", "plan_run_id")
    assert {r["settled_fiscal_year"] for r in seen["year_end_settlement"]} == {PREVIOUS}
    assert {
        c: {k: v for k, v in r.items() if k != "settled_fiscal_year"} for c, r in published.items()
    } == expected


def test_a_past_date_run_again_finds_its_own_plan(year: dict) -> None:
    seen = year["seen"]["by-early-again"]
    early = year["runs"]["by-early"].totals
    assert {r["district_code"]: r["plan_yuan"] for r in seen["district_allocation"]} == early
    assert {r["plan_run_id"] for r in seen["budget_plan"]} == {"by-early"}


def test_a_january_run_before_the_pool_settles_last_year(year: dict) -> None:
    seen, landing = year["seen"]["by-waiting"], year["landing"]
    assert seen["district_allocation"] == []
    plan = year["runs"]["by-december"].totals  # approved by then, revoked only later
    expected = settlement(landing, WAITING, PREVIOUS, plan, sorted(plan), FIRST_YEAR)
    published = {
        r["district_code"]: {
            k: r[k]
            for k in ("plan_yuan", "paid_yuan", "owed_yuan", "unspent_yuan", "carried_over_yuan")
        }
        for r in seen["year_end_settlement"]
    }
    assert published == expected
    assert published[DAOWAI]["owed_yuan"] == Decimal("0.00")  # paid in full, in January
    assert {r["plan_run_id"] for r in seen["year_end_settlement"]} == {"by-december"}
    # 2026's payments listed with no plan, and its use of the allocation opened by the carry-over
    status = disbursement_status(dict.fromkeys(sorted(plan)), landing, WAITING)
    assert by_district(seen["disbursement_status"], "name_zh", "name_en") == status
    received = {c: s["paid_to_date_yuan"] for c, s in status.items()}
    opening = {c: r["carried_over_yuan"] for c, r in expected.items()}
    spending, _ = allocation_spending(received, allocation_vouchers(landing, WAITING), opening)
    assert by_district(seen["allocation_spending"], "name_zh", "name_en") == spending


def test_adjustments_follow_the_decisions(year: dict) -> None:
    first, second, revocation = year["decisions"]
    landing = year["landing"]
    known = {(PREVIOUS, code): paid for code, paid in payments(landing, JANUARY, PREVIOUS).items()}
    expected = year["log"].adjustments(known)
    published = {(r["decision_id"], r["district_code"]): r for r in year["seen"]["adjustments"]}
    assert set(published) == set(expected)
    for key, want in expected.items():
        got = published[key]
        flagged = want.pop("flagged")
        assert {k: got[k] for k in want} == want, key
        assert (got["flag"] is not None) == flagged, key
        if flagged:
            assert "by-december" in got["flag"]
    kinds = {r["kind"] for r in published.values()}
    assert {"initial", "revocation"} <= kinds
    assert kinds & {"increase", "decrease"}
    assert published[(revocation, SHUANGCHENG)]["flag"] is not None
    assert published[(revocation, DAOWAI)]["flag"] is None  # a recovery pays nothing out
    assert all(
        r["drivers"] for k, r in published.items() if k[0] == second and r["adjustment_yuan"]
    )


def test_the_next_year_opens_with_the_carry_over(year: dict) -> None:
    seen, landing = year["seen"]["by-january"], year["landing"]
    allocation = allocate_landing(landing, JANUARY)
    codes = sorted(allocation.districts)
    status = disbursement_status(dict.fromkeys(codes), landing, JANUARY)
    assert by_district(seen["disbursement_status"], "name_zh", "name_en") == status
    opening = unspent_through(landing, JANUARY, PREVIOUS, FIRST_YEAR)
    received = {c: s["paid_to_date_yuan"] for c, s in status.items()}
    spending, _ = allocation_spending(received, allocation_vouchers(landing, JANUARY), opening)
    assert by_district(seen["allocation_spending"], "name_zh", "name_en") == spending
    early = year["runs"]["by-early"].totals  # the approval of 12-31 was revoked
    settled = settlement(landing, JANUARY, PREVIOUS, early, codes, FIRST_YEAR)
    carried = {r["district_code"]: r["carried_over_yuan"] for r in seen["year_end_settlement"]}
    assert carried == {c: s["carried_over_yuan"] for c, s in settled.items()}
    assert {c: s["opening_yuan"] for c, s in spending.items()} == {
        c: carried.get(c, Decimal("0.00")) for c in codes
    }
    assert {r["plan_run_id"] for r in seen["year_end_settlement"]} == {"by-early"}


def test_year_over_year_compares_with_last_years_final_plan(year: dict) -> None:
    seen, landing = year["seen"]["by-january"], year["landing"]
    early = allocate_landing(landing, EARLY)
    now = allocate_landing(landing, JANUARY)

    def figures(allocation) -> YearFigures:
        return YearFigures(
            {
                c: {k: d[k] for k in ("standard_cost_yuan", "total_yuan", "pool_yuan")}
                for c, d in allocation.districts.items()
            },
            {key: {"unit_days": line["unit_days"]} for key, line in allocation.lines.items()},
            allocation.days_in_year,
        )

    expected = year_over_year(figures(now), figures(early))
    found = seen["allocation_year_over_year"]
    published = {
        r["district_code"]: {
            k: v
            for k, v in r.items()
            if k
            not in (
                *STAMP,
                "district_code",
                "previous_as_of_date",
                "baseline_approved",
                "previous_run_id",
            )
        }
        for r in found
    }
    assert published == expected
    assert {
        (r["baseline_approved"], r["previous_run_id"], r["previous_as_of_date"]) for r in found
    } == {(True, "by-early", EARLY)}


def test_the_run_summary_says_which_plan_is_in_force(year: dict) -> None:
    summary = year["seen"]["summary"]
    assert summary["by-early-again"][0].startswith("plan in force (下达): ")
    assert "run by-early approved by bob" in summary["by-early-again"][0]
    assert "approving this draft would change it by +0.00 yuan" in summary["by-early-again"][0]
    assert summary["by-december"][0].startswith("plan in force (下达): ")
    assert "approving this draft would change it by +1,000,000.00 yuan" in summary["by-december"][0]
    assert summary["by-waiting"][0].startswith("fiscal year 2026's allocation waits for its pool")
    assert summary["by-waiting"][1].startswith("settlement of fiscal year 2025 (结算, 9 districts)")
    assert summary["by-january"][0].startswith("no plan of fiscal year 2026 is approved yet")


def test_the_revocation_says_what_it_did_and_flags_the_payments(year: dict) -> None:
    lines = year["seen"]["revocation-lines"]
    assert lines[0].startswith("plan of fiscal year 2025: revocation (撤销) in 9 districts")
    assert "the plan in force is run by-early's" in lines[0]
    [warning] = lines[1:]
    assert warning.startswith(f"warning: district {SHUANGCHENG}: revoking the approval of run")
    assert "by-december" in warning and "1000.00 yuan" in warning
