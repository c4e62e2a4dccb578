"""Every reason the quarantine records reads in Chinese first, then in English (issue 27 item 3):
the reasons are declared once (munifund.ingest.reasons), the checks use them, and what the
reader says in English only gets its Chinese half on the way into the quarantine."""

from __future__ import annotations

import polars as pl
import pytest
from deliveries import ASSETS_HEADER, D1, deliver

from munifund.ingest import reasons
from munifund.ingest.contracts import Column, Kind
from munifund.ingest.loader import ingest
from munifund.ingest.validation import column_problem


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        (Column("d", Kind.DATE), "03/04/2026", "日期有歧义（日、月无法区分） / ambiguous date (day"
         " and month cannot be told apart): write YYYY-MM-DD: 03/04/2026"),
        (Column("d", Kind.DATE), "2026-02-30", "日期无法识别 / not a date (YYYY-MM-DD): 2026-02-30"),
        (Column("m", Kind.MONEY), "-5", "不能为负数 / negative: -5"),
        (Column("m", Kind.MONEY), "5.001", "小数位数过多 / more than 2 decimals: 5.001"),
        (Column("m", Kind.MONEY, required=True), None, "缺少必填值 / missing value"),
        (Column("district_code", references=("districts", "district_code")), "999",
         "引用的记录不存在 / unknown district: 999"),
    ],
)  # fmt: skip
def test_a_value_s_reason_reads_in_chinese_then_english(
    column: Column, value: str | None, problem: str
) -> None:
    frame = pl.DataFrame({column.name: [value]}, schema={column.name: pl.String})
    known = {"districts": pl.Series(["230102"])}
    assert frame.select(column_problem(column, known)).item() == problem


def test_every_reason_is_declared_once_with_both_halves() -> None:
    declared = reasons.all_reasons()
    for reason in declared:
        assert reason.zh and reason.en, reason
        assert any("\u4e00" <= ch <= "\u9fff" for ch in reason.zh), reason
        assert reasons.SEPARATOR not in reason.zh, reason
    # a code names one kind of problem: the same code always says the same in Chinese
    by_code: dict[str, set[str]] = {}
    for reason in declared:
        by_code.setdefault(reason.code, set()).add(reason.zh)
    assert all(len(zh) == 1 for zh in by_code.values()), by_code


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("file not loaded: missing required column(s): amount_yuan", "文件未载入（缺少必填列）"),
        ("file not loaded: encoded as UTF-16; deliver UTF-8", "文件未载入（文件编码为 UTF-16）"),
        ("file not loaded: not a CSV or .xlsx file (name ends in 'pdf')",
         "文件未载入（不是 CSV 或 .xlsx 文件）"),
        ("file not loaded: something new", "文件未载入"),
        ("has 3 fields, the header has 4", "该行字段数与表头不符"),
        ("an error instead of a value: #DIV/0!", "单元格是错误值而不是数值"),
        ("nothing any reason declares", "数据有误"),
    ],
)  # fmt: skip
def test_what_the_reader_says_in_english_gets_its_chinese_half(english: str, chinese: str) -> None:
    said = reasons.bilingual(english)
    assert said == f"{chinese} / {english}"
    assert reasons.bilingual(said) == said  # once only
    assert reasons.english(said) == english


def test_bad_rows_and_files_are_quarantined_as_before_with_bilingual_reasons(
    empty_warehouse, landing
) -> None:
    deliver(landing, "assets", D1, "a.csv", ASSETS_HEADER
            + "A1,expressway,ok,230102,,,2020-01-01,\n"
            + "A2,expressway,ok,230102,,,03/04/2026,\n"
            + "A3,expressway,ok,230102,,,2020-01-01,\n"
            + "A3,expressway,again,230102,,,2020-01-01,\n")  # fmt: skip
    deliver(landing, "assets", D1, "b.csv", "asset_id,name\nA9,x\n")
    with empty_warehouse.connect() as conn:
        ingest(conn, landing, D1, "run-1")
        rows = conn.execute(
            "select file, line, column_name, problem, raw_row ->> 'commissioned_on'"
            " from ops.quarantine where source = 'assets' order by file, line"
        ).fetchall()
        loaded = conn.execute("select asset_id from raw.assets order by 1").fetchall()
    assert loaded == [("A1",), ("A3",)]
    assert rows == [
        ("a.csv", 3, "commissioned_on", "日期有歧义（日、月无法区分） / ambiguous date (day and month"
         " cannot be told apart): write YYYY-MM-DD: 03/04/2026", "03/04/2026"),
        ("a.csv", 5, "asset_id", "同一交付中主键重复 / duplicate key in this delivery (first at"
         " line 4)", "2020-01-01"),
        ("b.csv", None, None, "文件未载入（缺少必填列） / file not loaded: missing required column(s):"
         " asset_class, district_code, commissioned_on", None),
    ]  # fmt: skip
