"""What the reform's matrix and the bridge rule (issue 14) move in the sample city, line by line.

The sample city is recomputed twice with `reference_allocation`: as delivered, and as it stood
before: the old matrix (greening of expressways, trunk roads and the ground under elevated roads
with the city, greening of branch roads with the district), bridges naming no road, and the 162
city bridges handed to the city by standing `*` transfers. The same transfers of duty otherwise
(the Daoli area, the crossings, the trunk roads the city does not keep). Every line other than
the named ones must be the same to the unit-day; the city's own cost and each district's
standard cost move by exactly the named lines' costs.

dbt's figures for the delivered sample equal the recomputation's
(test_allocation_recompute.test_sample_city_matches_the_recomputation).
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from reference_allocation import Allocation, allocate_landing

from munifund.sample import generate_sample_city

AS_OF = dt.date(2026, 11, 28)
# (work_type, asset_class) -> (tier before, tier now) in the matrix
MATRIX_MOVES = {
    ("greening", "expressway"): ("city", "district"),
    ("greening", "trunk_road"): ("city", "district"),
    ("greening", "elevated_underside"): ("city", "district"),
    ("greening", "branch_road"): ("district", "street"),
}
# pairs the old matrix did not have: the sample's back lanes' planters, the streets' now
NEW_PAIRS = {("greening", "back_lane"): "street"}
BRIDGE_SWEEPING = ("sweeping", "bridge")
MOVED = {*MATRIX_MOVES, *NEW_PAIRS, BRIDGE_SWEEPING}


def _rewrite(path: Path, change) -> None:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or ())
        rows = [r for row in reader if (r := change(dict(row))) is not None]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _as_before(landing: Path, before: Path) -> None:
    """The delivered sample as the old matrix and the old standing bridge transfers had it."""
    shutil.copytree(landing, before)
    old_tier = {(c, w): old for (w, c), (old, _) in MATRIX_MOVES.items()}

    def matrix_row(row: dict[str, str]) -> dict[str, str] | None:
        if (row["work_type"], row["asset_class"]) in NEW_PAIRS:
            return None
        row["tier"] = old_tier.get((row["asset_class"], row["work_type"]), row["tier"])
        return row

    for path in (before / "responsibility_matrix").rglob("*.csv"):
        _rewrite(path, matrix_row)
    city_bridges: list[str] = []

    def asset_row(row: dict[str, str]) -> dict[str, str]:
        if row["asset_class"] == "bridge":
            row["connected_to"] = ""
            if row["remark"] == "市管桥梁" and row["asset_id"] not in city_bridges:
                city_bridges.append(row["asset_id"])
        return row

    for path in sorted((before / "assets").rglob("*.csv")):
        _rewrite(path, asset_row)
    # the standing decisions of 2017 as they were, appended to the reference delivery
    (delivered,) = sorted((before / "asset_transfers").iterdir())[0].glob("*.csv")
    with delivered.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        for n, asset_id in enumerate(city_bridges, 1):
            writer.writerow(
                (f"OLD-{n:03d}", asset_id, "*", "city", "", "2017-01-01", "哈政发〔2017〕12号")
            )
    assert len(city_bridges) == 162


def _costs(allocation: Allocation) -> dict[tuple, Decimal]:
    """Yuan-days per (tier, district, work_type, asset_class), rate periods added up."""
    costs: dict[tuple, Decimal] = defaultdict(Decimal)
    for (district, tier, work_type, asset_class, _), line in allocation.lines.items():
        costs[(tier, district, work_type, asset_class)] += line["unit_days"] * line["rate_yuan"]
    for (work_type, asset_class, _), line in allocation.city_lines.items():
        costs[("city", None, work_type, asset_class)] += line["unit_days"] * line["rate_yuan"]
    return dict(costs)


def _assets(allocation: Allocation, tier: str, pair: tuple[str, str]) -> int:
    work_type, asset_class = pair
    if tier == "city":
        return sum(
            line["assets"] for (w, c, _), line in allocation.city_lines.items() if (w, c) == pair
        )
    return sum(
        line["assets"]
        for (_, t, w, c, _), line in allocation.lines.items()
        if (t, w, c) == (tier, work_type, asset_class)
    )


@pytest.fixture(scope="module")
def before_and_now(tmp_path_factory: pytest.TempPathFactory) -> tuple[Allocation, Allocation]:
    root = tmp_path_factory.mktemp("moved_lines")
    landing = root / "sample"
    generate_sample_city(landing, year=AS_OF.year)
    _as_before(landing, root / "before")
    return allocate_landing(root / "before", AS_OF), allocate_landing(landing, AS_OF)


def test_only_the_named_lines_move(before_and_now: tuple[Allocation, Allocation]) -> None:
    before, now = (_costs(a) for a in before_and_now)
    changed = {k for k in before.keys() | now.keys() if before.get(k) != now.get(k)}
    assert changed, "the matrix and the bridge rule move something"
    assert {(w, c) for (_, _, w, c) in changed} == MOVED


def test_greening_along_the_citys_roads_goes_to_the_districts(
    before_and_now: tuple[Allocation, Allocation],
) -> None:
    before, now = (_costs(a) for a in before_and_now)
    for (work_type, asset_class), (old, new) in MATRIX_MOVES.items():
        old_lines = {k: v for k, v in before.items() if k[2:] == (work_type, asset_class)}
        new_lines = {k: v for k, v in now.items() if k[2:] == (work_type, asset_class)}
        # every old line of the pair moves from the old tier to the new one, nothing is lost
        assert sum(new_lines.values()) == sum(old_lines.values()), asset_class
        if old == "city":
            # the old city line is gone (the 6 trunk roads the city does not keep, and the
            # ground under the elevated roads from 1 April, were the districts' already)
            assert ("city", None, work_type, asset_class) in old_lines, asset_class
            assert ("city", None, work_type, asset_class) not in new_lines, asset_class
        else:
            # district to street inside each district: S_d unchanged. Adopted roads' greening
            # and the Daoli area's (transferred `*`) stay with the district.
            def by_district(lines: dict[tuple, Decimal]) -> dict[str, Decimal]:
                sums: dict[str, Decimal] = defaultdict(Decimal)
                for (_, district, _, _), cost in lines.items():
                    sums[district] += cost
                return dict(sums)

            assert by_district(new_lines) == by_district(old_lines)
            assert not [k for k in old_lines if k[0] == new]
            assert [k for k in new_lines if k[0] == new]


def test_trunk_road_bridges_decks_are_swept_by_the_district(
    before_and_now: tuple[Allocation, Allocation],
) -> None:
    """The city's 162 bridges were all the city's; now the city sweeps only the decks on its
    expressways, and the district those on the trunk roads (which it sweeps)."""
    before, now = before_and_now
    city_before = _assets(before, "city", BRIDGE_SWEEPING)
    city_now = _assets(now, "city", BRIDGE_SWEEPING)
    assert city_before == 162
    assert 0 < city_now < 162
    moved = city_before - city_now
    assert (
        _assets(now, "district", BRIDGE_SWEEPING) - _assets(before, "district", BRIDGE_SWEEPING)
        == moved
    )
    # their maintenance stays with whoever maintains the road: the city
    assert _assets(now, "city", ("bridge_maintenance", "bridge")) == _assets(
        before, "city", ("bridge_maintenance", "bridge")
    )


def test_city_and_district_costs_move_by_exactly_the_moved_lines(
    before_and_now: tuple[Allocation, Allocation],
) -> None:
    before_alloc, now_alloc = before_and_now
    before, now = _costs(before_alloc), _costs(now_alloc)

    def city_cost(costs: dict[tuple, Decimal]) -> Decimal:
        return sum((v for k, v in costs.items() if k[0] == "city"), Decimal(0))

    moved_to = defaultdict(Decimal)
    added = Decimal(0)  # the new pairs' cost: the districts gain it, the city loses nothing
    for key in before.keys() | now.keys():
        tier, district, work_type, asset_class = key
        if (work_type, asset_class) in MOVED and tier != "city":
            moved_to[district] += now.get(key, Decimal(0)) - before.get(key, Decimal(0))
        if (work_type, asset_class) in NEW_PAIRS:
            assert tier == NEW_PAIRS[(work_type, asset_class)] and key not in before
            added += now[key]
    for district in before_alloc.cost_yuan_days.keys() | now_alloc.cost_yuan_days.keys():
        delta = now_alloc.cost_yuan_days.get(
            district, Decimal(0)
        ) - before_alloc.cost_yuan_days.get(district, Decimal(0))
        assert delta == moved_to.get(district, Decimal(0)), district
    assert city_cost(before) - city_cost(now) == sum(moved_to.values()) - added
    assert sum(moved_to.values()) > added > 0
