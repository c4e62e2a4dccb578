"""`munifund run` end to end, as a user runs it: a fresh home, the bundled sample city, Airflow.

One run in a fresh home, as the README's first command does: it publishes fiscal year 2025 first
(as of 2025-12-10 and 2025-12-31, from the sample's history, each approved by the sample's demo
bureau with the treasury's payments between and after: munifund.sample.demo) for the
year-over-year comparison and the budget year, then 2026-11-28.
Every run through Airflow costs
about two minutes, so the properties of repeated runs (a date run again publishes the same
figures; an earlier date re-run after later deliveries publishes what it first published) are
checked on the DAG's own task functions in tests/munifund/test_publication.py, and the DAG under
a real scheduler and Celery workers in tests/integration.
"""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

pytestmark = pytest.mark.e2e

LATE = "2026-11-28"
PREVIOUS_YEAR_END = "2025-12-31"
PREVIOUS_YEAR_FIRST = "2025-12-10"
DISTRICTS = (
    "道里区",
    "南岗区",
    "道外区",
    "平房区",
    "松北区",
    "香坊区",
    "呼兰区",
    "阿城区",
    "双城区",
)
ALLOCATION_COLUMNS = (
    "district_code, standard_cost_yuan, share, base_yuan, cases_due, cases_on_time,"
    " assessment_score, own_investment_yuan, incentive_yuan, total_yuan, pool_yuan"
)


def _munifund(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "MUNIFUND_", "DBT_"))
    }
    env.update(MUNIFUND_HOME=str(home), COLUMNS="160")
    munifund = Path(sys.executable).with_name("munifund")
    return subprocess.run(
        [str(munifund), *args], env=env, capture_output=True, text=True, timeout=900
    )


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("e2e_home")
    yield home
    _munifund(home, "warehouse", "stop")


@pytest.fixture(scope="module")
def runs(home: Path) -> dict[str, subprocess.CompletedProcess[str]]:
    """The run; each test reads what it needs."""
    results = {}
    for label, date in (("first", LATE),):
        results[label] = _munifund(home, "run", "--date", date)
        if results[label].returncode == 0:
            url = _munifund(home, "warehouse", "pipeline-url").stdout.strip()
            SNAPSHOTS[label] = _allocation(url, date)
    return results


SNAPSHOTS: dict[str, list[tuple]] = {}


@pytest.fixture(scope="module")
def pipeline_url(home: Path, runs) -> str:
    return _munifund(home, "warehouse", "pipeline-url").stdout.strip()


def _allocation(url: str, as_of: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            f"select {ALLOCATION_COLUMNS} from published.district_allocation"
            " where as_of_date = %s order by district_code",
            [as_of],
        ).fetchall()


def test_every_run_publishes_and_prints_its_summary(runs) -> None:
    for label, result in runs.items():
        assert result.returncode == 0, f"{label}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        for name in DISTRICTS:
            assert name in result.stdout, f"{label}: {name} missing from the summary"
        assert "合计" in result.stdout  # the summary's total row (80 columns: Chinese only)
        assert "review pack:" in result.stdout
        assert "munifund review approve --run" in result.stdout


def test_a_good_run_prints_a_screenful_and_keeps_its_logs(runs) -> None:
    """The progress ends at N/N, then the summary and the logs' folder; Airflow's and dbt's
    output is in the files, not on the screen."""
    result = runs["first"]
    screen = result.stdout.splitlines() + result.stderr.splitlines()
    assert len(screen) <= 40, "\n".join(screen)
    assert "7/7 tasks" in result.stdout
    assert not [line for line in screen if "warning" in line.lower() or "Traceback" in line]
    logs = Path(result.stdout.split("logs: ", 1)[1].split()[0])
    run_log = (logs / "run.log").read_text("utf-8")
    assert "Done. PASS=" in run_log and "ERROR=0" in run_log  # dbt's console, kept
    assert (logs / "dbt_build" / "dbt.log").stat().st_size > 0
    assert {p.name for p in (logs / "dbt_build").iterdir()} == {"dbt.log", "run_results.json"}
    # and each task's part of the log in a file of its own
    tasks = ("ingest_landing", "dbt_build", "audit_allocation", "publish_allocation")
    assert {f"{task}.log" for task in tasks} <= {p.name for p in logs.iterdir()}
    assert "Returned value was: {'files_taken'" in (logs / "ingest_landing.log").read_text("utf-8")
    assert "Done. PASS=" in (logs / "dbt_build.log").read_text("utf-8")
    assert "Done. PASS=" not in (logs / "audit_allocation.log").read_text("utf-8")


def test_the_allocation_adds_up_to_the_pool_to_the_fen(pipeline_url: str) -> None:
    with psycopg.connect(pipeline_url) as conn:
        for as_of in (LATE,):
            total, pool, devolved, districts = conn.execute(
                "select sum(total_yuan), max(pool_yuan), sum(devolved_yuan), count(*)"
                " from published.district_allocation where as_of_date = %s",
                [as_of],
            ).fetchone()
            assert districts == 9
            # money that followed the task comes from the city's own budget, beside the pool
            assert total == pool + devolved and pool > Decimal("1000000") and devolved != 0


def test_the_run_is_recorded_as_a_draft(pipeline_url: str) -> None:
    assert SNAPSHOTS["first"]
    with psycopg.connect(pipeline_url) as conn:
        runs = conn.execute(
            "select as_of_date, review_status, code_version, row_counts from published.allocation_runs"
        ).fetchall()
    assert sorted((str(as_of), status) for as_of, status, _, _ in runs) == [
        (PREVIOUS_YEAR_FIRST, "approved"),  # the sample's demo of the budget year
        (PREVIOUS_YEAR_END, "approved"),
        (LATE, "draft"),
    ]
    assert all(row_counts["district_allocation"] == 9 for *_, row_counts in runs)


def test_the_first_run_publishes_last_year_first_and_compares_with_it(runs, pipeline_url) -> None:
    """The sample city's first run shows the money cycle whole: last year compared with its final
    plan and settled with a January payment, paid in full against its first plan, adjusted by
    its second; this year's payments listed with no plan yet (the bureau has approved nothing of
    2026), allocation money diverted, overspent and compliant."""
    assert f"publishing fiscal year 2025 first (as of {PREVIOUS_YEAR_END}" in runs["first"].stdout
    assert f"fiscal year 2025 published as of {PREVIOUS_YEAR_END}: 9 districts" in runs[
        "first"
    ].stdout.replace("\n", " ")
    with psycopg.connect(pipeline_url) as conn:
        compared = conn.execute(
            "select comparison, count(*), bool_and(previous_as_of_date = %s)"
            " from published.allocation_year_over_year where as_of_date = %s group by comparison",
            [PREVIOUS_YEAR_END, LATE],
        ).fetchall()
        payments = conn.execute(
            "select array_agg(distinct status order by status) from published.disbursement_status"
            " where as_of_date = %s",
            [LATE],
        ).fetchone()[0]
        spending = conn.execute(
            "select array_agg(distinct status order by status) from published.allocation_spending"
            " where as_of_date = %s",
            [LATE],
        ).fetchone()[0]
        previous_payments = conn.execute(
            "select array_agg(distinct status order by status) from published.disbursement_status"
            " where as_of_date = %s",
            [PREVIOUS_YEAR_END],
        ).fetchone()[0]
        adjustments = conn.execute(
            "select array_agg(distinct kind order by kind) from published.budget_adjustments"
            " where fiscal_year = 2025"
        ).fetchone()[0]
        settled = conn.execute(
            "select count(*), count(*) filter (where owed_yuan = 0) from published.year_end_settlement"
            " where as_of_date = %s and settled_fiscal_year = 2025",
            [LATE],
        ).fetchone()
        previous_use = conn.execute(
            "select array_agg(distinct status) from published.allocation_spending"
            " where as_of_date = %s",
            [PREVIOUS_YEAR_END],
        ).fetchone()[0]
    assert compared == [("compared", 10, True)]  # nine districts and the city
    assert payments == ["no_plan"]
    assert previous_payments == ["overpaid", "paid_in_full"]  # Xiangfang was not squared
    assert "initial" in adjustments and {"increase", "decrease"} & set(adjustments)
    assert settled == (9, 8)  # the treasury's January payments squared all but Xiangfang
    assert spending == ["compliant", "diverted", "overspent"]
    assert previous_use == ["compliant"]  # the sample's Y-1, as designed
    # and the summary says so
    screen = runs["first"].stdout
    assert f"year over year (against {PREVIOUS_YEAR_END}): standard cost +" in screen
    # against 2025's final plan, whose pool the sample's 追加 raised by 1 %: the pool grows about
    # 3 %, the standard cost about as much; the line says which
    assert "the pool kept pace" in screen or "the pool did not keep pace" in screen
    assert "payments: 9 no plan" in screen and "use: " in screen
    assert "no plan of fiscal year 2026 is approved yet" in screen
    assert "settlement of fiscal year 2025 (结算, 9 districts)" in screen


def test_the_analyst_reads_published_and_nothing_else(home: Path, runs) -> None:
    url = _munifund(home, "warehouse", "url").stdout.strip()
    assert url.startswith("postgresql://analyst:")
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("select count(*) from published.district_allocation").fetchone()[0] > 0
        # last year as of 12-10 and 12-31 (the sample's budget-year demo), then today's
        assert conn.execute("select count(*) from published.allocation_runs").fetchone()[0] == 3
        for forbidden in (
            "select * from raw.assets",
            "select * from ops.quarantine",
            "select * from audit.district_allocation",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(forbidden)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("delete from published.district_allocation")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("create table published.mine (a int)")


def test_the_review_pack_is_written(home: Path, runs) -> None:
    pack = home / "reviews" / LATE
    assert (pack / "review.html").stat().st_size > 0
    assert (pack / "review.xlsx").stat().st_size > 0


def test_nothing_phones_home(home: Path, runs) -> None:
    kept = "".join(p.read_text("utf-8") for p in (home / "logs").rglob("*.log"))
    for result in runs.values():
        log = (result.stdout + result.stderr + kept).lower()
        assert "telemetry" not in log and "scarf" not in log and "anonymous usage" not in log
