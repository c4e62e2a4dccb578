"""What `munifund run` prints after a run published (runner.summary): the allocation fits the
terminal without cutting a figure, and a delivered name is text, never rich markup."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from rich.console import Console

from munifund.review.queries import PackData, Table
from munifund.runner.summary import allocation_table

AS_OF = dt.date(2026, 11, 28)


def _data(name_zh: str = "道里区") -> PackData:
    rows = [
        {
            "district_code": f"23010{i}", "name_zh": name_zh, "name_en": "Daoli [bold]x[/]",
            "standard_cost_yuan": Decimal("127714123.45"), "assessment_score": Decimal("87.50"),
            "base_yuan": Decimal("117714123.45"), "incentive_yuan": Decimal("10000000.00"), "devolved_yuan": Decimal("-1234567.89"),
            "total_yuan": Decimal("127714123.45") + i,
        }
        for i in range(9)
    ]  # fmt: skip
    empty = Table("empty", [])
    return PackData(AS_OF, None, Table("district_allocation", rows), *[empty] * 8)


def _screen(data: PackData, width: int) -> str:
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(allocation_table(data, width))
    return console.export_text()


@pytest.mark.parametrize("width", [80, 120, 160])
def test_every_amount_is_shown_whole_within_the_width(width: int) -> None:
    data = _data()
    text = _screen(data, width)
    assert max(len(line.rstrip()) for line in text.splitlines()) <= width
    for row in data.allocation.rows:
        assert f"{row['total_yuan']:,.2f}" in text
        assert f"{row['incentive_yuan']:,.2f}" in text
        assert "-1,234,567.89" in text
    total = sum(r["total_yuan"] for r in data.allocation.rows)
    assert f"{total:,.2f}" in text  # 1,149,427,147.05: the sum, not cut
    assert "…" not in text
    if width >= 100:  # the standard cost and the base, on a wide screen
        assert "127,714,123.45" in text and "117,714,123.45" in text
    else:
        assert "standard cost, base: review pack" in text


def test_a_name_with_markup_is_printed_as_it_was_delivered() -> None:
    text = _screen(_data(name_zh="道里[/]区"), 200)
    assert "道里[/]区" in text and "Daoli [bold]x[/]" in text


def _printed(lines: list[str], width: int) -> list[str]:
    from rich.markup import escape

    console = Console(width=width, record=True, file=io.StringIO())
    for line in lines:
        console.print(escape(line), soft_wrap=True)
    return console.export_text().splitlines()


@pytest.mark.parametrize("width", [80, 120])
def test_the_files_with_refused_rows_are_named_within_the_width(width: int) -> None:
    from rich.cells import cell_len

    from munifund.runner.summary import refused_lines

    long_name = "work_orders/2026-12-03/" + "道里区数字城管案件导出" * 8 + "[bold]x[/].csv"
    files = [
        ("budget_pools/2026-12-03/pool.pdf", 0, True),
        ("work_orders/2026-12-03/orders.csv", 3, False),
        (long_name, 12, False),
    ]
    shown = _printed(refused_lines(files, width), width)
    assert shown[0] == "拒收 / refused: whole file budget_pools/2026-12-03/pool.pdf"
    assert shown[1] == "拒收 / refused: 3 rows in work_orders/2026-12-03/orders.csv"
    assert shown[2].startswith("拒收 / refused: 12 rows in work_orders/2026-12-03/")
    assert shown[2].endswith("x[/].csv") and "…" in shown[2]  # markup shown as delivered
    assert len(shown) == 3
    assert max(cell_len(line) for line in shown) <= width


def test_beyond_ten_files_the_screen_counts_the_rest() -> None:
    from munifund.runner.summary import refused_lines

    files = [(f"work_orders/2026-12-03/o{i}.csv", 1, False) for i in range(13)]
    lines = refused_lines(files, 80)
    assert len(lines) == 11
    assert lines[-1] == "拒收 / refused: 3 more files (receipts)"


def test_the_run_s_refused_files_come_from_its_quarantine(empty_warehouse, tmp_path) -> None:
    from munifund.ingest.loader import ingest
    from munifund.runner.summary import _refused_files

    day = dt.date(2026, 12, 3)
    folder = tmp_path / "work_orders" / day.isoformat()
    folder.mkdir(parents=True)
    (folder / "orders.csv").write_text(
        "case_id,district_code,street_code,category,reported_at,deadline_at,closed_at\n"
        + "".join(f"C{i},230102,,event,soon,2026-12-04T08:00,\n" for i in range(3))
        + "C9,230102,,event,2026-12-03T08:00,2026-12-04T08:00,\n",
        "utf-8",
    )
    with empty_warehouse.connect() as conn:
        ingest(conn, tmp_path, day, "run-screen")
        assert _refused_files(conn, "run-screen") == [
            ("work_orders/2026-12-03/orders.csv", 3, False)
        ]
        assert _refused_files(conn, "another-run") == []
