"""The review pack follows the bureau's decision: after `munifund review approve|reject|revoke`
the files on disk say the decision (status, decider, time), and the page as served reads it live
even from a page written before it.

A run of fiscal year 2033 of its own (two districts), its pack written where the commands and
the served pages look for it ($MUNIFUND_HOME/reviews)."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import psycopg
import pytest
from published_seed import published_rows
from reviewers import PASSWORD, ensure_reviewer
from typer.testing import CliRunner

from munifund.cli import app
from munifund.config import load_settings
from munifund.review.pack import write_review_pack
from munifund.warehouse import Warehouse

FISCAL_YEAR = 2033
AS_OF = dt.date(2033, 3, 31)
RUN_ID = "manual__2033-03-31T00:00:00+00:00"
#: an earlier run of the same date, whose rows RUN_ID replaced
REPLACED_RUN_ID = "manual__2033-03-31T00:00:00+00:00-first"


def _allocation(conn: psycopg.Connection, year: int, as_of: dt.date, run_id: str) -> None:
    """Two districts' allocation published by ``run_id``."""
    for code, name, total in (("230102", "道里区", "1000.00"), ("230103", "南岗区", "2000.00")):
        conn.execute(
            "insert into published.district_allocation (fiscal_year, as_of_date, run_id,"
            " district_code, name_zh, standard_cost_yuan, share, base_yuan, cases_due,"
            " cases_on_time, own_investment_yuan, incentive_share_of_pool, incentive_yuan,"
            " total_yuan, pool_yuan, base_pool_yuan, incentive_pool_yuan, incentive_share,"
            " incentive_fell_back, incentive_basis)"
            " values (%s, %s, %s, %s, %s, %s, 0.5, %s, 0, 0, 0, 0, 0, %s, 3000, 3000, 0,"
            " 0, false, 'level')",
            [year, as_of, run_id, code, name, total, total, total],
        )


def _seed(conn: psycopg.Connection) -> None:
    conn.execute(
        "insert into ops.allocation_runs (run_id, as_of_date, fiscal_year, input_fingerprints,"
        " dbt_version, airflow_version, row_counts, started_by, published_at)"
        " values (%s, %s, %s, '[]', '1.11', '3.3', '{}', 'alice', %s)",
        [REPLACED_RUN_ID, AS_OF, FISCAL_YEAR, dt.datetime(2033, 4, 1, tzinfo=dt.UTC)],
    )
    conn.execute(
        "insert into ops.allocation_runs (run_id, as_of_date, fiscal_year, input_fingerprints,"
        " dbt_version, airflow_version, row_counts, started_by, published_at)"
        " values (%s, %s, %s, '[]', '1.11', '3.3', '{}', 'alice', %s)",
        [RUN_ID, AS_OF, FISCAL_YEAR, dt.datetime(2033, 4, 1, 1, tzinfo=dt.UTC)],
    )
    _allocation(conn, FISCAL_YEAR, AS_OF, RUN_ID)
    conn.execute(
        "update ops.allocation_runs set superseded_by_run_id = %s where run_id = %s",
        [RUN_ID, REPLACED_RUN_ID],
    )


@pytest.fixture(scope="module")
def pack(warehouse: Warehouse) -> Iterator[Path]:
    with published_rows(warehouse, FISCAL_YEAR, [RUN_ID, REPLACED_RUN_ID], _seed):
        with warehouse.connect() as conn:
            folder = write_review_pack(conn, AS_OF, load_settings().reviews_dir)
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture()
def cli(warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("MUNIFUND_REVIEWER_PASSWORD", PASSWORD)
    for name in ("bob", "carol"):
        ensure_reviewer(warehouse, name)
    return CliRunner()


def _status(page: str) -> str:
    block = re.search(r'<div [^>]*id="review-status".*?</div>', page, re.DOTALL)
    assert block, "the page has no status block"
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", block.group(0))))


def _summary(folder: Path) -> dict[str, object]:
    ws = openpyxl.load_workbook(folder / "review.xlsx")["review 审核"]
    return {r[0].value: r[1].value for r in ws.iter_rows(min_row=2)}


def _public(warehouse: Warehouse) -> bool:
    from munifund.review.status import approved_as_of_dates

    with warehouse.connect() as conn:
        return AS_OF in approved_as_of_dates(conn)


def test_the_files_and_the_served_page_follow_each_decision(
    pack: Path, cli: CliRunner, warehouse: Warehouse
) -> None:
    from munifund.web.app import page_with_live_status

    assert not _public(warehouse)  # a draft's assessment results are not the public's

    written = (pack / "review.html").read_text(encoding="utf-8")
    assert "草稿，待审核 / Draft, awaiting review" in _status(written)
    assert _summary(pack)["审核状态 / Review status"].endswith("(draft)")
    stale = pack.parent / "stale-review.html"
    stale.write_text(written, encoding="utf-8")
    try:
        approved = cli.invoke(app, ["review", "approve", "--run", RUN_ID, "--by", "bob"])
        assert approved.exit_code == 0, approved.output
        assert f"review pack rewritten: {pack}" in approved.stdout
        decision = int(re.search(r"decision (\d+)", approved.stdout).group(1))
        for page in (
            (pack / "review.html").read_text(encoding="utf-8"),  # the file, rewritten
            page_with_live_status(stale),  # a page written before, as served
        ):
            status = _status(page)
            assert "已批准 / Approved" in status and "草稿" not in status
            assert "decided by bob" in status and "(Asia/Shanghai)" in status
            assert f"--revokes {decision}" in status and "review approve" not in status
        summary = _summary(pack)
        assert summary["审核状态 / Review status"] == "已批准 / Approved (approved)"
        assert summary["审核人 / Reviewer"] == "bob"
        assert isinstance(summary["审核时间 / Reviewed at"], dt.datetime)
        assert _public(warehouse)

        revoked = cli.invoke(
            app,
            ["review", "revoke", "--run", RUN_ID, "--by", "carol", "--revokes", str(decision),
             "--comment", "口径有误"],
        )  # fmt: skip
        assert revoked.exit_code == 0, revoked.output
        for page in (
            (pack / "review.html").read_text(encoding="utf-8"),
            page_with_live_status(stale),
        ):
            status = _status(page)
            assert "已撤销，重回草稿 / Revoked: a draft again" in status
            assert "decided by carol" in status and "口径有误" in status
            assert f"review approve --run {RUN_ID}" in status  # it can be decided again
        assert _summary(pack)["审核人 / Reviewer"] == "carol"
        assert not _public(warehouse)  # revoked: off the public page again
    finally:
        stale.unlink()


def _listed(output: str) -> dict[str, list[str]]:
    return {line.split()[1]: line.split() for line in output.splitlines() if "2033-03-31 " in line}


def test_review_list_reads_each_run_s_status_from_the_warehouse(pack: Path, cli: CliRunner) -> None:
    from rich.cells import cell_len
    from rich.console import Console

    from munifund.review.run_list import read_runs, runs_table
    from munifund.warehouse import open_warehouse

    # after the test above: RUN_ID approved by bob, then revoked by carol
    listed = cli.invoke(app, ["review", "list", "--year", str(FISCAL_YEAR)])
    assert listed.exit_code == 0, listed.output
    assert "截止日" in listed.stdout and "As-of" in listed.stdout and "Decided by" in listed.stdout
    rows = _listed(listed.stdout)
    assert rows[RUN_ID][:3] == ["2033-03-31", RUN_ID, "revoked"] and "carol" in rows[RUN_ID]
    assert rows[REPLACED_RUN_ID][2:] == ["superseded"]  # never decided: no decider, not in force

    approved = cli.invoke(app, ["review", "approve", "--run", RUN_ID, "--by", "bob"])
    assert approved.exit_code == 0, approved.output
    rows = _listed(cli.invoke(app, ["review", "list", "--year", str(FISCAL_YEAR)]).stdout)
    assert rows[RUN_ID][2:5] == ["approved", "✓", "bob"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", rows[RUN_ID][5])
    assert "2033-03-31" not in cli.invoke(app, ["review", "list", "--year", "2034"]).stdout

    with open_warehouse().connect() as conn:
        runs = read_runs(conn, FISCAL_YEAR)
    screen = Console(width=80, record=True, file=io.StringIO())
    screen.print(runs_table(runs, FISCAL_YEAR))
    text = screen.export_text()
    print(text)
    assert max(cell_len(line) for line in text.splitlines()) <= 80  # a CJK character is 2
    assert "approved" in text and "superseded" in text and "2033-03-31" in text
    assert re.search(r"bob +\d{4}-\d{2}-\d{2} *\n", text)  # the decision's date whole


def test_a_rerun_of_an_approved_date_says_what_it_supersedes(warehouse: Warehouse) -> None:
    """`munifund run --date D` again after D's run was approved: the screen names the approved
    run, its decider, and that the plan in force stays it until the new run is approved."""
    from rich.console import Console

    from munifund.review.decisions import record_decision
    from munifund.runner.nightly import say_what_it_supersedes

    year, as_of = 2034, dt.date(2034, 5, 31)
    first, again = "manual__2034-05-31T00:00:00+00:00", "manual__2034-05-31T09:00:00+00:00"

    def seed(conn: psycopg.Connection) -> None:
        conn.execute(
            "insert into ops.allocation_runs (run_id, as_of_date, fiscal_year,"
            " input_fingerprints, dbt_version, airflow_version, row_counts, started_by)"
            " values (%s, %s, %s, '[]', '1.11', '3.3', '{}', 'alice')",
            [first, as_of, year],
        )
        _allocation(conn, year, as_of, first)

    with published_rows(warehouse, year, [first, again], seed):
        with warehouse.connect() as conn:
            approval = record_decision(conn, first, "approved", "bob", None)
            # the re-run publishes as publication does: it names the run whose rows it replaced
            conn.execute(
                "insert into ops.allocation_runs (run_id, as_of_date, fiscal_year,"
                " input_fingerprints, dbt_version, airflow_version, row_counts, started_by)"
                " values (%s, %s, %s, '[]', '1.11', '3.3', '{}', 'alice')",
                [again, as_of, year],
            )
            conn.execute(
                "update ops.allocation_runs set superseded_by_run_id = %s where run_id = %s",
                [again, first],
            )
            screen = Console(width=100, record=True, file=io.StringIO())
            say_what_it_supersedes(conn, again, screen)
            say_what_it_supersedes(conn, first, screen)  # supersedes nothing: says nothing
    text = " ".join(screen.export_text().split())
    assert text.startswith(f"this run supersedes run {first} of the same date, approved by bob")
    assert f"(decision {approval.decision_id})" in text
    assert "the plan in force (下达) stays the approved one" in text
    assert f"until this run is approved (munifund review approve --run {again} --by NAME)" in text
    assert text.count("supersedes") == 1
