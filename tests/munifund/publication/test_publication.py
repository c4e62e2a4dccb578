"""Write-audit-publish and the review decision, on the sample city, without Airflow's runner:
the DAG's own task functions, in order, against the real warehouse, reached as in a task through
the Airflow connection `warehouse`. Also: a publisher killed inside its transaction leaves the
previous publication whole (the publish step in a process of its own, SIGKILLed midway)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from munifund.catalog import published_tables, run_stamped_tables
from munifund.config import PROJECT_ROOT
from munifund.dbt_project import run_dbt
from munifund.publication import RunContext
from munifund.publication.audit import AuditFailed
from munifund.publication.publish import CandidateChanged, publish_candidate
from munifund.review.decisions import ReviewError, record_decision
from munifund.sample import generate_sample_city
from munifund.tasks import audit_task, publish_task
from munifund.warehouse.run_lock import current_holder

AS_OF = dt.date(2026, 11, 28)
EARLY = dt.date(2026, 6, 30)
OPERATOR = "张工"
SNAPSHOTS: dict[str, list[tuple]] = {}
COUNTS: dict[str, dict[tuple[str, dt.date], tuple[int, int]]] = {}


def build(warehouse, as_of: dt.date, run_id: str) -> None:
    """What the DAG does before the audit: take the partitions up to as_of, then dbt build. The
    models only: publication is what this module checks, and the DAG's build with every test
    runs in tests/e2e and tests/integration (the tests would double each build's cost here)."""
    from munifund.ingest.loader import ingest

    with warehouse.connect() as conn:
        ingest(conn, LANDING[0], as_of, run_id)
    run_dbt(["build", "--exclude", "resource_type:unit_test", "resource_type:test"],
            warehouse.pipeline_url,
            {"as_of_date": as_of.isoformat(), "run_id": run_id})  # fmt: skip


LANDING: list[Path] = []


@pytest.fixture(scope="module")
def published_city(tmp_path_factory, warehouse, clear_schemas):
    clear_schemas("raw", "ops", "audit", "published")  # a clean slate for this module
    landing = tmp_path_factory.mktemp("landing")
    generate_sample_city(landing, year=2026, scale=1, seed=7)
    LANDING[:] = [landing]
    # an earlier date first, when only its partitions have arrived; then the later date
    for as_of, run_id in ((EARLY, "run-early"), (AS_OF, "run-good")):
        build(warehouse, as_of, run_id)
        audited = audit_task(as_of.isoformat(), run_id)
        publish_task(as_of.isoformat(), run_id, {"rows_loaded": 1}, audited, started_by=OPERATOR)
        with warehouse.connect() as conn:
            SNAPSHOTS[run_id] = allocation_figures(conn, as_of)
            COUNTS[run_id] = rows_per_date(conn)
    return warehouse


def rows_per_date(conn) -> dict[tuple[str, dt.date], tuple[int, int]]:
    """Each published mart's rows and run ids, per as-of date."""
    counts = {}
    for mart in run_stamped_tables():
        for as_of, rows, runs in conn.execute(
            f"select as_of_date, count(*), count(distinct run_id) from published.{mart}"
            " group by as_of_date"
        ).fetchall():
            counts[(mart, as_of)] = (rows, runs)
    return counts


def of_date(counts: dict, as_of: dt.date) -> dict:
    return {mart: n for (mart, day), n in counts.items() if day == as_of}


def allocation_figures(conn, as_of: dt.date) -> list[tuple]:
    """Every published figure of a date, without the run id that differs between runs."""
    figures = conn.execute(
        "select district_code, standard_cost_yuan, share, base_yuan, cases_due, cases_on_time,"
        " assessment_score, own_investment_yuan, incentive_yuan, total_yuan, pool_yuan"
        " from published.district_allocation where as_of_date = %s order by district_code",
        [as_of],
    ).fetchall()
    lines = conn.execute(
        "select district_code, tier, work_type, asset_class, rate_valid_from, unit_days, rate_yuan,"
        " standard_cost_yuan from published.district_allocation_lines where as_of_date = %s"
        " order by 1, 2, 3, 4, 5",
        [as_of],
    ).fetchall()
    kiosk = conn.execute(
        "select district_code, opening_yuan, collected_yuan, spent_city_mgmt_yuan, diverted_yuan,"
        " closing_yuan, status from published.kiosk_fee_compliance where as_of_date = %s"
        " order by 1",
        [as_of],
    ).fetchall()
    return figures + lines + kiosk


def publish_run(warehouse, as_of: dt.date, run_id: str) -> dict:
    build(warehouse, as_of, run_id)
    audited = audit_task(as_of.isoformat(), run_id)
    publish_task(as_of.isoformat(), run_id, {"rows_loaded": 1}, audited)
    return audited


def superseding(conn, *run_ids: str) -> list[tuple]:
    return conn.execute(
        "select run_id, review_status, superseded_by_run_id from published.allocation_runs"
        " where run_id = any(%s) order by run_id",
        [list(run_ids)],
    ).fetchall()


def test_an_earlier_date_rerun_after_later_data_publishes_what_it_published(published_city) -> None:
    """Date A, then date B, then A again: neither deletes nor duplicates the other's rows."""
    assert SNAPSHOTS["run-early"] != SNAPSHOTS["run-good"]  # later deliveries changed things
    early = of_date(COUNTS["run-early"], EARLY)
    assert early and all(runs == 1 for _, runs in early.values())
    assert of_date(COUNTS["run-good"], EARLY) == early  # B left A's rows alone
    audited = publish_run(published_city, EARLY, "run-early-again")
    with published_city.connect() as conn:
        assert allocation_figures(conn, EARLY) == SNAPSHOTS["run-early"]
        # and the later date's publication was left alone
        assert allocation_figures(conn, AS_OF) == SNAPSHOTS["run-good"]
        assert rows_per_date(conn) == COUNTS["run-good"]
        assert {mart: rows for mart, (rows, _) in of_date(rows_per_date(conn), EARLY).items()} == {
            mart: count for mart, count in audited["row_counts"].items() if count
        }


def test_a_run_replaced_on_its_date_is_superseded_and_cannot_be_approved(published_city) -> None:
    """Two runs on one date: the first, a draft nobody can approve any more, names the second."""
    with published_city.connect() as conn:
        if not superseding(conn, "run-early-again"):  # when this test runs alone
            publish_run(published_city, EARLY, "run-early-again")
        assert superseding(conn, "run-early", "run-early-again") == [
            ("run-early", "superseded", "run-early-again"),
            ("run-early-again", "draft", None),
        ]
        with pytest.raises(ReviewError) as refused:
            record_decision(conn, "run-early", "approved", "王科长", None)
        assert str(refused.value) == (
            "run run-early is superseded: run run-early-again replaced its figures for"
            " 2026-06-30, so approve that run instead (--run run-early-again)"
        )
        assert not conn.execute(
            "select 1 from ops.review_decisions where run_id = 'run-early'"
        ).fetchone()
    # published again, the first run is the date's again, and it superseded the second
    publish_run(published_city, EARLY, "run-early")
    with published_city.connect() as conn:
        assert superseding(conn, "run-early", "run-early-again") == [
            ("run-early", "draft", None),
            ("run-early-again", "superseded", "run-early"),
        ]


def audited_candidate(warehouse) -> tuple[RunContext, dict]:
    """The candidate `audit` holds now (the last one built), and what its audit counted."""
    with warehouse.connect() as conn:
        [(run_id, as_of)] = conn.execute(
            "select distinct run_id, as_of_date from audit.district_allocation"
        ).fetchall()
    return RunContext(as_of, run_id), audit_task(as_of.isoformat(), run_id)


def test_publication_copies_only_the_audited_run_s_rows(published_city) -> None:
    """Rows of another date and run in `audit` are not published with the run's."""
    ctx, audited = audited_candidate(published_city)
    with published_city.connect() as conn, conn.transaction(force_rollback=True):
        publish_candidate(conn, ctx, {"rows_loaded": 1}, audited)
        before = rows_per_date(conn)
        conn.execute("create temp table stray as select * from audit.district_allocation")
        conn.execute(
            "update stray set as_of_date = %s, run_id = 'stray'", [ctx.as_of - dt.timedelta(days=1)]
        )
        conn.execute("insert into audit.district_allocation select * from stray")
        publish_candidate(conn, ctx, {"rows_loaded": 1}, audited)
        assert rows_per_date(conn) == before


def test_a_candidate_rebuilt_after_its_audit_is_not_published(published_city) -> None:
    ctx, audited = audited_candidate(published_city)
    assert audited["row_counts"]["kiosk_arrears"] > 0
    with published_city.connect() as conn, conn.transaction(force_rollback=True):
        before = rows_per_date(conn)
        conn.execute("update audit.kiosk_arrears set run_id = 'another-run'")
        with pytest.raises(CandidateChanged, match="audit.kiosk_arrears holds 0 rows of run"):
            publish_candidate(conn, ctx, {"rows_loaded": 1}, audited)
        assert rows_per_date(conn) == before  # the marts before it are rolled back too


def published_allocation(conn) -> list[tuple]:
    return conn.execute(
        "select district_code, total_yuan, run_id from published.district_allocation"
        " order by as_of_date, district_code"
    ).fetchall()


def test_publication_adds_up_and_records_the_run(published_city) -> None:
    with published_city.connect() as conn:
        total, pool, share, devolved = conn.execute(
            "select sum(total_yuan), max(pool_yuan), max(incentive_share), sum(devolved_yuan)"
            " from published.district_allocation where as_of_date = %s",
            [AS_OF],
        ).fetchone()
        run = conn.execute(
            "select review_status, code_version, row_counts, input_fingerprints, parameters,"
            " started_by"
            " from published.allocation_runs where run_id = 'run-good'"
        ).fetchone()
        recorded = conn.execute(
            "select pool_yuan, incentive_share, incentive_basis, score_threshold,"
            " payment_schedule, enforcement_pass_score, devolved_from_city_yuan"
            " from published.allocation_runs where run_id = 'run-good'"
        ).fetchone()
        bases = conn.execute(
            "select distinct incentive_basis from published.district_allocation"
        ).fetchall()
        thresholds = conn.execute(
            "select distinct score_threshold from published.incentive_inputs where as_of_date = %s",
            [AS_OF],
        ).fetchall()
    # money that followed the task (费随事转) is the city's own budget, on top of the pool
    assert devolved > 0 and total == pool + devolved
    status, code_version, row_counts, fingerprints, parameters, started_by = run
    # every parameter of the run, as columns and in `parameters`
    pool_r, share_r, basis, threshold, schedule, pass_score, devolved_r = recorded
    assert (pool_r, share_r, basis, threshold, pass_score) == (pool, share, "increase", 60, 60)
    assert devolved_r == devolved
    assert [i["instalment"] for i in schedule] == [1, 2, 3, 4]
    assert parameters["incentive_basis"] == "increase" and parameters["score_threshold"] == 60
    assert bases == [("increase",)]
    assert thresholds == [(60,)]
    assert (status, started_by) == ("draft", OPERATOR)
    head = subprocess.run(
        ["git", "-C", str(PROJECT_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    assert code_version == head
    assert row_counts["district_allocation"] == row_counts["incentive_inputs"] == 9
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
    with published_city.connect() as conn:
        with pytest.raises(ReviewError, match="no published run"):
            record_decision(conn, "no-such-run", "approved", "王科长", None)
        with pytest.raises(ReviewError, match=f"{OPERATOR} started run run-good"):
            record_decision(conn, "run-good", "approved", OPERATOR, None)
        approval = record_decision(conn, "run-good", "approved", "王科长", "核对无误")
        approved = conn.execute(
            "select district_code, total_yuan, reviewer, review_comment"
            " from published.approved_district_allocation where fiscal_year = 2026"
            " order by district_code"
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
    with published_city.connect() as conn:
        record_decision(conn, "run-good", "rejected", "李处长", "重新核对", approval.decision_id)
        shown = (
            "select count(*) from published.approved_district_allocation where fiscal_year = 2026"
        )
        assert conn.execute(shown).fetchone()[0] == 0
        # what was approved is kept, under its decision
        assert conn.execute(
            "select count(*) from ops.approved_district_allocation where decision_id = %s",
            [approval.decision_id],
        ).fetchone()[0] == len(published)


def test_row_counts_far_below_the_last_run_stop_publication(published_city) -> None:
    from munifund.publication import RunContext
    from munifund.publication.audit import _row_count_problems

    with published_city.connect() as conn:
        last = conn.execute(
            "select row_counts from ops.allocation_runs order by published_at desc limit 1"
        ).fetchone()[0]
        halved = {"district_allocation_lines": last["district_allocation_lines"] // 3,
                  "unmeasured_assets": 0, "district_allocation": last["district_allocation"]}  # fmt: skip
        problems = _row_count_problems(conn, RunContext(AS_OF, "run-next"), halved)
    assert len(problems) == 1
    assert "audit.district_allocation_lines has" in problems[0]


def test_the_label_table_is_published_whole_for_analysts(published_city) -> None:
    from munifund.review.labels import CODE_LABELS_CSV

    with CODE_LABELS_CSV.open(encoding="utf-8", newline="") as handle:
        seeded = {
            (r["vocabulary"], r["code"], r["label_zh"], r["label_en"])
            for r in csv.DictReader(handle)
        }
    with psycopg.connect(published_city.analyst_url) as conn:
        published = set(conn.execute("select * from published.code_labels").fetchall())
    assert published == seeded
    assert ("work_type", "sweeping") in {(v, c) for v, c, _, _ in published}


def test_every_published_table_explains_itself_and_has_its_key(published_city) -> None:
    """What `\\d+ published.<table>` shows an analyst: a description on the table and on every
    column (from dbt's docs, or the migrations' for the views over ops), and a primary key on
    every table. A new published table cannot ship without them."""
    from munifund.publication.publish import descriptions

    with published_city.connect() as conn:
        relations = conn.execute(
            "select c.relname, c.relkind from pg_class c join pg_namespace n"
            " on n.oid = c.relnamespace where n.nspname = 'published' and c.relkind in ('r', 'v')"
            " and c.relname <> 'approved_district_allocation' order by 1"
        ).fetchall()
        assert {name for name, _ in relations} >= set(published_tables())
        for name, kind in relations:
            texts = descriptions(conn, "published", name)
            undocumented = [column or "(the table)" for column, text in texts.items() if not text]
            assert not undocumented, f"published.{name} has no description for {undocumented}"
            if kind == "r":
                # a key with a nullable part (a district's row of assessment_results has no
                # street) is a unique key whose nulls are not distinct instead
                key = conn.execute(
                    "select 1 from pg_constraint k join pg_index i on i.indexrelid = k.conindid"
                    " where k.conrelid = %s::regclass and (k.contype = 'p'"
                    " or (k.contype = 'u' and i.indnullsnotdistinct))",
                    [f"published.{name}"],
                ).fetchone()
                assert key, f"published.{name} has no primary key"


# The publish step in a process of its own, as a worker runs it.
PUBLISHER = """
import json, sys
from munifund.tasks import publish_task

publish_task(sys.argv[1], sys.argv[2], {"rows_loaded": 1}, json.loads(sys.argv[3]), "crash")
"""
# Publication goes through the marts in order; a lock on this one stops it midway, with the
# marts before it deleted and inserted in its open transaction.
LOCKED = "kiosk_fee_compliance"
WRITTEN_BEFORE = run_stamped_tables()[: run_stamped_tables().index(LOCKED)]


def publication(conn, as_of: dt.date, marts=None) -> dict[str, tuple]:
    """Each mart's rows of a date as a reader sees them: how many, of which runs, a digest."""
    return {
        mart: conn.execute(
            "select count(*), array_agg(distinct run_id),"
            f" md5(string_agg(t::text, '|' order by t::text)) from published.{mart} t"
            " where as_of_date = %s",
            [as_of],
        ).fetchone()
        for mart in (marts or run_stamped_tables())
    }


def wait_for(query, publisher: subprocess.Popen, seconds: float = 240):
    deadline = time.monotonic() + seconds
    while not (found := query()):
        if publisher.poll() is not None:
            pytest.fail(f"the publisher ended ({publisher.returncode}): {publisher.stderr.read()}")
        assert time.monotonic() < deadline, "the publisher never reached the locked table"
        time.sleep(0.2)
    return found


def test_a_publisher_killed_inside_its_transaction_leaves_the_old_publication_whole(
    published_city,
) -> None:
    build(published_city, AS_OF, "run-crash")
    audited = audit_task(AS_OF.isoformat(), "run-crash")
    with published_city.connect(autocommit=True) as reader:
        old = publication(reader, AS_OF)
        assert old["district_allocation"][0] == 9 and old[LOCKED][0] > 0
        assert not any("run-crash" in (runs or []) for _, runs, _ in old.values())

        with psycopg.connect(published_city.pipeline_url) as locker:
            locker.execute(f"lock table published.{LOCKED} in access exclusive mode")
            publisher = subprocess.Popen(
                [sys.executable, "-c", PUBLISHER, AS_OF.isoformat(), "run-crash",
                 json.dumps(audited)],
                env=dict(os.environ), stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            try:
                [blocked] = wait_for(
                    lambda: reader.execute(
                        "select pid from pg_stat_activity where %s = any(pg_blocking_pids(pid))",
                        [locker.info.backend_pid],
                    ).fetchone(),
                    publisher,
                )
                # midway: it has rewritten the marts before the locked one, uncommitted ...
                written = reader.execute(
                    "select array_agg(relation::regclass::text) from pg_locks"
                    " where pid = %s and granted and mode = 'RowExclusiveLock'",
                    [blocked],
                ).fetchone()[0]
                assert {f"published.{m}" for m in WRITTEN_BEFORE} <= set(written)
                # ... and a reader still sees them as they were
                assert publication(reader, AS_OF, WRITTEN_BEFORE) == {
                    m: old[m] for m in WRITTEN_BEFORE
                }
            finally:
                publisher.send_signal(signal.SIGKILL)
                publisher.wait(timeout=30)
            locker.rollback()

        deadline = time.monotonic() + 30
        while reader.execute(
            "select 1 from pg_stat_activity where pid = %s", [blocked]
        ).fetchone() or current_holder(reader):
            assert time.monotonic() < deadline, "the killed publisher's session lives on"
            time.sleep(0.2)
        assert publication(reader, AS_OF) == old
        assert not reader.execute(
            "select 1 from ops.allocation_runs where run_id = 'run-crash'"
        ).fetchone()

        # a re-run publishes the new one whole
        publish_task(AS_OF.isoformat(), "run-crash", {"rows_loaded": 1}, audited, OPERATOR)
        new = publication(reader, AS_OF)
        for mart, (rows, runs, _) in new.items():
            assert rows == audited["row_counts"][mart], mart
            assert runs == (["run-crash"] if rows else None), mart
        assert reader.execute(
            "select started_by from ops.allocation_runs where run_id = 'run-crash'"
        ).fetchone() == (OPERATOR,)
        # the run it replaced keeps its decision (rejected above) and names it
        assert superseding(reader, "run-good") == [("run-good", "rejected", "run-crash")]


def test_the_approved_allocation_shows_every_column_of_the_allocation(warehouse) -> None:
    """The approved view is `approved.*` of copies made `like` the published table, expanded
    when the view was made: a column added to district_allocation must reach it too (coverage
    did not, until migration 0007)."""
    with warehouse.connect() as conn:

        def columns(table: str) -> list[str]:
            return [
                r[0]
                for r in conn.execute(
                    "select column_name from information_schema.columns where table_schema ="
                    " 'published' and table_name = %s order by ordinal_position",
                    [table],
                )
            ]

        allocation, approved = (
            columns("district_allocation"),
            columns("approved_district_allocation"),
        )
    assert "coverage" in allocation
    assert [c for c in approved if c in allocation] == allocation


def test_the_sample_s_devolutions_are_published_per_transfer(published_city) -> None:
    """The sample's boundary road moves from Xiangfang to Nangang on 1 May: the same amount
    + to one, - to the other, from Xiangfang's baseline; a devolution from the city has one row,
    the receiver's. Each district's rows add up to its devolved_yuan within their rounding."""
    with published_city.connect() as conn:
        rows = conn.execute(
            "select district_code, transfer_id, from_holder, to_holder, effective_date,"
            " decree_ref, amount_yuan from published.devolved_funding where as_of_date = %s",
            [AS_OF],
        ).fetchall()
        devolved = dict(
            conn.execute(
                "select district_code, devolved_yuan from published.district_allocation"
                " where as_of_date = %s",
                [AS_OF],
            ).fetchall()
        )
    between = [r for r in rows if r[2] != "city" and r[3] != "city"]
    assert {(r[0], r[2], r[3]) for r in between} == {
        ("230103", "230110", "230103"),
        ("230110", "230110", "230103"),
    }
    amounts = {r[0]: r[6] for r in between}
    assert amounts["230103"] == -amounts["230110"] > 0
    assert {r[4] for r in between} == {dt.date(2026, 5, 1)} and all(r[5] for r in between)
    from_city = [r for r in rows if r[2] == "city"]
    assert from_city and all(r[6] > 0 and r[3] == r[0] for r in from_city)
    for code, f in devolved.items():
        mine = [r[6] for r in rows if r[0] == code]
        assert abs(sum(mine) - f) <= Decimal("0.005") * (len(mine) + 1), code
