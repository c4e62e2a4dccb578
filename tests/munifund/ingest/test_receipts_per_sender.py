"""Receipts per sender (issue 27 item 3): after a load, each district and department gets what
the run took of its deliveries, read back from the warehouse: files, rows loaded, rows refused
with line, column, reason and the raw value. A hostile value stays text in the page and the
workbook."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from deliveries import D1, deliver
from openpyxl import load_workbook

from munifund.ingest.loader import ingest
from munifund.ingest.receipt_files import receipt_stem, write_receipt
from munifund.ingest.receipts import run_receipts
from munifund.ingest.senders import CITY_MANAGEMENT, FINANCE, SOURCE_DEPARTMENTS, sender_of

RUN = "manual__2026-01-01T02:00:00+08:00"
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ORDERS = "case_id,district_code,street_code,category,reported_at,deadline_at,closed_at\n"


@pytest.fixture()
def taken(empty_warehouse, landing: Path):
    deliver(landing, "work_orders", D1, "orders.csv", ORDERS
            + "C1,230102,,component,2026-01-02T08:00,2026-01-03T08:00,\n"
            + f"C2,230102,,component,{HOSTILE},2026-01-03T08:00,\n"
            + "C3,230103,,event,2026-01-02T08:00,2026-01-03T08:00,\n"
            + "C4,239999,,event,03/04/2026,2026-01-03T08:00,\n"
            + "C5,230103,,event,2026-01-02T08:00,=HYPERLINK(\"http://x\"),\n")  # fmt: skip
    deliver(landing, "budget_pools", D1, "pool.pdf", "not a table")
    with empty_warehouse.connect() as conn:
        ingest(conn, landing, D1, RUN)
        receipts = {r.sender: r for r in run_receipts(conn, D1, RUN)}
    return receipts


def test_every_sender_gets_what_the_warehouse_holds_of_its_deliveries(taken) -> None:
    assert set(taken) == {"230102", "230103", CITY_MANAGEMENT.code, FINANCE.code}
    daoli = taken["230102"]
    assert (daoli.name_zh, daoli.name_en) == ("道里区", "Daoli")
    assert [(f.path, f.rows_loaded, f.rows_refused) for f in daoli.files] == [
        ("work_orders/2026-01-01/orders.csv", 1, 1)
    ]
    [refusal] = daoli.refusals
    assert (refusal.line, refusal.column, refusal.value) == (3, "reported_at", HOSTILE)
    assert refusal.reason == "时间无法识别 / not an ISO 8601 timestamp: " + HOSTILE
    nangang = taken["230103"]
    assert [(f.rows_loaded, f.rows_refused) for f in nangang.files] == [(1, 1)]
    # a row naming no valid district is the department's that delivers the source
    city = taken[CITY_MANAGEMENT.code]
    assert [(r.line, r.column, r.value) for r in city.refusals] == [
        (5, "district_code", "239999"),
        (5, "reported_at", "03/04/2026"),
    ]
    assert [(f.path, f.rows_loaded, f.rows_refused) for f in city.files] == [
        ("districts/2026-01-01/districts.csv", 2, 0),  # reference data: the department's
        ("work_orders/2026-01-01/orders.csv", 0, 1),
    ]
    assert city.refusals[0].reason.startswith("引用的记录不存在 / unknown district: 239999")
    # a file that cannot be read at all: its department, refused whole with the reason
    [pool] = taken[FINANCE.code].files
    assert pool.path == "budget_pools/2026-01-01/pool.pdf"
    assert pool.refused_whole is not None
    assert pool.refused_whole.startswith("文件未载入（不是 CSV 或 .xlsx 文件） / file not loaded")


def test_a_receipt_escapes_every_delivered_value(taken, tmp_path: Path) -> None:
    files = write_receipt(taken["230102"], tmp_path)
    assert files.html == (
        tmp_path / "receipts" / "2026-01-01" / "230102" / f"{receipt_stem(RUN)}.html"
    )
    page = files.html.read_text("utf-8")
    assert "<script" not in page and "<img" not in page and "onerror=alert(1)>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert page.index("时间无法识别") < page.index("not an ISO 8601 timestamp")  # Chinese first
    assert "载入行数 / Rows loaded" in page and "work_orders/2026-01-01/orders.csv" in page
    sheet = load_workbook(io.BytesIO(files.xlsx.read_bytes()))["拒收 Refused"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:3] == ("work_orders/2026-01-01/orders.csv", 3, "reported_at")
    assert rows[1][4] == HOSTILE


def test_a_formula_in_a_delivered_value_stays_text_in_the_workbook(taken, tmp_path: Path) -> None:
    files = write_receipt(taken["230103"], tmp_path)
    sheet = load_workbook(io.BytesIO(files.xlsx.read_bytes()))["拒收 Refused"]
    cell = sheet.cell(row=2, column=5)
    assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s"


def test_a_long_value_is_cut_in_the_receipt(empty_warehouse, landing: Path) -> None:
    deliver(landing, "work_orders", D1, "o.csv", ORDERS
            + f"C1,230102,,component,{'9' * 5000},2026-01-03T08:00,\n")  # fmt: skip
    with empty_warehouse.connect() as conn:
        ingest(conn, landing, D1, RUN)
        receipts = {r.sender: r for r in run_receipts(conn, D1, RUN)}
    [refusal] = receipts["230102"].refusals
    assert len(refusal.value) == 200 and refusal.value_length == 5000


def test_every_source_has_a_department_and_rows_name_their_district() -> None:
    from munifund.ingest.contracts import CONTRACTS

    assert {c.name for c in CONTRACTS} == set(SOURCE_DEPARTMENTS)
    known = {"230102", "../x"}
    assert sender_of("work_orders", " 230102 ", known) == "230102"
    assert sender_of("work_orders", "../x", known) == CITY_MANAGEMENT.code  # no folder name
    assert sender_of("work_orders", None, known) == CITY_MANAGEMENT.code
    assert sender_of("street_offices", "230102", known) == CITY_MANAGEMENT.code  # reference
    assert sender_of("disbursements", "230102", known) == "230102"
    assert sender_of("budget_pools", None, known) == FINANCE.code


def test_a_file_of_many_bad_rows_lists_the_first_and_counts_them_all(
    empty_warehouse, landing: Path, tmp_path: Path, monkeypatch
) -> None:
    from munifund.ingest import receipts

    monkeypatch.setattr(receipts, "REFUSALS_LISTED", 2)
    deliver(landing, "work_orders", D1, "o.csv", ORDERS + "".join(
        f"C{i},230102,,event,soon,2026-01-03T08:00,\n" for i in range(5)))  # fmt: skip
    with empty_warehouse.connect() as conn:
        ingest(conn, landing, D1, RUN)
        daoli = {r.sender: r for r in run_receipts(conn, D1, RUN)}["230102"]
    assert daoli.rows_refused == 5
    assert [r.line for r in daoli.refusals] == [2, 3]
    page = write_receipt(daoli, tmp_path).html.read_text("utf-8")
    assert "the counts are all" in page


def test_a_receipt_that_cannot_be_written_fails_nothing(
    empty_warehouse, landing: Path, monkeypatch
) -> None:
    from munifund import tasks
    from munifund.ingest import receipt_files

    deliver(landing, "work_orders", D1, "o.csv", ORDERS + "C1,230102,,event,soon,2026-01-03,\n")
    with empty_warehouse.connect() as conn:
        ingest(conn, landing, D1, RUN)

    def full(receipt, home):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(receipt_files, "write_receipt", full)
    result = tasks.receipts_task(D1.isoformat(), RUN, {})
    assert set(result["unwritten"]) == {"230102", CITY_MANAGEMENT.code}
    assert result["receipts"] == {} and result["mailed"] == []


def test_a_note_on_a_file_that_loaded_is_no_whole_file_refusal(
    empty_warehouse, landing: Path
) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(ORDERS.strip().split(","))
    workbook.active.append(["C1", "230102", None, "event", "2026-01-02T08:00", "2026-01-03T08:00"])
    workbook.create_sheet("其他").append(["more", "data"])
    path = landing / "work_orders" / D1.isoformat() / "o.xlsx"
    path.parent.mkdir(parents=True)
    workbook.save(path)
    with empty_warehouse.connect() as conn:
        ingest(conn, landing, D1, RUN)
        receipts = {r.sender: r for r in run_receipts(conn, D1, RUN)}
    assert [(f.rows_loaded, f.refused_whole) for f in receipts["230102"].files] == [(1, None)]
    city = receipts[CITY_MANAGEMENT.code]
    note = next(f for f in city.files if f.file == "o.xlsx")
    assert note.refused_whole is None and note.rows_loaded == 0
    [refusal] = [r for r in city.refusals if r.file == "o.xlsx"]
    assert refusal.line is None and refusal.reason.startswith("其他工作表未读取 / sheet(s) '其他'")
