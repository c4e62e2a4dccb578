"""A chart is drawn once for its data (review/charts.py): the review pack is written again for
every what-if scenario of its date, with the same published figures."""

from __future__ import annotations

from decimal import Decimal

from munifund.review import charts


def test_a_chart_is_drawn_once_for_its_data_and_again_for_other_data(monkeypatch) -> None:
    rows = [
        {"district_code": "D01", "name_en": "Daoli", "base_yuan": Decimal("12.34"),
         "incentive_yuan": Decimal("5.00")},
        {"district_code": "D02", "name_en": "Nangang", "base_yuan": Decimal("7.00"),
         "incentive_yuan": Decimal("0.00")},
    ]  # fmt: skip
    first = charts.allocation_chart(rows)
    drawn = []
    real_png = charts._png
    monkeypatch.setattr(charts, "_png", lambda fig: drawn.append(fig) or real_png(fig))
    again = charts.allocation_chart([dict(r) for r in rows])
    assert again == first and not drawn, "the same data: the kept chart, not drawn again"
    other = charts.allocation_chart([{**rows[0], "base_yuan": Decimal("99.99")}, rows[1]])
    assert drawn and other is not None and other.png != first.png
    assert charts.allocation_chart([]) is None and charts.allocation_chart([]) is None
