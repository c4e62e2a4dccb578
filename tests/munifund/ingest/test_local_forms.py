"""How departments write (issue 27): a header names a column by its name or its Chinese label,
case and width insensitive; unambiguous local forms of dates and money are normalised; anything
else is quarantined as delivered, and an ambiguous date is refused, never guessed."""

from __future__ import annotations

import openpyxl
from deliveries import ASSETS_HEADER, D1, D2, deliver, quarantine
from test_loader import KIOSKS

from munifund.ingest.loader import ingest

FEES_ZH = "收据编号,ＫＩＯＳＫ_ＩＤ,District_Code,付款时间,金额\n"


def test_a_header_may_name_columns_by_their_chinese_labels_in_any_case_and_width(
    empty_warehouse, landing, fast_loads
) -> None:
    deliver(landing, "kiosks", D1, "k.csv", KIOSKS)
    deliver(
        landing,
        "fee_collections",
        D1,
        "zh.csv",
        FEES_ZH + "R1,K1,230102,2026-01-05T10:00:00,36.00\n",
    )
    book = openpyxl.Workbook()
    book.active.append(["ＲＥＣＥＩＰＴ_ＩＤ", "摊亭编号", "区代码", "Paid_At", "金额", "备注"])
    book.active.append(["R2", "K1", "230102", "2026-01-06T10:00:00", 12.5, "现金"])
    book.save(landing / "fee_collections" / D1.isoformat() / "zh.xlsx")
    deliver(landing, "fee_collections", D2, "twice.csv",
            "receipt_id,kiosk_id,district_code,paid_at,amount_yuan,收据编号\nR3,K1,230102,2026-01-05,1.00,R3\n")  # fmt: skip
    with empty_warehouse.connect() as conn:
        ingest(conn, landing, D2, "run-1")
        loaded = conn.execute(
            "select _file, receipt_id, kiosk_id, amount_yuan, _extra from raw.fee_collections"
            " order by 1"
        ).fetchall()
        problems = quarantine(conn, "fee_collections")
    assert fast_loads == [2, 1, 1]  # districts, kiosks, zh.csv as it is
    assert loaded == [
        ("zh.csv", "R1", "K1", "36.00", None),
        ("zh.xlsx", "R2", "K1", "12.5", {"备注": "现金"}),
    ]
    assert problems == [
        ("twice.csv", None, None, "file not loaded: column '收据编号' (as 'receipt_id') appears"
         " twice in the header (columns 1 and 6): which one holds the data cannot be told;"
         " deliver it once"),
    ]  # fmt: skip


def test_local_dates_and_money_are_normalised_and_the_rest_is_quarantined_as_delivered(
    empty_warehouse, landing
) -> None:
    deliver(landing, "assets", D1, "a.csv", ASSETS_HEADER
        + "A1,expressway,ok,230102,,,2020/01/02,\n"
        + "A2,expressway,ok,230102,,,2020年1月3日,2026/12/3\n"
        + "A3,expressway,ok,230102,,,03/04/2020,\n"  # ambiguous
        + "A4,expressway,ok,230102,,,2020/02/30,\n"  # no such day
        + "A5,expressway,ok,230102,,,2020-01-05,\n")  # fmt: skip
    deliver(landing, "kiosks", D1, "k.csv", KIOSKS)
    deliver(landing, "fee_collections", D1, "f.csv",
            "receipt_id,kiosk_id,district_code,paid_at,amount_yuan\n"
            'R1,K1,230102,2026-01-05T10:00:00,"1,234.50"\n'
            "R2,K1,230102,2026-01-05T10:00:00,88.00元\n"
            'R3,K1,230102,2026-01-05T10:00:00,"12,345,678.9 元"\n'
            'R4,K1,230102,2026-01-05T10:00:00,"1,23"\n'
            'R5,K1,230102,2026-01-05T10:00:00,"1,234.567"\n'
            "R6,K1,230102,2026-01-05T10:00:00,５００.００\n")  # fmt: skip
    with empty_warehouse.connect() as conn:
        ingest(conn, landing, D1, "run-1")
        assets = conn.execute(
            "select asset_id, commissioned_on, retired_on from raw.assets order by 1"
        ).fetchall()
        fees = conn.execute(
            "select receipt_id, amount_yuan from raw.fee_collections order by 1"
        ).fetchall()
        problems = quarantine(conn, "assets") + quarantine(conn, "fee_collections")
        kept = conn.execute(
            "select raw_row ->> 'amount_yuan' from ops.quarantine where source = 'fee_collections'"
            " order by line"
        ).fetchall()
    assert assets == [
        ("A1", "2020-01-02", None),
        ("A2", "2020-01-03", "2026-12-03"),
        ("A5", "2020-01-05", None),
    ]
    assert fees == [("R1", "1234.50"), ("R2", "88.00"), ("R3", "12345678.9")]
    assert problems == [
        ("a.csv", 4, "commissioned_on",
         "ambiguous date (day and month cannot be told apart): write YYYY-MM-DD: 03/04/2020"),
        ("a.csv", 5, "commissioned_on", "not a date (YYYY-MM-DD): 2020/02/30"),
        ("f.csv", 5, "amount_yuan", "not a number: 1,23"),
        ("f.csv", 6, "amount_yuan", "not a number: 1,234.567"),
        ("f.csv", 7, "amount_yuan",
         "not a number (digits are ASCII 0-9 (a full-width ５ is refused: write 5)): ５００.００"),
    ]  # fmt: skip
    assert kept == [("1,23",), ("1,234.567",), ("５００.００",)]  # as delivered
