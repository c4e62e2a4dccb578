"""A scenario's rates file read and checked without a database: .csv (UTF-8 or GB18030) and
.xlsx give the same rows; a file breaking the unit_cost_standards contract is refused whole,
naming line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from munifund.whatif.parameters import ScenarioRefused
from munifund.whatif.rates import read_rates

HEADER = ["work_type", "asset_class", "valid_from", "valid_to", "rate_yuan", "unit"]
ROWS = [
    ["sweeping", "secondary_road", "2020-01-01", "", "8.20", "m2"],
    ["sweeping", "secondary_road", "2026-07-01", "", "9.00", "m2"],
    ["greening", "green_belt", "2020-01-01", "2030-12-31", "15.00", "m2"],
]


def csv_file(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    text = "\n".join(",".join(r) for r in [HEADER, *rows]) + "\n"
    path.write_bytes(text.encode(encoding))
    return path


def test_csv_and_xlsx_give_the_same_rates(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    for row in [HEADER, *ROWS]:
        wb.active.append([v or None for v in row])
    wb.save(tmp_path / "rates.xlsx")
    from_csv = read_rates(csv_file(tmp_path / "rates.csv", ROWS))
    from_xlsx = read_rates(tmp_path / "rates.xlsx")
    assert from_csv.rows == from_xlsx.rows
    assert from_csv.rows[0] == ("sweeping", "secondary_road", "2020-01-01", None, "8.20", "m2")
    assert len(from_csv.sha256) == 64


def test_a_gb18030_csv_with_a_chinese_unit_reads(tmp_path: Path) -> None:
    rows = [[*ROWS[0][:5], "平方米"]]
    assert read_rates(csv_file(tmp_path / "gbk.csv", rows, "gb18030")).rows[0][5] == "平方米"


@pytest.mark.parametrize(
    ("rows", "says"),
    [
        ([ROWS[0], ["sweeping", "moon_road", "2020-01-01", "", "1", "m2"]], "line 3, column asset_class: 不是允许的取值 / unknown asset class: moon_road"),
        ([["sweeping", "secondary_road", "2020-02-30", "", "1", "m2"]], "line 2, column valid_from: 日期无法识别 / not a date"),
        ([["sweeping", "secondary_road", "2020-01-01", "", "-1", "m2"]], "column rate_yuan: 不能为负数 / negative"),
        ([["sweeping", "secondary_road", "2020-01-01", "", "", "m2"]], "column rate_yuan: 缺少必填值 / missing value"),
        ([ROWS[0], ROWS[0]], "line 3 repeats the rate of line 2"),
        ([], "no rates in the file"),
    ],
)  # fmt: skip
def test_a_file_breaking_the_contract_is_refused(tmp_path: Path, rows, says: str) -> None:
    with pytest.raises(ScenarioRefused, match="^--rates") as refused:
        read_rates(csv_file(tmp_path / "rates.csv", rows))
    assert says in str(refused.value) and "\n" not in str(refused.value)


def test_a_file_without_a_required_column_is_refused(tmp_path: Path) -> None:
    (tmp_path / "rates.csv").write_text(
        "work_type,asset_class,valid_from\nsweeping,bridge,2020-01-01\n"
    )
    with pytest.raises(ScenarioRefused, match="missing required column"):
        read_rates(tmp_path / "rates.csv")
