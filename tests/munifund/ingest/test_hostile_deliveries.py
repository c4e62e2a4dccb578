"""Hostile deliveries against a real PostgreSQL: each test makes the input and asserts what is
quarantined, with which reason, and what still loads (sources.md, "Bad input": nothing is lost,
nothing wrong is published, the run goes on)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile
from pathlib import Path

import openpyxl
from deliveries import ASSETS_HEADER, D1, D2, D3, deliver, english, quarantine

from munifund.ingest import landing as landing_module
from munifund.ingest.loader import ingest

EXPENDITURES_HEADER = (
    "voucher_id,district_code,fiscal_year,paid_at,amount_yuan,funding_source,purpose_code\n"
)
A_GOOD = ASSETS_HEADER + "A1,expressway,ok,230102,,,2020-01-01,\n"


def issues(conn) -> set[tuple]:
    """The file- and folder-level rows of the quarantine, as analysts see them."""
    return set(
        conn.execute(
            "select source, partition_date, file, problem from published.data_quality_issues"
            " where line is null"
        ).fetchall()
    )


def expenditures(conn) -> tuple[list, list]:
    """The vouchers loaded (file, line, voucher, amount) and the quarantine's rows of them."""
    loaded = conn.execute(
        "select _file, _line, voucher_id, amount_yuan from raw.expenditures order by 1, 2"
    ).fetchall()
    rows = quarantine(conn, "expenditures")
    return loaded, sorted(rows, key=lambda r: (r[0], r[1] or 0, r[2] or ""))  # file first


def quarantined_rows(conn) -> int:
    return conn.execute("select count(*) from ops.quarantine").fetchone()[0]


def test_a_partition_folder_that_is_no_date_is_quarantined_and_the_run_goes_on(
    empty_warehouse, landing
) -> None:
    good = EXPENDITURES_HEADER + "V1,230102,2026,2026-01-05T10:00:00,10.00,kiosk_fee,P1\n"
    deliver(landing, "expenditures", D1, "e.csv", good)
    for folder in ("2026-02-30", "2026-13-45"):
        (landing / "expenditures" / folder).mkdir()
        (landing / "expenditures" / folder / "e.csv").write_text(good.replace("V1", "V9"))
    # a source loaded after expenditures: the run goes on to it
    deliver(landing, "funding_plans", D1, "p.csv",
            "district_code,fiscal_year,kiosk_fee_planned_yuan\n230102,2026,100.00\n")  # fmt: skip
    with empty_warehouse.connect() as conn:
        report = ingest(conn, landing, D3, "run-1")
        assert conn.execute("select voucher_id from raw.expenditures").fetchall() == [("V1",)]
        assert conn.execute("select count(*) from raw.funding_plans").fetchone()[0] == 1
        found = issues(conn)
        # the same date again, then a later one: the folders are still there, reported once
        assert ingest(conn, landing, D3, "run-2").landing_issues == []
        assert ingest(conn, landing, D3 + dt.timedelta(days=1), "run-3").landing_issues == []
        assert issues(conn) == found
    assert found == {
        ("expenditures", D3, "2026-02-30/", landing_module.NOT_A_DATE),
        ("expenditures", D3, "2026-13-45/", landing_module.NOT_A_DATE),
    }
    assert [i.path for i in report.landing_issues] == [
        "expenditures/2026-02-30/",
        "expenditures/2026-13-45/",
    ]


def test_unknown_and_odd_folders_and_links_out_of_the_landing_area_are_reported_once(
    empty_warehouse, landing, tmp_path: Path
) -> None:
    deliver(landing, "assets", D1, "a.csv", A_GOOD)
    deliver(landing, "expenses", D1, "x.csv", A_GOOD)  # no such source
    for odd in ("2026-11-2'3", "..x"):
        (landing / "assets" / odd).mkdir()
        (landing / "assets" / odd / "a.csv").write_text(A_GOOD)
    (landing / "assets" / "loose.csv").write_text(A_GOOD)  # outside any partition
    (landing / "assets" / D1.isoformat() / "old").mkdir()  # a folder inside a partition
    (landing / "assets" / D1.isoformat() / ".~lock.a.csv#").write_text("")  # passed over
    outside = tmp_path / "outside"
    (outside / "2026-01-01").mkdir(parents=True)
    secret = ASSETS_HEADER + "SECRET,expressway,x,230102,,,2020-01-01,\n"
    (outside / "secret.csv").write_text(secret)
    (outside / "2026-01-01" / "secret.csv").write_text(secret)
    (landing / "assets" / D2.isoformat()).mkdir()
    (landing / "assets" / D2.isoformat() / "secret.csv").symlink_to(outside / "secret.csv")
    (landing / "kiosks").symlink_to(outside)  # a whole source folder
    # a link that stays inside the landing area is followed
    (landing / "assets" / D2.isoformat() / "again.csv").symlink_to(
        landing / "assets" / D1.isoformat() / "a.csv"
    )
    with empty_warehouse.connect() as conn:
        ingest(conn, landing, D2, "run-1")
        loaded = conn.execute("select asset_id, _partition_date from raw.assets").fetchall()
        found = issues(conn)
        rows = quarantined_rows(conn)
        ingest(conn, landing, D2, "run-2")
        ingest(conn, landing, D3, "run-3")
        assert quarantined_rows(conn) == rows
    assert sorted(loaded) == [("A1", D1), ("A1", D2)]
    assert found == {
        ("expenses", D2, "expenses/", landing_module.UNKNOWN_SOURCE),
        ("assets", D2, "2026-11-2'3/", landing_module.NOT_A_DATE),
        ("assets", D2, "..x/", landing_module.NOT_A_DATE),
        ("assets", D2, "loose.csv", landing_module.LOOSE_FILE),
        ("assets", D1, "old/", landing_module.INNER_FOLDER),
        ("assets", D2, "secret.csv", landing_module.OUTSIDE),
        ("kiosks", D2, "kiosks/", landing_module.OUTSIDE),
    }


def _workbook(path: Path, *sheets: list[list], saved: dict[str, str] | None = None) -> None:
    """A workbook as openpyxl writes it: formulas without a saved result, as any program that
    does not calculate leaves them; `saved` gives some formulas the result Excel would save."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for number, rows in enumerate(sheets, start=1):
        sheet = book.create_sheet(f"Sheet{number}")
        for row in rows:
            sheet.append(row)
    content = io.BytesIO()
    book.save(content)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(content) as given, zipfile.ZipFile(path, "w") as written:
        for member in given.namelist():
            data = given.read(member)
            for formula, result in (saved or {}).items():
                data = data.replace(
                    f"<f>{formula}</f><v></v>".encode(), f"<f>{formula}</f><v>{result}</v>".encode()
                )
            written.writestr(member, data)


def test_a_workbook_s_other_sheets_and_cells_without_a_value_are_reported(
    empty_warehouse, landing
) -> None:
    header = EXPENDITURES_HEADER.strip().split(",")
    paid = "2026-01-05T10:00:00"
    _workbook(
        landing / "expenditures" / D1.isoformat() / "e.xlsx",
        [
            header,
            ["V1", "230102", 2026, paid, 10, "kiosk_fee", "P1"],
            ["V2", "230102", 2026, paid, 20, "kiosk_fee", "=VLOOKUP(A3,Sheet2!A:B,2,FALSE)"],
            ["V3", "230102", 2026, paid, "=2*10", "kiosk_fee", "P1"],
            ["V4", "230102", 2026, paid, "=20+20", "kiosk_fee", "P1"],  # saved: 40
            ["V5", "230102", 2026, paid, 50, "kiosk_fee", "#N/A"],  # an error, saved as such
        ],
        [["voucher_id", "purpose_code"], ["V2", "P2"]],  # data on a second sheet
        [],  # and an empty third, as spreadsheet programs add
        saved={"20+20": "40"},
    )
    with empty_warehouse.connect() as conn:
        ingest(conn, landing, D1, "run-1")
        loaded, rows = expenditures(conn)
        ingest(conn, landing, D2, "run-2")
        assert expenditures(conn) == (loaded, rows)
    assert loaded == [("e.xlsx", 2, "V1", "10"), ("e.xlsx", 5, "V4", "40")]
    redo = ": open the workbook in Excel, save it and deliver it again, or deliver values"
    assert rows == [
        ("e.xlsx", None, None, "sheet(s) 'Sheet2' not read: a delivery is the workbook's first"
         " sheet ('Sheet1') only; deliver other data as a file of its own"),
        ("e.xlsx", 3, "purpose_code",
         "a formula with no saved result (=VLOOKUP(A3,Sheet2!A:B,2,FALSE))" + redo),
        ("e.xlsx", 4, "amount_yuan", "a formula with no saved result (=2*10)" + redo),
        ("e.xlsx", 6, "purpose_code", "an error instead of a value: #N/A"),
    ]  # fmt: skip


def test_a_file_in_another_encoding_is_quarantined_whole_and_real_gb18030_loads(
    empty_warehouse, landing, monkeypatch
) -> None:
    from munifund.ingest import reader

    judged: list[str] = []  # the first code of each sample judged
    judge = reader.require_chinese
    monkeypatch.setattr(
        reader, "require_chinese", lambda s: judged.append(s.split(b"\n")[1][:2]) or judge(s)
    )
    header = "purpose_code,name_zh,is_city_management\n"
    files = {
        "gb.csv": ("P1,道路清扫（主干道）,true\nP2,兆麟街道“门前三包”,false\n", "gb18030"),
        "utf8.csv": ("P3,绿化养护,true\n", "utf-8"),
        # decodes as GB18030, into "M黮ler Stra遝"
        "latin1.csv": ("P4,Müller Straße,true\n", "latin-1"),
        "cp1252.csv": ("P5,Größe Öffnungszeiten,true\n", "cp1252"),
        "sjis.csv": ("P6,道路清掃の費用,true\nP7,ごみ収集,false\n", "shift_jis"),
        # "é " is no GB18030 sequence: this one was refused already
        "cafe.csv": ("P8,Café Müller Straße,true\n", "latin-1"),
    }
    for name, (rows, encoding) in files.items():
        deliver(landing, "expenditure_purposes", D1, name, (header + rows).encode(encoding))
    with empty_warehouse.connect() as conn:
        ingest(conn, landing, D1, "run-1")
        loaded = conn.execute(
            "select purpose_code, name_zh from raw.expenditure_purposes order by 1"
        ).fetchall()
        rows = sorted(quarantine(conn, "expenditure_purposes"))
    assert loaded == [
        ("P1", "道路清扫（主干道）"),
        ("P2", "兆麟街道“门前三包”"),
        ("P3", "绿化养护"),
    ]
    not_chinese = "file not loaded: encoding is none of UTF-8, UTF-8 with BOM or GB18030/GBK: read as GB18030 it is no Chinese text"
    assert rows == [
        ("cafe.csv", None, None, "file not loaded: encoding is none of UTF-8, UTF-8 with BOM or GB18030/GBK"),
        ("cp1252.csv", None, None, f"{not_chinese} ('P5,Gr鲞e 謋fnungszei'); deliver UTF-8"),
        ("latin1.csv", None, None, f"{not_chinese} ('P4,M黮ler Stra遝,tr'); deliver UTF-8"),
        ("sjis.csv", None, None, f"{not_chinese} ('P6,摴楬惔憒偺旓梡,true'); deliver UTF-8"),
    ]  # fmt: skip
    # the judgement is for bytes that are not UTF-8 only
    assert sorted(judged) == [b"P1", b"P4", b"P5", b"P6"]  # gb, latin1, cp1252, sjis


def test_an_over_long_value_is_a_bad_row_whichever_path_loads_the_file(
    empty_warehouse, landing, fast_loads
) -> None:
    paid = "2026-01-05T10:00:00"
    plain = EXPENDITURES_HEADER + (
        f"V1,230102,2026,{paid},10.00,kiosk_fee,P1\n"
        f"V2,230102,2026,{paid},20.00,kiosk_fee,{'P' * (100 << 10)}\n"  # a 100 KB code
        f"V3,230102,2026,{paid},30.{'0' * 50},kiosk_fee,P1\n"
    )
    deliver(landing, "expenditures", D1, "plain.csv", plain)
    # one quoted field: the streaming path
    deliver(landing, "expenditures", D2, "quoted.csv", plain.replace("V1,", '"V1",'))
    with empty_warehouse.connect() as conn:
        ingest(conn, landing, D2, "run-1")
        loaded, rows = expenditures(conn)
    assert fast_loads == [2, 1]  # districts; plain.csv; quoted.csv goes straight to streaming
    assert loaded == [("plain.csv", 2, "V1", "10.00"), ("quoted.csv", 2, "V1", "10.00")]
    assert rows == [
        (file, line, column, problem)
        for file in ("plain.csv", "quoted.csv")
        for line, column, problem in [
            (3, "purpose_code", "too long: 102400 characters, at most 64"),
            (4, "amount_yuan", "too long: 53 characters, at most 40"),
        ]
    ]


def test_a_field_beyond_the_field_limit_refuses_its_row_and_is_kept_cut_with_length_and_hash(
    empty_warehouse, landing, fast_loads, monkeypatch
) -> None:
    """Beyond the field limit (1 MiB; 1000 characters here) a field is never held whole: its
    row is refused, the field kept cut to its start with its length and SHA-256, and the rest of
    the file loads, whether the field is one long line, quoted across lines, or an extra column."""
    import hashlib

    from munifund.ingest import reader

    monkeypatch.setattr(reader, "FIELD_LIMIT", 1000)
    long = "x" * 1500 + "y" * 1500
    multiline = '"' + "z\n" * 1500 + '"'
    deliver(landing, "assets", D1, "a.csv", A_GOOD
        + f"A2,expressway,{long},230102,,,2020-01-01,\n"
        + f"A3,expressway,{multiline},230102,,,2020-01-01,\n"
        + "A4,expressway,ok,230102,,,2020-01-01,\n")  # fmt: skip
    deliver(landing, "assets", D2, "extra.csv",
            ASSETS_HEADER.replace("\n", ",remark\n")
            + f"A5,expressway,ok,230102,,,2020-01-01,,{long}\n"
            + "A6,expressway,ok,230102,,,2020-01-01,,short\n")  # fmt: skip
    with empty_warehouse.connect() as conn:
        ingest(conn, landing, D2, "run-1")
        rows = quarantine(conn, "assets")
        kept = dict(
            conn.execute(
                "select line, raw_row from ops.quarantine where source = 'assets'"
            ).fetchall()
        )
        loaded = conn.execute("select asset_id from raw.assets order by 1").fetchall()
        taken = conn.execute("select count(*) from ops.partitions_taken").fetchone()[0]
    assert fast_loads == [2]  # the districts; the long fields send both files to streaming
    assert loaded == [("A1",), ("A4",), ("A6",)]
    assert taken == 3

    def cut(value: str) -> str:
        sha = hashlib.sha256(value.encode()).hexdigest()
        return (
            f"too long: {len(value)} characters, beyond the field limit of 1000;"
            f" kept cut to its first 256 characters (SHA-256 {sha})"
        )

    assert rows == [
        ("extra.csv", 2, "remark", cut(long)),
        ("a.csv", 3, "name", cut(long)),
        ("a.csv", 4, "name", cut("z\n" * 1500)),
    ]  # fmt: skip
    assert kept[3]["name"] == long[:256] and kept[4]["name"] == ("z\n" * 1500)[:256]


def test_reading_a_long_field_keeps_memory_flat(tmp_path: Path, monkeypatch) -> None:
    """Memory does not grow with a field's size: a 24 MB field, quoted or not, is read with
    less than a few MB held at any time."""
    import tracemalloc

    from munifund.ingest import reader
    from munifund.ingest.delivery import survey

    monkeypatch.setattr(reader, "FIELD_LIMIT", 1 << 16)
    for name, field in [
        ("plain.csv", "x" * (24 << 20)),
        ("quoted.csv", '"' + "a,\n" * (8 << 20) + '"'),
    ]:
        path = tmp_path / name
        path.write_text(f"asset_id,name\nA1,{field}\nA2,ok\n")
        del field
        tracemalloc.start()
        with survey(path) as delivery, delivery.open() as handle:
            assert delivery.long_fields
            delivered = reader.open_delivered_file(path, delivery, handle)
            rows = [(line, [len(v) for v in record]) for line, record in delivered.rows]
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert rows[-1] == (3 if name == "plain.csv" else 8 * (1 << 20) + 3, [2, 2])
        assert peak < 8 << 20, (name, peak)


def _vouchers(*rows: tuple[str, str]) -> str:
    return EXPENDITURES_HEADER + "".join(
        f"{voucher},230102,2026,2026-01-05T10:00:00,{amount},kiosk_fee,P1\n"
        for voucher, amount in rows
    )


def _delivery_state(conn) -> tuple[list, list, list]:
    return (
        *expenditures(conn),
        conn.execute(
            "select file, rows_loaded, rows_quarantined from ops.partitions_taken"
            " where source = 'expenditures' order by 1"
        ).fetchall(),
    )


def test_a_key_in_two_files_of_one_delivery_is_quarantined_in_every_file(
    empty_warehouse, landing
) -> None:
    """The first file is committed when the second is read: the second file's transaction takes
    the first file's copy out of raw. Whatever the order or the nights, the outcome is the same."""
    deliver(landing, "expenditures", D1, "a.csv", _vouchers(("V1", "10.00"), ("V2", "20.00")))
    deliver(landing, "expenditures", D1, "b.csv", _vouchers(("V2", "25.00"), ("V3", "30.00")))
    also_in = "duplicate key in this delivery (also in {})"
    with empty_warehouse.connect() as conn:
        report = ingest(conn, landing, D1, "run-1")
        first = _delivery_state(conn)
        assert ingest(conn, landing, D1, "run-2").files == []
        assert _delivery_state(conn) == first
        # a third file with the same key, delivered later into the same partition
        deliver(landing, "expenditures", D1, "c.csv", _vouchers(("V2", "26.00")))
        ingest(conn, landing, D2, "run-3")
        third = _delivery_state(conn)
        # the same files taken in one catch-up run
        conn.execute(
            "truncate raw.expenditures, raw.districts, ops.partitions_taken, ops.quarantine"
        )
        conn.commit()
        ingest(conn, landing, D2, "catch-up")
        assert _delivery_state(conn) == third
        # the department fixes the delivery: the later files again, without V2
        deliver(landing, "expenditures", D1, "b.csv", _vouchers(("V3", "30.00")))
        deliver(landing, "expenditures", D1, "c.csv", _vouchers())
        ingest(conn, landing, D2, "run-4")
        fixed = _delivery_state(conn)
    assert first == (
        [("a.csv", 2, "V1", "10.00"), ("b.csv", 3, "V3", "30.00")],
        [("a.csv", 3, "voucher_id", also_in.format("b.csv")),
         ("b.csv", 2, "voucher_id", also_in.format("a.csv"))],
        [("a.csv", 1, 1), ("b.csv", 1, 1)],
    )  # fmt: skip
    assert report.rows_loaded == 2 + 2 and report.rows_quarantined == 2  # districts, vouchers
    assert third[0] == first[0]
    assert third[1] == [*first[1], ("c.csv", 2, "voucher_id", also_in.format("a.csv, b.csv"))]
    assert fixed == (
        [("a.csv", 2, "V1", "10.00"), ("a.csv", 3, "V2", "20.00"), ("b.csv", 2, "V3", "30.00")],
        [],
        [("a.csv", 2, 0), ("b.csv", 1, 0), ("c.csv", 0, 0)],
    )


def test_a_file_the_warehouse_refuses_is_quarantined_whole_and_no_later_night_fails(
    empty_warehouse, landing
) -> None:
    """A NUL character: PostgreSQL's text holds none, nor its jsonb; the COPY fails whatever the
    path. The file is quarantined whole with the reason and taken; the run goes on, and the
    following nights neither fail on it nor take it again."""
    deliver(
        landing,
        "assets",
        D1,
        "nul.csv",
        A_GOOD + "A2,expressway,bad\x00name,230102,,,2020-01-01,\n",
    )
    deliver(landing, "assets", D1, "quoted-nul.csv", A_GOOD.replace("ok", '"o\x00k"'))
    deliver(landing, "assets", D1, "zz_good.csv", A_GOOD.replace("A1", "A9"))
    with empty_warehouse.connect() as conn:
        report = ingest(conn, landing, D1, "run-1")
        found = english(issues(conn))
        assert ingest(conn, landing, D2, "run-2").files == []
        assert ingest(conn, landing, D3, "run-3").files == []
        loaded = conn.execute("select asset_id from raw.assets").fetchall()
        taken = conn.execute(
            "select file, unreadable_reason is not null from ops.partitions_taken"
            " where source = 'assets' order by 1"
        ).fetchall()
    assert loaded == [("A9",)]
    assert taken == [("nul.csv", True), ("quoted-nul.csv", True), ("zz_good.csv", False)]
    assert {f.file for f in report.unreadable_files} == {"nul.csv", "quoted-nul.csv"}
    assert {(file, problem.split(" (")[0]) for _, _, file, problem in found} == {
        ("nul.csv", "file not loaded: could not be taken"),
        ("quoted-nul.csv", "file not loaded: could not be taken"),
    }
    assert all("tell the operators" in problem for *_, problem in found)


def test_a_library_panic_while_loading_fails_that_file_only(
    empty_warehouse, landing, monkeypatch
) -> None:
    """polars reports a bug of its own as a PanicException, which `except Exception` misses."""
    import polars as pl

    from munifund.ingest import validation

    real_check = validation.FileChecks.check

    def check(self, batch):
        if self.contract.name == "assets" and "P" in batch.get_column("asset_id").to_list():
            raise pl.exceptions.PanicException("assertion failed: i < self.len()")
        return real_check(self, batch)

    monkeypatch.setattr(validation.FileChecks, "check", check)
    deliver(landing, "assets", D1, "a.csv", A_GOOD.replace("A1", "P"))
    deliver(landing, "assets", D1, "b.csv", A_GOOD)
    with empty_warehouse.connect() as conn:
        report = ingest(conn, landing, D1, "run-1")
        assert conn.execute("select asset_id from raw.assets").fetchall() == [("A1",)]
    assert [f.unreadable_reason for f in report.files if f.source == "assets"] == [
        "could not be taken (PanicException: assertion failed: i < self.len()); tell the operators",
        None,
    ]


def _xlsx_with(
    path: Path, rows: list[list], dimension: str | None = None, swap: tuple[str, str] = ("", "")
) -> None:
    """A workbook of these rows; `dimension` replaces the one declared, `swap` a text in every
    part (openpyxl cuts a cell's text at Excel's 32767 characters: a larger one is made)."""
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    content = io.BytesIO()
    book.save(content)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(content) as given, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for member in given.namelist():
            data = given.read(member)
            if swap[0]:
                data = data.replace(swap[0].encode(), swap[1].encode())
            if dimension and member == "xl/worksheets/sheet1.xml":
                data = re.sub(
                    rb'<dimension ref="[^"]*"/>', f'<dimension ref="{dimension}"/>'.encode(), data
                )
            out.writestr(member, data)


def test_a_workbook_unpacking_beyond_the_part_limit_is_quarantined_whole_and_a_long_cell_refuses_its_row(
    empty_warehouse, landing, monkeypatch
) -> None:
    """A 400 KB .xlsx held one 400 MB shared string: here the field limit is 1000 characters,
    so a part may unpack to 256 KB; a cell beyond the field limit refuses its row only."""
    from munifund.ingest import reader

    monkeypatch.setattr(reader, "FIELD_LIMIT", 1000)
    header = ASSETS_HEADER.strip().split(",")
    good = ["A1", "expressway", "ok", "230102", None, None, "2020-01-01"]
    folder = landing / "assets" / D1.isoformat()
    _xlsx_with(folder / "bomb.xlsx", [header, good, ["A2", "expressway", "BOMB"]],
               swap=("BOMB", "x" * 300_000))  # fmt: skip
    _xlsx_with(folder / "long.xlsx", [header, ["A3", "expressway", "y" * 2000, *good[3:]], good])
    with empty_warehouse.connect() as conn:
        ingest(conn, landing, D1, "run-1")
        rows = quarantine(conn, "assets")
        loaded = conn.execute("select _file, asset_id from raw.assets").fetchall()
    assert loaded == [("long.xlsx", "A1")]
    assert [(f, line, column, problem.split(" unpacks")[0]) for f, line, column, problem in rows] == [
        ("bomb.xlsx", None, None, "file not loaded: its part xl/worksheets/sheet1.xml"),
        ("long.xlsx", 2, "name", "too long: 2000 characters, beyond the field limit of 1000;"
         " kept cut to its first 256 characters (SHA-256 " + hashlib.sha256(b"y" * 2000).hexdigest() + ")"),
    ]  # fmt: skip
    assert rows[0][3].endswith(
        "more than 256000 (256 times the field limit); deliver the data as CSV"
    )


def test_a_workbook_s_declared_dimension_is_not_trusted(empty_warehouse, landing) -> None:
    """A 1.6 KB .xlsx claiming A1:XFD1048576 stalled ingest 17 minutes: rows and cells are
    those the sheet holds, whatever its dimension says."""
    import time

    header = ASSETS_HEADER.strip().split(",")
    rows = [header, ["A1", "expressway", "ok", "230102", None, None, "2020-01-01"],
            ["A2", "expressway", "ok", "230102", None, None, "2020-01-01", None, "extra"]]  # fmt: skip
    _xlsx_with(landing / "assets" / D1.isoformat() / "huge.xlsx", rows, "A1:XFD1048576")
    _xlsx_with(landing / "assets" / D2.isoformat() / "true.xlsx", rows)
    assert (landing / "assets" / D1.isoformat() / "huge.xlsx").stat().st_size < 10_000
    started = time.monotonic()
    with empty_warehouse.connect() as conn:
        ingest(conn, landing, D2, "run-1")
        rows_of = {
            file: conn.execute(
                "select asset_id, _line from raw.assets where _file = %s order by 2", [file]
            ).fetchall()
            for file in ("huge.xlsx", "true.xlsx")
        }
        problems = quarantine(conn, "assets")
    assert time.monotonic() - started < 30
    assert rows_of["huge.xlsx"] == rows_of["true.xlsx"] == [("A1", 2)]
    assert [p[1:] for p in problems] == [(3, "*", "has 9 fields, the header has 8")] * 2


def test_a_header_naming_a_column_twice_is_quarantined_whole(empty_warehouse, landing) -> None:
    """The first of the two was kept silently; which one holds the data cannot be told."""
    deliver(landing, "assets", D1, "twice.csv",
            ASSETS_HEADER.replace("\n", ",Name\n") + "A1,expressway,ok,230102,,,2020-01-01,,other\n")  # fmt: skip
    deliver(landing, "assets", D1, "extra.csv",
            ASSETS_HEADER.replace("\n", ",remark,REMARK \n") + "A2,expressway,ok,230102,,,2020-01-01,,a,b\n")  # fmt: skip
    _xlsx_with(landing / "assets" / D1.isoformat() / "twice.xlsx",
               [[*ASSETS_HEADER.strip().split(","), "asset_id"], ["A3", "expressway", "ok", "230102", None, None, "2020-01-01", None, "A4"]])  # fmt: skip
    deliver(landing, "assets", D1, "zz_good.csv", A_GOOD.replace("A1", "A9"))
    with empty_warehouse.connect() as conn:
        ingest(conn, landing, D1, "run-1")
        assert conn.execute("select asset_id from raw.assets").fetchall() == [("A9",)]
        found = sorted((file, problem) for _, _, file, problem in english(issues(conn)))
    assert found == [
        ("extra.csv", "file not loaded: column 'REMARK' (as 'remark') appears twice in the header (columns 9 and"
         " 10): which one holds the data cannot be told; deliver it once"),
        ("twice.csv", "file not loaded: column 'Name' (as 'name') appears twice in the header (columns 3 and"
         " 9): which one holds the data cannot be told; deliver it once"),
        ("twice.xlsx", "file not loaded: column 'asset_id' appears twice in the header (columns 1"
         " and 9): which one holds the data cannot be told; deliver it once"),
    ]  # fmt: skip


def _payments(*rows: str) -> str:
    return "payment_id,district_code,fiscal_year,paid_on,amount_yuan,reverses\n" + "".join(
        r + "\n" for r in rows
    )


def test_recoveries_are_reconciled_with_the_payment_they_claw_back(
    empty_warehouse, landing
) -> None:
    """A recovery larger than the payment, against another district's payment or another fiscal
    year's, a recovery of a recovery, the same payment reversed past its amount across
    deliveries: each is quarantined with the reason; what fits loads. A catch-up run agrees."""
    deliver(landing, "disbursements", D1, "p.csv", _payments(
        "P1,230102,2026,2026-01-10,100.00,",
        "P2,230103,2026,2026-01-10,50.00,",
        "P3,230102,2025,2025-01-10,80.00,",
    ))  # fmt: skip
    deliver(landing, "disbursements", D2, "r.csv", _payments(
        "R1,230102,2026,2026-02-01,-150.00,P1",  # more than the payment
        "R2,230102,2026,2026-02-01,-10.00,P2",  # another district's payment
        "R3,230102,2026,2026-02-01,-10.00,P3",  # another fiscal year's
        "R4,230102,2026,2026-02-01,-30.00,P1",
        "R5,230102,2026,2026-02-01,-50.00,P1",
        "R6,230102,2026,2026-02-01,-30.00,P1",  # 20.00 left of P1
    ))  # fmt: skip
    deliver(landing, "disbursements", D3, "r.csv", _payments(
        "R7,230102,2026,2026-03-01,-5.00,R4",  # a recovery of a recovery
        "R8,230102,2026,2026-03-01,-20.00,P1",  # all that is left, in a later delivery
        "R9,230102,2026,2026-03-01,-0.01,P1",  # past it
        "P4,230102,2026,2026-03-01,10.00,P1",  # a positive amount names a payment: informative
    ))  # fmt: skip

    def state(conn) -> tuple[list, list]:
        return (
            conn.execute("select payment_id from raw.disbursements order by 1").fetchall(),
            quarantine(conn, "disbursements"),
        )

    with empty_warehouse.connect() as conn:
        report = ingest(conn, landing, D3, "catch-up")
        catch_up = state(conn)
        conn.execute(
            "truncate raw.disbursements, raw.districts, ops.partitions_taken, ops.quarantine"
        )
        conn.commit()
        for night in (D1, D2, D3):
            ingest(conn, landing, night, f"night-{night}")
        assert state(conn) == catch_up
    loaded, rows = catch_up
    assert loaded == [(p,) for p in ("P1", "P2", "P3", "P4", "R4", "R5", "R8")]
    assert rows == [
        ("r.csv", 2, "amount_yuan", "recovers 150.00 of P1, of which 100.00 remains (paid 100.00, recovered 0.00 before)"),
        ("r.csv", 2, "reverses", "reverses R4, itself a recovery: a recovery names the payment it claws back"),
        ("r.csv", 3, "reverses", "reverses P2 of district 230103: a recovery claws back a payment of its own district (230102)"),
        ("r.csv", 4, "amount_yuan", "recovers 0.01 of P1, of which 0.00 remains (paid 100.00, recovered 100.00 before)"),
        ("r.csv", 4, "reverses", "reverses P3 of fiscal year 2025: a recovery claws back a payment of its own fiscal year (2026)"),
        ("r.csv", 7, "amount_yuan", "recovers 30.00 of P1, of which 20.00 remains (paid 100.00, recovered 80.00 before)"),
    ]  # fmt: skip
    assert [f.rows_quarantined for f in report.files if f.source == "disbursements"] == [0, 4, 2]


def test_a_limit_of_the_warehouse_fails_that_file_only(
    empty_warehouse, landing, monkeypatch
) -> None:
    """A quarantine row beyond jsonb's 256 MB failed ingest with ProgramLimitExceeded, which
    psycopg reports as an OperationalError, as it does a lost connection. Here the server meets
    another of its limits (1664 columns) while the file loads: that file fails, the run goes on."""
    from munifund.ingest import loader

    real = loader.withdraw_other_copies

    def withdraw(conn, contract, partition, file_name, *args):
        if file_name == "a.csv":
            conn.execute("select " + ", ".join(["1"] * 1700))
        return real(conn, contract, partition, file_name, *args)

    monkeypatch.setattr(loader, "withdraw_other_copies", withdraw)
    deliver(landing, "assets", D1, "a.csv", A_GOOD)
    deliver(landing, "assets", D1, "b.csv", A_GOOD.replace("A1", "A2"))
    with empty_warehouse.connect() as conn:
        report = ingest(conn, landing, D1, "run-1")
        assert conn.execute("select asset_id from raw.assets").fetchall() == [("A2",)]
        assert ingest(conn, landing, D2, "run-2").files == []
    reason = report.files[1].unreadable_reason
    assert reason is not None and reason.startswith("could not be taken (TooManyColumns: ")


def test_a_folder_or_file_that_cannot_be_read_is_reported_and_the_run_goes_on(
    empty_warehouse, landing, monkeypatch
) -> None:
    """Permissions (simulated: the tests may run as root, who reads everything)."""
    from munifund.ingest import loader

    deliver(landing, "assets", D1, "a.csv", A_GOOD)
    deliver(landing, "assets", D1, "locked.csv", A_GOOD.replace("A1", "A2"))
    deliver(landing, "kiosks", D1, "k.csv", "kiosk_id\n")
    real_listdir, real_survey = landing_module._listdir, loader.survey

    def listdir(path):
        if path.name == "kiosks":
            raise PermissionError(13, "Permission denied")
        return real_listdir(path)

    def survey(path, *args):
        if path.name == "locked.csv":
            raise PermissionError(13, "Permission denied", str(path))
        return real_survey(path, *args)

    monkeypatch.setattr(landing_module, "_listdir", listdir)
    monkeypatch.setattr(loader, "survey", survey)
    with empty_warehouse.connect() as conn:
        report = ingest(conn, landing, D1, "run-1")
        again = ingest(conn, landing, D1, "run-2")
        assert again.landing_issues == [] and again.files == []  # nothing reloaded for it
        assert conn.execute("select asset_id from raw.assets").fetchall() == [("A1",)]
        found = english(issues(conn))
    assert [i.path for i in report.landing_issues] == ["kiosks/"]
    assert found == {
        ("kiosks", D1, "kiosks/", "folder not read: it cannot be listed (Permission denied)"),
        ("assets", D1, "locked.csv", "file not loaded: could not be taken (PermissionError: [Errno"
         f" 13] Permission denied: '{landing / 'assets' / D1.isoformat() / 'locked.csv'}');"
         " tell the operators"),
    }  # fmt: skip
