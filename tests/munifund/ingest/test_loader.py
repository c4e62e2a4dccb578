"""The loader against a real PostgreSQL: formats, lineage, partitions, and every kind of bad input
that sources.md names (a bad row is quarantined with file, line and column; the good rows of the
same file still load; an unreadable file is quarantined whole and the run goes on)."""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
from pathlib import Path

import openpyxl
import pytest
from deliveries import ASSETS_HEADER, D1, D2, D3, DISTRICTS, deliver, english, quarantine

from munifund.ingest.loader import ingest


def test_bad_rows_are_quarantined_by_line_and_column_and_good_rows_load(
    empty_warehouse, landing
) -> None:
    deliver(landing, "assets", D1, "assets.csv", ASSETS_HEADER
        + "A1,expressway,ok,230102,,,2020-01-01,\n"        # line 2 good
        + ",branch_road,no key,230102,,,2020-01-01,\n"     # line 3 missing key
        + "A3,branch_road,bad date,230102,,,2020-02-30,\n"  # line 4 unparseable date
        + "A4,branch_road,unknown district,239999,,,2020-01-01,\n"  # line 5
        + "A1,expressway,duplicate,230102,,,2020-01-01,\n"  # line 6 duplicate key in the delivery
        + "A6,spaceport,unknown class,230102,,,2020-01-01,\n"  # line 7
    )  # fmt: skip
    deliver(landing, "area_measurements", D1, "m.csv",
        "measurement_id,asset_id,work_type,quantity,unit,effective_from,verified,verified_by,verified_on\n"
        "M1,A1,sweeping,100.5,m2,2020-01-01,是,city,2020-01-02\n"      # good
        "M2,A1,sweeping,-3,m2,2020-01-01,true,,\n"                     # negative quantity
        "M3,A1,sweeping,1O0,m2,2020-01-01,true,,\n"                    # unparseable number
        "M4,A404,sweeping,10,m2,2020-01-01,true,,\n"                   # unknown asset
        "M5,A1,polishing,10,m2,2020-01-01,true,,\n"                    # unknown work type
    )  # fmt: skip
    deliver(landing, "kiosks", D1, "k.csv",
        "kiosk_id,district_code,street_code,kiosk_type,permit_no,area_m2,monthly_rate_yuan_per_m2,licensed_from,licensed_to\n"
        "K1,230102,,newsstand,P1,4,9.00,2026-01-01,\n")  # fmt: skip
    deliver(landing, "fee_collections", D1, "f.csv",
        "receipt_id,kiosk_id,district_code,paid_at,amount_yuan\n"
        "R1,K1,230102,2026-01-05T10:00:00,36.00\n"     # good
        "R2,K9,230102,2026-01-05T10:00:00,36.00\n"     # unknown kiosk
        "R3,K1,230102,2026-01-05T10:00:00,-1.00\n"     # negative amount
        "R4,K1,230102,2026-01-05T10:00:00,1.005\n"     # more than 2 decimals
        "R5,K1,230102,yesterday,5.00\n"                # unparseable timestamp
    )  # fmt: skip
    with empty_warehouse.connect() as conn:
        report = ingest(conn, landing, D1, "run-1")
        assert conn.execute("select asset_id from raw.assets").fetchall() == [("A1",)]
        assert conn.execute("select measurement_id from raw.area_measurements").fetchall() == [
            ("M1",)
        ]
        assert conn.execute("select receipt_id from raw.fee_collections").fetchall() == [("R1",)]
        assets = quarantine(conn, "assets")
        measurements = quarantine(conn, "area_measurements")
        fees = quarantine(conn, "fee_collections")
    assert report.rows_quarantined == 5 + 4 + 4
    assert ("assets.csv", 3, "asset_id", "missing value") in assets
    assert ("assets.csv", 4, "commissioned_on", "not a date (YYYY-MM-DD): 2020-02-30") in assets
    assert ("assets.csv", 5, "district_code", "unknown district: 239999") in assets
    assert (
        "assets.csv",
        6,
        "asset_id",
        "duplicate key in this delivery (first at line 2)",
    ) in assets
    assert ("assets.csv", 7, "asset_class", "unknown asset class: spaceport") in assets
    assert ("m.csv", 3, "quantity", "negative: -3") in measurements
    assert ("m.csv", 4, "quantity", "not a number: 1O0") in measurements
    assert ("m.csv", 5, "asset_id", "unknown asset: A404") in measurements
    assert ("m.csv", 6, "work_type", "unknown work type: polishing") in measurements
    assert ("f.csv", 3, "kiosk_id", "unknown kiosk: K9") in fees
    assert ("f.csv", 4, "amount_yuan", "negative: -1.00") in fees
    assert ("f.csv", 5, "amount_yuan", "more than 2 decimals: 1.005") in fees
    assert ("f.csv", 6, "paid_at", "not an ISO 8601 timestamp: yesterday") in fees


def test_the_raw_row_is_kept_in_quarantine(empty_warehouse, landing) -> None:
    deliver(landing, "assets", D1, "a.csv", ASSETS_HEADER + "A9,branch_road,x,230102,,,someday,\n")
    with empty_warehouse.connect() as conn:
        ingest(conn, landing, D1, "run-1")
        raw_row = conn.execute(
            "select raw_row from ops.quarantine where source = 'assets'"
        ).fetchone()[0]
    assert raw_row["asset_id"] == "A9" and raw_row["commissioned_on"] == "someday"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("notes.txt", "hello", "not a CSV or .xlsx file"),
        ("empty.csv", "", "empty file: no header row"),
        ("blank.csv", "\n\nA1,x\n", "no header row"),
        ("utf16.csv", codecs.BOM_UTF16_LE + "asset_id\nA1\n".encode("utf-16-le"), "UTF-16"),
        (
            "cut.csv",
            "asset_id,name\nA1,x\n",
            "missing required column(s): asset_class, district_code, commissioned_on",
        ),
        ("fake.xlsx", b"PK\x03\x04 not really a workbook", "not a readable .xlsx workbook"),
        ("binary.csv", b"asset_id\x00,asset_class\n\xff\xfe\xfa\x80\x81", "encoding is none of"),
    ],
)
def test_an_unreadable_file_is_quarantined_whole_and_the_run_goes_on(
    empty_warehouse, landing, name: str, content: str | bytes, reason: str
) -> None:
    deliver(landing, "assets", D1, name, content)
    deliver(
        landing,
        "assets",
        D1,
        "zz_good.csv",
        ASSETS_HEADER + "A1,expressway,ok,230102,,,2020-01-01,\n",
    )
    with empty_warehouse.connect() as conn:
        report = ingest(conn, landing, D1, "run-1")
        rows = quarantine(conn, "assets")
        loaded = conn.execute("select count(*) from raw.assets").fetchone()[0]
    assert loaded == 1
    assert len(rows) == 1
    file, line, column, problem = rows[0]
    assert (file, line, column) == (name, None, None)
    assert reason in problem
    assert [f.file for f in report.unreadable_files] == [name]


def test_gb18030_bom_and_xlsx_files_load_with_their_chinese_text(
    empty_warehouse, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    deliver(
        landing,
        "districts",
        D1,
        "d.csv",
        "district_code,name_zh,name_en\n230102,道里区,Daoli\n".encode("gb18030"),
    )
    deliver(
        landing,
        "street_offices",
        D1,
        "s.csv",
        codecs.BOM_UTF8 + "street_code,district_code,name_zh\n230102001,230102,兆麟街道\n".encode(),
    )
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([" District_Code ", "FISCAL_YEAR", "kiosk_fee_planned_yuan", "remark"])
    sheet.append(["230102", 2026, 1234.5, "备注"])
    folder = landing / "funding_plans" / D1.isoformat()
    folder.mkdir(parents=True)
    book.save(folder / "plans.xlsx")
    with empty_warehouse.connect() as conn:
        ingest(conn, landing, D1, "run-1")
        assert conn.execute("select name_zh from raw.districts").fetchone()[0] == "道里区"
        assert conn.execute("select name_zh from raw.street_offices").fetchone()[0] == "兆麟街道"
        plan = conn.execute(
            "select district_code, fiscal_year, kiosk_fee_planned_yuan, _extra, _line from raw.funding_plans"
        ).fetchone()
    assert plan == ("230102", "2026", "1234.5", {"remark": "备注"}, 2)


def test_lineage_partitions_and_idempotence(empty_warehouse, landing) -> None:
    deliver(
        landing, "assets", D1, "a.csv", ASSETS_HEADER + "A1,expressway,first,230102,,,2020-01-01,\n"
    )
    deliver(
        landing,
        "assets",
        D2,
        "a.csv",
        ASSETS_HEADER + "A1,expressway,corrected,230102,,,2020-01-01,\n",
    )
    deliver(
        landing, "assets", D3, "a.csv", ASSETS_HEADER + "A2,expressway,later,230103,,,2020-01-01,\n"
    )
    with empty_warehouse.connect() as conn:
        ingest(conn, landing, D2, "night-2")
        rows = conn.execute(
            "select asset_id, name, _partition_date, _file, _line, _run_id from raw.assets order by _partition_date"
        ).fetchall()
        # a run never takes a partition dated after its date
        assert rows == [
            ("A1", "first", D1, "a.csv", 2, "night-2"),
            ("A1", "corrected", D2, "a.csv", 2, "night-2"),
        ]
        again = ingest(conn, landing, D2, "night-2-rerun")
        assert again.files == []
        assert conn.execute("select count(*) from raw.assets").fetchone()[0] == 2


def _raw_snapshot(conn) -> list[tuple]:
    return conn.execute(
        "select asset_id, name, _partition_date, _file, _line from raw.assets"
        " union all select receipt_id, amount_yuan, _partition_date, _file, _line from raw.fee_collections"
        " order by 1, 3"
    ).fetchall()


def test_a_catch_up_run_equals_the_nightly_sequence(empty_warehouse, landing) -> None:
    deliver(
        landing, "assets", D2, "a.csv", ASSETS_HEADER + "A1,expressway,x,230102,,,2020-01-01,\n"
    )
    deliver(landing, "kiosks", D2, "k.csv",
        "kiosk_id,district_code,street_code,kiosk_type,permit_no,area_m2,monthly_rate_yuan_per_m2,licensed_from,licensed_to\n"
        "K1,230102,,newsstand,P1,4,9.00,2026-01-01,\n")  # fmt: skip
    deliver(
        landing,
        "fee_collections",
        D2,
        "f.csv",
        "receipt_id,kiosk_id,district_code,paid_at,amount_yuan\nR1,K1,230102,2026-02-01T10:00,36.00\n",
    )
    deliver(
        landing,
        "fee_collections",
        D3,
        "f.csv",
        "receipt_id,kiosk_id,district_code,paid_at,amount_yuan\nR1,K1,230102,2026-02-01T10:00,35.00\nR2,K7,230102,2026-03-01T10:00,1.00\n",
    )
    with empty_warehouse.connect() as conn:
        for night in (D1, D2, D3):
            ingest(conn, landing, night, f"night-{night}")
        nightly = _raw_snapshot(conn)
        nightly_quarantine = quarantine(conn, "fee_collections")
        conn.execute(
            "truncate raw.assets, raw.kiosks, raw.fee_collections, raw.districts, ops.partitions_taken, ops.quarantine"
        )
        conn.commit()
        ingest(conn, landing, D3, "catch-up")
        assert _raw_snapshot(conn) == nightly
        assert (
            quarantine(conn, "fee_collections")
            == nightly_quarantine
            == [("f.csv", 3, "kiosk_id", "unknown kiosk: K7")]
        )


def test_a_redelivered_file_with_other_content_replaces_its_rows(empty_warehouse, landing) -> None:
    deliver(
        landing, "assets", D1, "a.csv", ASSETS_HEADER + "A1,expressway,old,230102,,,2020-01-01,\n"
    )
    with empty_warehouse.connect() as conn:
        ingest(conn, landing, D1, "run-1")
        deliver(
            landing,
            "assets",
            D1,
            "a.csv",
            ASSETS_HEADER + "A1,expressway,new,230102,,,2020-01-01,\n",
        )
        ingest(conn, landing, D1, "run-2")
        assert conn.execute("select name, _run_id from raw.assets").fetchall() == [("new", "run-2")]


def test_a_source_missing_on_its_date_is_not_an_error(empty_warehouse, tmp_path: Path) -> None:
    with empty_warehouse.connect() as conn:
        report = ingest(conn, tmp_path / "nothing-delivered", D1, "run-1")
        assert report.files == []
        # every raw table exists all the same, so staging can read it
        assert conn.execute("select count(*) from raw.work_orders").fetchone()[0] == 0


def test_source_ages_are_reported_as_of_the_run_date(empty_warehouse, landing) -> None:
    from munifund.ingest.freshness import source_ages, stale_sources

    deliver(
        landing,
        "work_orders",
        D1,
        "w.csv",
        "case_id,district_code,street_code,category,reported_at,deadline_at,closed_at\n",
    )
    with empty_warehouse.connect() as conn:
        ingest(conn, landing, D3, "run-1")
        ages = source_ages(conn, D3)
    assert ages["districts"] == ages["work_orders"] == (D3 - D1).days
    assert ages["fee_collections"] is None
    # reference data may be old; a monthly source past 45 days, or never delivered, is stale
    assert stale_sources(ages) == {
        "work_orders": 59,
        "fee_collections": None,
        "expenditures": None,
        "disbursements": None,
    }


def test_ragged_lines_and_quoted_line_breaks_are_numbered_by_physical_line(
    empty_warehouse, landing
) -> None:
    """The server-side CSV path refuses a ragged line and cannot number lines inside quotes:
    such files take the streaming path, which names the physical line."""
    deliver(landing, "assets", D1, "ragged.csv", ASSETS_HEADER
        + "A1,expressway,ok,230102,,,2020-01-01,\n"
        + "A2,back_lane,short,230103\n")  # fmt: skip
    deliver(landing, "assets", D1, "quoted.csv", ASSETS_HEADER
        + 'A3,courtyard,"two\nlines",230102,,,2020-01-01,\n'
        + "A4,courtyard,bad,230102,,,not-a-date,\n")  # fmt: skip
    with empty_warehouse.connect() as conn:
        ingest(conn, landing, D1, "run-1")
        rows = quarantine(conn, "assets")
        names = dict(conn.execute("select asset_id, name from raw.assets").fetchall())
    assert ("ragged.csv", 3, "*", "has 4 fields, the header has 8") in rows
    assert ("quoted.csv", 4, "commissioned_on", "not a date (YYYY-MM-DD): not-a-date") in rows
    assert names == {"A1": "ok", "A3": "two\nlines"}


def test_an_incentive_share_outside_its_bounds_is_quarantined(empty_warehouse, landing) -> None:
    deliver(landing, "budget_pools", D1, "p.csv", "fiscal_year,pool_yuan,incentive_share\n"
        "2024,100.00,0.1\n2025,100.00,0.51\n2026,100.00,0.12345\n2027,100.00,-0.1\n")  # fmt: skip
    with empty_warehouse.connect() as conn:
        ingest(conn, landing, D1, "run-1")
        rows = quarantine(conn, "budget_pools")
        loaded = conn.execute("select fiscal_year from raw.budget_pools").fetchall()
    assert loaded == [("2024",)]
    assert [(line, problem) for _, line, _, problem in rows] == [
        (3, "incentive share above 0.5: 0.51"),
        (4, "more than 4 decimals: 0.12345"),
        (5, "negative: -0.1"),
    ]


def _fee_file(rows: list[str]) -> str:
    return "receipt_id,kiosk_id,district_code,paid_at,amount_yuan\n" + "".join(
        r + "\n" for r in rows
    )


KIOSKS = (
    "kiosk_id,district_code,street_code,kiosk_type,permit_no,area_m2,monthly_rate_yuan_per_m2,"
    "licensed_from,licensed_to\nK1,230102,,newsstand,P1,4,9.00,2026-01-01,\n"
)


def test_the_fast_and_the_streaming_path_load_and_quarantine_alike(
    empty_warehouse, landing, monkeypatch
) -> None:
    """A plain CSV goes to the server as bytes, in blocks checked by polars; the same rows with
    one field quoted take the streaming path. Small blocks put bad rows and repeated keys in
    different blocks; both paths must load the same rows and quarantine the same lines."""
    from munifund.ingest import fast_copy, streaming

    monkeypatch.setattr(fast_copy, "BATCH_BYTES", 1024)
    monkeypatch.setattr(streaming, "BATCH_ROWS", 17)
    rows = [f"R{i},K1,230102,2026-01-05T10:{i % 60:02d}:00,{i}.50" for i in range(400)]
    rows[10] = "R10,K1,230102,2026-02-30T10:00:00,1.00"  # bad date; its key repeats later
    rows[55] = "R55,K9,230102,2026-01-05T10:00:00,1.00"  # unknown kiosk
    rows[300] = "R3,K1,230102,2026-01-05T10:00:00,2.00"  # repeats line 5's key
    rows[350] = "R10,K1,230102,2026-01-05T10:00:00,3.00"  # repeats a bad line's key
    rows[399] = ",K1,230102,2026-01-05T10:00:00,3.00"  # no key
    deliver(landing, "kiosks", D1, "k.csv", KIOSKS)
    deliver(landing, "fee_collections", D1, "plain.csv", _fee_file(rows))
    quoted = rows.copy()
    quoted[0] = 'R0,"K1",230102,2026-01-05T10:00:00,0.50'
    deliver(landing, "fee_collections", D2, "quoted.csv", _fee_file(quoted))
    with empty_warehouse.connect() as conn:
        report = ingest(conn, landing, D2, "run-1")
        loaded = {
            day: conn.execute(
                "select _line, receipt_id, amount_yuan from raw.fee_collections"
                " where _partition_date = %s order by _line",
                [day],
            ).fetchall()
            for day in (D1, D2)
        }
        problems = {
            day: english(
                conn.execute(
                    "select line, column_name, problem from ops.quarantine"
                    " where source = 'fee_collections' and partition_date = %s order by 1, 2",
                    [day],
                ).fetchall()
            )
            for day in (D1, D2)
        }
        raw_row = conn.execute(
            "select raw_row from ops.quarantine where partition_date = %s and line = 57", [D1]
        ).fetchone()[0]
    assert loaded[D1] == loaded[D2]
    assert (
        problems[D1]
        == problems[D2]
        == [
            (12, "paid_at", "not an ISO 8601 timestamp: 2026-02-30T10:00:00"),
            (57, "kiosk_id", "unknown kiosk: K9"),
            (302, "receipt_id", "duplicate key in this delivery (first at line 5)"),
            (352, "receipt_id", "duplicate key in this delivery (first at line 12)"),
            (401, "receipt_id", "missing value"),
        ]
    )
    assert len(loaded[D1]) == 395 and loaded[D1][0] == (2, "R0", "0.50")
    assert [f.rows_loaded for f in report.files if f.source == "fee_collections"] == [395, 395]
    assert raw_row == {
        "receipt_id": "R55", "kiosk_id": "K9", "district_code": "230102",
        "paid_at": "2026-01-05T10:00:00", "amount_yuan": "1.00",
    }  # fmt: skip


def test_values_with_spaces_blank_lines_and_crlf_load_as_the_contract_says(
    empty_warehouse, landing
) -> None:
    deliver(landing, "kiosks", D1, "k.csv", KIOSKS)
    # spaces around values: trimmed, whatever the path (the fast one hands over to Python)
    deliver(landing, "fee_collections", D1, "spaces.csv",
            _fee_file(["S1, K1 ,230102,2026-01-05T10:00:00, 1.00", "S2,K1,230102,2026-01-05T10:00:00,\u30002.00"]))  # fmt: skip
    # Windows line ends, and a blank line in the middle: lines keep their physical numbers
    deliver(landing, "fee_collections", D1, "crlf.csv",
            _fee_file(["C1,K1,230102,2026-01-05T10:00:00,1.00", "C2,K1,230102,2026-01-05T10:00:00,-1.00"]).replace("\n", "\r\n"))  # fmt: skip
    deliver(landing, "fee_collections", D1, "blank.csv",
            _fee_file(["B1,K1,230102,2026-01-05T10:00:00,1.00", "", "B3,K9,230102,2026-01-05T10:00:00,1.00", "B4,K1,230102,2026-01-05T10:00:00,4.00"]))  # fmt: skip
    with empty_warehouse.connect() as conn:
        ingest(conn, landing, D1, "run-1")
        rows = conn.execute(
            "select _file, _line, receipt_id, kiosk_id, amount_yuan from raw.fee_collections"
            " order by 1, 2"
        ).fetchall()
        problems = quarantine(conn, "fee_collections")
    assert rows == [
        ("blank.csv", 2, "B1", "K1", "1.00"),
        ("blank.csv", 5, "B4", "K1", "4.00"),
        ("crlf.csv", 2, "C1", "K1", "1.00"),
        ("spaces.csv", 2, "S1", "K1", "1.00"),
        ("spaces.csv", 3, "S2", "K1", "2.00"),
    ]
    assert problems == [
        ("crlf.csv", 3, "amount_yuan", "negative: -1.00"),
        ("blank.csv", 4, "kiosk_id", "unknown kiosk: K9"),
    ]


def test_a_file_unchanged_since_it_was_taken_is_not_read_again(
    empty_warehouse, landing, monkeypatch
) -> None:
    import os

    from munifund.ingest import loader

    path = deliver(
        landing, "assets", D1, "a.csv", ASSETS_HEADER + "A1,expressway,x,230102,,,2020-01-01,\n"
    )
    with empty_warehouse.connect() as conn:
        ingest(conn, landing, D1, "run-1")
        hashed: list[str] = []
        real_survey = loader.survey
        monkeypatch.setattr(
            loader, "survey", lambda p, *a: hashed.append(p.name) or real_survey(p, *a)
        )
        assert ingest(conn, landing, D1, "run-2").files == []
        assert hashed == []  # same size and time: not even hashed
        os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 60))
        assert ingest(conn, landing, D1, "run-3").files == []  # touched, same bytes
        assert hashed == ["a.csv"]
        assert conn.execute("select _run_id from raw.assets").fetchall() == [("run-1",)]


def test_a_landing_area_on_an_object_store_loads_the_same(empty_warehouse, fast_loads) -> None:
    """Through Airflow's ObjectStoragePath on fsspec's in-memory store, which stands for s3://:
    a CSV is copied to a local temporary file for the fast path; an xlsx streams; the store
    keeps no modification time, so every file is hashed to tell a re-delivery."""
    import fsspec
    from airflow.sdk import ObjectStoragePath
    from airflow.sdk.io import attach

    attach(protocol="memory", fs=fsspec.filesystem("memory"))
    root = ObjectStoragePath("memory://landing-test")

    def put(source: str, day: dt.date, name: str, content: bytes) -> None:
        target = root / source / day.isoformat() / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as handle:
            handle.write(content)

    put("districts", D1, "d.csv", DISTRICTS.encode())
    put("kiosks", D1, "k.csv", KIOSKS.encode())
    put("fee_collections", D1, "f.csv", _fee_file([
        "R1,K1,230102,2026-01-05T10:00:00,36.00", "R2,K9,230102,2026-01-05T10:00:00,1.00",
    ]).encode())  # fmt: skip
    with empty_warehouse.connect() as conn:
        report = ingest(conn, root, D1, "run-1")
        assert conn.execute("select receipt_id from raw.fee_collections").fetchall() == [("R1",)]
        assert quarantine(conn, "fee_collections") == [
            ("f.csv", 3, "kiosk_id", "unknown kiosk: K9")
        ]
        assert ingest(conn, root, D1, "run-2").files == []
        put(
            "fee_collections",
            D1,
            "f.csv",
            _fee_file(
                [
                    "R1,K1,230102,2026-01-05T10:00:00,35.00",
                    "R2,K9,230102,2026-01-05T10:00:00,1.00",
                ]
            ).encode(),
        )  # fmt: skip  (same size, other bytes)
        assert [f.file for f in ingest(conn, root, D1, "run-3").files] == ["f.csv"]
        assert conn.execute("select amount_yuan from raw.fee_collections").fetchall() == [
            ("35.00",)
        ]
    assert report.rows_loaded == 2 + 1 + 1
    assert fast_loads == [2, 1, 1, 1]  # districts, kiosks, fees, the re-delivered fees
    fsspec.filesystem("memory").rm("/landing-test", recursive=True)


def test_a_gb18030_csv_takes_the_fast_path_through_a_utf8_copy(
    empty_warehouse, tmp_path: Path, fast_loads
) -> None:
    content = "district_code,name_zh,name_en\n230102,道里区,Daoli\n,南岗区,Nangang\n230104,道外区,Daowai\n"
    path = deliver(tmp_path / "landing", "districts", D1, "d.csv", content.encode("gb18030"))
    with empty_warehouse.connect() as conn:
        ingest(conn, tmp_path / "landing", D1, "run-1")
        names = conn.execute("select _line, name_zh from raw.districts order by 1").fetchall()
        problem = english(
            conn.execute(
                "select line, column_name, problem, raw_row from ops.quarantine"
            ).fetchone(),
            at=2,
        )
        taken = conn.execute("select fingerprint from ops.partitions_taken").fetchone()[0]
    assert fast_loads == [2]  # the survey found GB18030: its UTF-8 copy loads
    assert names == [(2, "道里区"), (4, "道外区")]
    assert problem == (3, "district_code", "missing value", {
        "district_code": None, "name_zh": "南岗区", "name_en": "Nangang"})  # fmt: skip
    assert taken == hashlib.sha256(path.read_bytes()).hexdigest()  # the file's, not the copy's
