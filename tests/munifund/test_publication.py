"""Write-audit-publish and the review decision, on the sample city, without Airflow's runner:
the DAG's own task functions, in order, against the real warehouse."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from munifund.dbt_cli import run_dbt
from munifund.pipeline import AuditFailed, audit_task, publish_task
from munifund.review_decisions import ReviewError, record_decision
from munifund.sample import generate_sample_city

AS_OF = dt.date(2026, 11, 28)


def build(warehouse, as_of: dt.date, run_id: str) -> None:
    from munifund.ingest.loader import ingest

    with warehouse.connect() as conn:
        ingest(conn, LANDING[0], as_of, run_id)
    run_dbt(["build", "--exclude", "resource_type:unit_test"], warehouse.pipeline_url,
            {"as_of_date": as_of.isoformat(), "run_id": run_id})  # fmt: skip


LANDING: list[Path] = []


@pytest.fixture(scope="module")
def published_city(tmp_path_factory, warehouse):
    with warehouse.connect() as conn:  # a clean slate for this module
        conn.execute(
            "do $$ declare t record; begin for t in select schemaname, tablename from pg_tables"
            " where schemaname in ('raw', 'ops', 'audit', 'published') loop"
            " execute format('truncate table %I.%I', t.schemaname, t.tablename); end loop; end $$"
        )
    landing = tmp_path_factory.mktemp("landing")
    generate_sample_city(landing, year=2026, scale=1, seed=7)
    LANDING[:] = [landing]
    build(warehouse, AS_OF, "run-good")
    audited = audit_task(AS_OF.isoformat(), "run-good")
    publish_task(AS_OF.isoformat(), "run-good", {"rows_loaded": 1}, audited)
    return warehouse


def published_allocation(conn) -> list[tuple]:
    return conn.execute(
        "select district_code, total_yuan, run_id from published.district_allocation"
        " order by as_of_date, district_code"
    ).fetchall()


def test_publication_adds_up_and_records_the_run(published_city) -> None:
    with published_city.connect() as conn:
        total, pool = conn.execute(
            "select sum(total_yuan), max(pool_yuan) from published.district_allocation"
        ).fetchone()
        run = conn.execute(
            "select review_status, code_version is not null or true, row_counts, input_fingerprints"
            " from published.allocation_runs where run_id = 'run-good'"
        ).fetchone()
    assert total == pool
    status, _, row_counts, fingerprints = run
    assert status == "draft"
    assert row_counts["district_allocation"] == 9
    assert {f["source"] for f in fingerprints} >= {"assets", "budget_pools", "unit_cost_standards"}
    assert all(len(f["sha256"]) == 64 for f in fingerprints)


def test_a_failed_audit_leaves_published_as_it_was_and_names_the_rate(published_city) -> None:
    """A correction closes the secondary roads' sweeping standard early: from 2026-04-01 until
    the revision of 2026-07-01 no rate is valid, so the allocation must not be published."""
    landing = LANDING[0]
    later = AS_OF + dt.timedelta(days=1)
    source = next((landing / "unit_cost_standards").glob("*/*.csv"))
    with source.open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle)
                if r["work_type"] == "sweeping" and r["asset_class"] == "secondary_road"
                and r["valid_from"] < "2026-07-01" and r["valid_from"] >= "2025-01-01"]  # fmt: skip
    assert rows, "the sample has a secondary-road sweeping standard before the revision"
    correction = landing / "unit_cost_standards" / later.isoformat() / "correction.csv"
    correction.parent.mkdir(parents=True)
    with correction.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "valid_to": "2026-03-31"})
    with published_city.connect() as conn:
        before = published_allocation(conn)
    build(published_city, later, "run-bad")
    with pytest.raises(AuditFailed, match=r"sweeping of secondary_road valid on 2026-04-01"):
        audit_task(later.isoformat(), "run-bad")
    with published_city.connect() as conn:
        assert published_allocation(conn) == before
        assert (
            conn.execute(
                "select count(*) from ops.allocation_runs where run_id = 'run-bad'"
            ).fetchone()[0]
            == 0
        )
    correction.unlink()


def test_approval_freezes_what_the_bureau_saw(published_city) -> None:
    with pytest.raises(ReviewError, match="no published run"):
        record_decision("no-such-run", "approved", "王科长", None)
    record_decision("run-good", "approved", "王科长", "核对无误")
    with published_city.connect() as conn:
        approved = conn.execute(
            "select district_code, total_yuan, reviewer, review_comment"
            " from published.approved_district_allocation order by district_code"
        ).fetchall()
        published = conn.execute(
            "select district_code, total_yuan from published.district_allocation"
            " where run_id = 'run-good' order by district_code"
        ).fetchall()
        status = conn.execute(
            "select review_status, reviewer from published.allocation_runs where run_id = 'run-good'"
        ).fetchone()
    assert [(d, t) for d, t, _, _ in approved] == published
    assert {(r, c) for _, _, r, c in approved} == {("王科长", "核对无误")}
    assert status == ("approved", "王科长")
    record_decision("run-good", "rejected", "李处长", "重新核对")
    with published_city.connect() as conn:
        assert (
            conn.execute("select count(*) from published.approved_district_allocation").fetchone()[
                0
            ]
            == 0
        )
