"""The charts speak Chinese first, in the font that ships with the package: every glyph of a
chart's Chinese text is found in it, whatever fonts the machine has (review/charts.py,
review/fonts/)."""

from __future__ import annotations

import warnings
from decimal import Decimal

from munifund.review import charts

ROWS = [
    {"district_code": "230102", "name_zh": "道里区", "name_en": "Daoli District",
     "base_yuan": Decimal("4740740.70"), "incentive_yuan": Decimal("925925.92"),
     "total_yuan": Decimal("5666666.62"), "collected_yuan": Decimal("90000.00"),
     "spent_city_mgmt_yuan": Decimal("60000.00"), "diverted_yuan": Decimal("0.00")},
    {"district_code": "230126", "name_zh": "呼兰区", "name_en": "Hulan District",
     "base_yuan": Decimal("2222222.20"), "incentive_yuan": Decimal("0.00"),
     "total_yuan": Decimal("2222222.20"), "collected_yuan": Decimal("30000.00"),
     "spent_city_mgmt_yuan": Decimal("10000.00"), "diverted_yuan": Decimal("12500.00")},
]  # fmt: skip
NAMES = {"230102": ("道里区", "Daoli District"), "230126": ("呼兰区", "Hulan District")}


def test_the_font_ships_with_the_package_with_its_licence() -> None:
    assert charts.FONT_FILE.is_file() and charts.FONT_FILE.stat().st_size < 2_500_000
    licence = (charts.FONT_FILE.parent / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    assert charts.chart_font() == charts.FONT_FAMILY


def test_the_charts_font_is_the_shipped_file_not_the_machine_s() -> None:
    from matplotlib import font_manager

    with charts._style():
        import matplotlib

        family = matplotlib.rcParams["font.family"]
        assert family[0] == charts.FONT_FAMILY
        found = font_manager.findfont(font_manager.FontProperties(family=family[0]))
    assert found == str(charts.FONT_FILE)
    # the font holds what the charts write: the districts, the titles, the axes, 元
    from fontTools.ttLib import TTFont

    cmap = TTFont(charts.FONT_FILE)["cmap"].getBestCmap()
    text = "道里区呼兰区南岗道外平房松北香坊阿城双城各区分配基础奖励与上次发布相比的变动元占道费收缴挪用全市"
    assert not [c for c in text if ord(c) not in cmap]


def test_a_chart_in_chinese_draws_every_glyph_from_the_shipped_font() -> None:
    """Drawn afresh (not from the chart cache): matplotlib warns "Glyph … missing from font(s)"
    for a character no font of the family list has, and draws a box instead."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        drawn = [
            charts.allocation_chart.__wrapped__(ROWS),
            charts.kiosk_chart.__wrapped__(ROWS),
            charts.delta_chart(
                [{**r, "delta_yuan": Decimal("-1234.56")} for r in ROWS],
                NAMES, "changes.png", "与上次发布相比的变动 / Change", "alt",
            ),
        ]  # fmt: skip
    missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
    assert not missing, missing
    assert all(c is not None and c.png.startswith(b"\x89PNG") for c in drawn)
    assert drawn[0].alt.startswith("各区分配") and "yuan" in drawn[0].alt


def test_the_names_under_the_bars_are_chinese_first() -> None:
    assert charts._label(ROWS[0]) == "道里区"
    assert charts._label({"district_code": "230199", "name_en": "Somewhere"}) == "Somewhere"
    assert charts._name(NAMES, "230126") == "呼兰区" and charts._name({}, "230199") == "230199"
