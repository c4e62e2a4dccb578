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
