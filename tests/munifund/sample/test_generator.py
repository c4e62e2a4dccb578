"""The sample city: deterministic, true to the contract, and designed to exercise every rule.

The facts checked here are recomputed from the generated files, not taken from the generator's
own bookkeeping, so a generator bug cannot hide behind itself.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from munifund.ingest.contracts import BY_NAME
from munifund.sample import SampleSummary, generate_sample_city, write_reference_seeds
from munifund.sample.landing import Landing

YEAR = 2026
REPO = Path(__file__).resolve().parents[3]

# Each source's columns in delivery order, as the loader will check them.
CONTRACT: dict[str, tuple[str, ...]] = {name: c.column_names for name, c in BY_NAME.items()}
# The sources a later partition corrects row by row, read back as the loader keeps them (the
# latest row per key); the others are read whole, so a duplicate in them still shows.
KEYS: dict[str, tuple[str, ...]] = {
    source: BY_NAME[source].key
    for source in (
        "fee_collections",
        "expenditures",
        "area_measurements",
        "assets",
        "asset_transfers",
        "unit_cost_standards",
        "work_orders",
    )
}
REAL_DISTRICTS = {
    "230102": "道里区",
    "230103": "南岗区",
    "230104": "道外区",
    "230108": "平房区",
    "230109": "松北区",
    "230110": "香坊区",
    "230111": "呼兰区",
    "230112": "阿城区",
    "230113": "双城区",
}
MATRIX = {
    ("expressway", "road_maintenance"): "city",
    ("expressway", "sweeping"): "city",
    ("expressway", "greening"): "district",
    ("trunk_road", "road_maintenance"): "city",
    ("trunk_road", "greening"): "district",
    ("trunk_road", "sweeping"): "district",
    ("secondary_road", "road_maintenance"): "district",
    ("secondary_road", "sweeping"): "district",
    ("secondary_road", "greening"): "district",
    ("branch_road", "road_maintenance"): "district",
    ("branch_road", "sweeping"): "street",
    ("branch_road", "greening"): "street",
    ("back_lane", "road_maintenance"): "street",
    ("back_lane", "sweeping"): "street",
    ("back_lane", "greening"): "street",
    ("courtyard", "road_maintenance"): "street",
    ("courtyard", "sweeping"): "street",
    ("courtyard", "greening"): "street",
    ("bridge", "bridge_maintenance"): "district",
    ("bridge", "sweeping"): "district",
    ("elevated_underside", "sweeping"): "city",
    ("elevated_underside", "greening"): "district",
    ("pedestrian_crossing", "bridge_maintenance"): "city",
    ("pedestrian_crossing", "sweeping"): "city",
    ("city_park", "greening"): "city",
    ("city_park", "sweeping"): "city",
    ("green_belt", "greening"): "district",
    ("green_belt", "sweeping"): "district",
    ("public_toilet", "facility_upkeep"): "street",
    ("transfer_station", "facility_upkeep"): "street",
    ("bin_point", "facility_upkeep"): "street",
}
# The generator's documented design for fiscal year Y.
KIOSK_STATUS_DESIGN = {
    "230104": "diverted",
    "230112": "overdrawn",
    "230109": "unplanned",
}
LATE_DISTRICT = "230113"
MONEY = re.compile(r"-?\d+\.\d{2}")


# Reading the landing area back, as a loader would ---------------------------------------------


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def read_table(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header (as written) and data rows of a CSV or the first sheet of an .xlsx."""
    if path.suffix == ".xlsx":
        sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
        rows = [
            ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
    else:
        rows = list(csv.reader(io.StringIO(_decode(path), newline="")))
    return rows[0], rows[1:]


def normalized(header: list[str]) -> list[str]:
    return [h.strip().lower() for h in header]


def partitions(root: Path, source: str) -> list[Path]:
    """The source's files in delivery-date order."""
    return sorted(p for p in (root / source).glob("*/*") if p.suffix in (".csv", ".xlsx"))


def bad_lines(root: Path) -> set[tuple[str, int]]:
    manifest = json.loads((root / "_manifest.json").read_text("utf-8"))
    return {(b["file"], b["line"]) for b in manifest["bad_rows"]}


def records(root: Path, source: str, *, latest: bool = True) -> list[dict[str, str]]:
    """All good rows of a source; with `latest`, a later partition replaces a row by key."""
    skip = bad_lines(root)
    by_key: dict[tuple[str, ...], dict[str, str]] = {}
    rows: list[dict[str, str]] = []
    for path in partitions(root, source):
        relative = path.relative_to(root).as_posix()
        header, data = read_table(path)
        names = normalized(header)
        for line, values in enumerate(data, start=2):
            if (relative, line) in skip:
                continue
            row = dict(zip(names, values, strict=True))
            if latest and source in KEYS:
                by_key[tuple(row[k] for k in KEYS[source])] = row
            else:
                rows.append(row)
    return list(by_key.values()) if latest and source in KEYS else rows


def all_files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# Fixtures ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> SampleSummary:
    return generate_sample_city(
        tmp_path_factory.mktemp("city") / "landing", year=YEAR, scale=1, seed=42
    )


@pytest.fixture(scope="module")
def root(city: SampleSummary) -> Path:
    return city.out


@pytest.fixture(scope="module")
def other_city(tmp_path_factory: pytest.TempPathFactory) -> SampleSummary:
    """Another seed, without the deliberately bad rows."""
    return generate_sample_city(tmp_path_factory.mktemp("other"), year=YEAR, seed=7, bad_rows=False)


# Determinism ------------------------------------------------------------------------------------


def test_same_seed_gives_identical_bytes(
    city: SampleSummary, other_city: SampleSummary, tmp_path: Path
) -> None:
    # generating over a copy of another sample also shows that a previous sample is replaced
    shutil.copytree(other_city.out, tmp_path / "landing")
    again = generate_sample_city(tmp_path / "landing", year=YEAR, scale=1, seed=42)
    first, second = all_files(city.out), all_files(again.out)
    assert first.keys() == second.keys()
    differing = [name for name in first if first[name] != second[name]]
    assert differing == []
    assert any(name.endswith(".xlsx") for name in first)


def test_different_seed_gives_different_data(
    city: SampleSummary, other_city: SampleSummary
) -> None:
    other = other_city
    mine, theirs = all_files(city.out), all_files(other.out)
    for volatile in (
        "work_orders/2026-02-01/work_orders_20260201.csv",
        "kiosks/2025-12-01/kiosks_20251201.csv",
    ):
        assert mine[volatile] != theirs[volatile]
    # reference data does not depend on the seed: it is what the dbt seeds hold
    assert (
        mine["districts/2025-12-01/districts_20251201.csv"]
        == theirs["districts/2025-12-01/districts_20251201.csv"]
    )
    assert other.bad_rows == ()
    manifest = json.loads((other.out / "_manifest.json").read_text("utf-8"))
    assert manifest["bad_rows"] == []


# Layout and manifest ----------------------------------------------------------------------------


def test_every_source_has_a_dated_partition(root: Path) -> None:
    sources = {p.name for p in root.iterdir() if p.is_dir()}
    assert sources == set(CONTRACT)
    for source in CONTRACT:
        files = partitions(root, source)
        assert files, source
        for path in files:
            delivered = date.fromisoformat(path.parent.name)
            assert path.stem == f"{source}_{delivered:%Y%m%d}"


def test_manifest_counts_the_rows_in_the_files(city: SampleSummary, root: Path) -> None:
    manifest = json.loads((root / "_manifest.json").read_text("utf-8"))
    totals: Counter[str] = Counter()
    files = 0
    for source, by_partition in manifest["sources"].items():
        for partition, entry in by_partition.items():
            _, rows = read_table(root / entry["file"])
            assert len(rows) == entry["rows"], (source, partition)
            assert entry["file"].startswith(f"{source}/{partition}/")
            totals[source] += entry["rows"]
            files += 1
    assert dict(totals) == dict(city.rows_by_source)
    assert files == city.files == sum(len(partitions(root, s)) for s in CONTRACT)
    assert len(manifest["bad_rows"]) == len(city.bad_rows) == 5


def test_headers_follow_the_contract(root: Path) -> None:
    # the sample's two planted departures are stated here on purpose, apart from the contract:
    # assets carry an extra `remark` column, work orders the case system's `case_type`, the
    # kiosk header is in capitals with spaces
    extras = {"assets": ("remark",), "work_orders": ("case_type",)}
    for source, columns in CONTRACT.items():
        for path in partitions(root, source):
            header, _ = read_table(path)
            extra = extras.get(source, ())
            assert tuple(normalized(header)) == columns + extra, path
    kiosk_header, _ = read_table(partitions(root, "kiosks")[0])
    assert kiosk_header[0] == " KIOSK_ID "


def test_a_row_that_does_not_fit_its_header_stops_the_sample(tmp_path: Path) -> None:
    # rows are positional and the header comes from the contract: a short row must not shift
    # its values under the wrong columns
    landing = Landing(tmp_path, with_bad_rows=True)
    rows = [("230102", "道里区", "Daoli"), ("230103", "南岗区")]
    with pytest.raises(ValueError, match=r"districts_20260101\.csv line 3: 2 values for 3 columns"):
        landing.write_csv("districts", date(2026, 1, 1), rows)


def test_bad_rows_are_where_the_manifest_says(city: SampleSummary, root: Path) -> None:
    kiosk_ids = {k["kiosk_id"] for k in records(root, "kiosks")}
    kinds = set()
    for bad in city.bad_rows:
        header, rows = read_table(root / bad.file)
        row = dict(zip(normalized(header), rows[bad.line - 2], strict=True))
        value = row[bad.column]
        kinds.add(bad.kind)
        if bad.kind == "negative_amount":
            assert Decimal(value) < 0
        elif bad.kind == "unknown_kiosk":
            assert value not in kiosk_ids
        elif bad.kind == "unparseable_timestamp":
            with pytest.raises(ValueError):
                date.fromisoformat(value[:10])
        elif bad.kind == "missing_key":
            assert value == ""
        elif bad.kind == "duplicate_key":
            earlier = [r[0] for r in rows[: bad.line - 2]]
            assert value in earlier
    assert kinds == {
        "negative_amount",
        "unknown_kiosk",
        "unparseable_timestamp",
        "missing_key",
        "duplicate_key",
    }
    assert not any(b.partition == f"{YEAR - 1}-12-01" for b in city.bad_rows)


def test_money_has_two_decimals(root: Path) -> None:
    columns = {
        "fee_collections": "amount_yuan",
        "expenditures": "amount_yuan",
        "budget_pools": "pool_yuan",
        "own_investment": "amount_yuan",
        "opening_balances": "kiosk_fee_balance_yuan",
    }
    for source, column in columns.items():
        for row in records(root, source, latest=False):
            assert MONEY.fullmatch(row[column]), (source, row)


# Encodings and formats --------------------------------------------------------------------------


def test_street_offices_are_gb18030(root: Path) -> None:
    raw = partitions(root, "street_offices")[0].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert "街道" in raw.decode("gb18030")


def test_expenditure_purposes_carry_a_bom(root: Path) -> None:
    raw = partitions(root, "expenditure_purposes")[0].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfpurpose_code,")


def test_funding_plan_of_the_year_is_a_workbook(root: Path) -> None:
    files = {p.parent.name: p for p in partitions(root, "funding_plans")}
    assert files[f"{YEAR}-01-10"].suffix == ".xlsx"
    _, rows = read_table(files[f"{YEAR}-01-10"])
    assert {r[0] for r in rows} == set(REAL_DISTRICTS)
    assert {r[1] for r in rows} == {str(YEAR)}


# Reference data and assets ----------------------------------------------------------------------


def test_nine_real_districts(root: Path) -> None:
    districts = {d["district_code"]: d["name_zh"] for d in records(root, "districts")}
    assert districts == REAL_DISTRICTS
    streets = records(root, "street_offices")
    assert {s["district_code"] for s in streets} == set(REAL_DISTRICTS)
    assert all(s["street_code"].startswith(s["district_code"]) for s in streets)
    assert len({s["street_code"] for s in streets}) == len(streets) >= 100


def test_responsibility_matrix_is_the_reform_table(root: Path) -> None:
    matrix = {
        (r["asset_class"], r["work_type"]): r["tier"]
        for r in records(root, "responsibility_matrix")
    }
    assert matrix == MATRIX


def test_thirteen_expressways_and_forty_six_city_trunk_roads(root: Path) -> None:
    assets = records(root, "assets")
    by_class = Counter(a["asset_class"] for a in assets)
    assert by_class["expressway"] == 13
    assert by_class["trunk_road"] == 52
    to_district = {
        t["asset_id"]
        for t in records(root, "asset_transfers")
        if t["to_tier"] == "district" and t["work_type"] == "*"
    }
    city_trunks = [
        a for a in assets if a["asset_class"] == "trunk_road" and a["asset_id"] not in to_district
    ]
    assert len(city_trunks) == 46
    assert by_class["bridge"] == 256
    assert by_class["public_toilet"] >= 349
    assert all(a["district_code"] in REAL_DISTRICTS for a in assets)


def test_bridges_name_the_road_they_carry_and_need_no_transfer(root: Path) -> None:
    """City bridges carry the city's expressways and trunk roads, the others district roads,
    each in its own district; no bridge is handed to the city by a transfer any more."""
    assets = {a["asset_id"]: a for a in records(root, "assets")}
    bridges = [a for a in assets.values() if a["asset_class"] == "bridge"]
    roads = Counter()
    for bridge in bridges:
        road = assets[bridge["connected_to"]]
        assert road["district_code"] == bridge["district_code"], bridge
        roads[road["asset_class"]] += 1
    assert roads["expressway"] + roads["trunk_road"] == 162
    assert roads["secondary_road"] == 256 - 162
    to_city = [t for t in records(root, "asset_transfers") if t["to_tier"] == "city"]
    assert not [t for t in to_city if assets[t["asset_id"]]["asset_class"] == "bridge"]


def test_each_devolution_names_its_decree(root: Path) -> None:
    """The development zone's roads move no money; the high-tech zone's Daoli area goes from
    the city to Daoli district on 1 July; every transfer names its decree."""
    assets = {a["asset_id"]: a for a in records(root, "assets")}
    transfers = records(root, "asset_transfers")
    assert all(t["decree_ref"] for t in transfers)
    zone_roads = {a for a, asset in assets.items() if asset["remark"] == "经开区代管道路"}
    assert len(zone_roads) == 32
    assert not [t for t in transfers if t["asset_id"] in zone_roads]
    to_daoli = [t for t in transfers if t["effective_date"] == f"{YEAR}-07-01"]
    assert to_daoli and {t["to_district_code"] for t in to_daoli} == {"230102"}
    classes = Counter(assets[t["asset_id"]]["asset_class"] for t in to_daoli)
    assert classes == {"secondary_road": 4, "branch_road": 8, "green_belt": 3}
    baseline = {t["asset_id"] for t in transfers if t["to_tier"] == "city"}
    assert baseline == {t["asset_id"] for t in to_daoli}


def test_every_matrix_pair_has_one_rate_on_every_day_of_the_year(root: Path) -> None:
    rates = records(root, "unit_cost_standards")
    days = [
        date(YEAR, 1, 1) + timedelta(days=n)
        for n in range((date(YEAR + 1, 1, 1) - date(YEAR, 1, 1)).days)
    ]
    for work_type_pair in MATRIX:
        asset_class, work_type = work_type_pair
        rows = [r for r in rates if (r["asset_class"], r["work_type"]) == work_type_pair]
        for day in days:
            valid = [
                r
                for r in rows
                if date.fromisoformat(r["valid_from"]) <= day
                and (not r["valid_to"] or day <= date.fromisoformat(r["valid_to"]))
            ]
            assert len(valid) == 1, (asset_class, work_type, day, valid)
    # the mid-year revision changes manual sweeping of secondary roads on 1 July
    sweeping = sorted(
        (r["valid_from"], r["rate_yuan"])
        for r in rates
        if r["asset_class"] == "secondary_road" and r["work_type"] == "sweeping"
    )
    assert [v for v, _ in sweeping] == [f"{YEAR - 1}-01-01", f"{YEAR}-07-01"]
    assert sweeping[0][1] != sweeping[1][1]


def test_measurements_follow_the_matrix(root: Path) -> None:
    assets = {a["asset_id"]: a for a in records(root, "assets")}
    measurements = records(root, "area_measurements")
    measured = set()
    for m in measurements:
        asset_class = assets[m["asset_id"]]["asset_class"]
        assert (asset_class, m["work_type"]) in MATRIX, m
        assert m["verified"] in ("true", "false", "是", "否")
        measured.add((m["asset_id"], m["work_type"]))
    expected = {
        (a, w) for a, asset in assets.items() for (c, w) in MATRIX if c == asset["asset_class"]
    }
    assert measured == expected
    verified = {
        (m["asset_id"], m["work_type"]) for m in measurements if m["verified"] in ("true", "是")
    }
    unmeasured = {asset_id for asset_id, _ in expected - verified}
    assert 0 < len(unmeasured) < 0.01 * len(assets)


def test_adopted_roads_arrive_unverified_and_are_verified_later(root: Path) -> None:
    adopted = {
        a["asset_id"]
        for a in records(root, "assets")
        if a["connected_to"] and a["asset_class"] != "bridge"
    }
    assert 30 <= len(adopted) <= 50
    history: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for path in partitions(root, "area_measurements"):
        header, rows = read_table(path)
        for values in rows:
            m = dict(zip(normalized(header), values, strict=True))
            if m["asset_id"] in adopted:
                history[m["measurement_id"]].append((path.parent.name, m["verified"]))
    assert history
    for deliveries in history.values():
        assert [v in ("true", "是") for _, v in deliveries] == [False, True]
        assert deliveries[0][0] < deliveries[1][0]


# Activity and money -----------------------------------------------------------------------------


def _scores(root: Path) -> dict[str, float]:
    due: Counter[str] = Counter()
    on_time: Counter[str] = Counter()
    for case in records(root, "work_orders"):
        deadline = case["deadline_at"][:19]
        if deadline.startswith(str(YEAR)):
            due[case["district_code"]] += 1
            if case["closed_at"] and case["closed_at"][:19] <= deadline:
                on_time[case["district_code"]] += 1
    return {d: 100 * on_time[d] / due[d] for d in due}


def test_one_district_closes_its_cases_late(root: Path) -> None:
    scores = _scores(root)
    assert set(scores) == set(REAL_DISTRICTS)
    assert scores[LATE_DISTRICT] < 60
    assert all(70 <= s <= 95 for d, s in scores.items() if d != LATE_DISTRICT), scores


def test_work_orders_carry_the_contract_s_categories_and_their_case_type(root: Path) -> None:
    """category is component (部件) or event (事件), as sources.md's contract wants, so the
    published assessment ranks both; the case system's type rides along in `case_type`."""
    from munifund.sample.harbin import WORK_ORDER_CASE_TYPES

    kinds = dict(WORK_ORDER_CASE_TYPES)
    seen: Counter[str] = Counter()
    for case in records(root, "work_orders"):
        if not case["case_id"]:
            continue  # the planted row with no key
        assert case["category"] in ("component", "event"), case
        if case["case_type"] and kinds[case["case_type"]] == case["category"]:
            seen[case["category"]] += 1
    assert seen["component"] > 1000 and seen["event"] > 1000, seen


def test_scale_two_doubles_the_work_orders(city: SampleSummary, tmp_path: Path) -> None:
    double = generate_sample_city(tmp_path, year=YEAR, scale=2, seed=42)
    ratio = double.rows_by_source["work_orders"] / city.rows_by_source["work_orders"]
    assert 1.9 <= ratio <= 2.1
    assert double.rows_by_source["kiosks"] == 2 * city.rows_by_source["kiosks"]
    assert double.rows_by_source["districts"] == city.rows_by_source["districts"]


def _kiosk_fee_statuses(root: Path) -> dict[str, str]:
    """domain.md's kiosk-fee check for fiscal year Y on the complete data, computed from files."""
    purposes = {
        p["purpose_code"]: p["is_city_management"] == "true"
        for p in records(root, "expenditure_purposes")
    }
    opening = {
        b["district_code"]: Decimal(b["kiosk_fee_balance_yuan"])
        for b in records(root, "opening_balances")
    }
    planned = {
        (p["district_code"], int(p["fiscal_year"])): Decimal(p["kiosk_fee_planned_yuan"])
        for p in records(root, "funding_plans")
    }
    collected: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    for receipt in records(root, "fee_collections"):
        collected[(receipt["district_code"], int(receipt["paid_at"][:4]))] += Decimal(
            receipt["amount_yuan"]
        )
    spent: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    diverted: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    for voucher in records(root, "expenditures"):
        if voucher["funding_source"] != "kiosk_fee":
            continue
        key = (voucher["district_code"], int(voucher["fiscal_year"]))
        if purposes.get(voucher["purpose_code"], False):
            spent[key] += Decimal(voucher["amount_yuan"])
        else:
            diverted[key] += Decimal(voucher["amount_yuan"])
    statuses = {}
    for code in REAL_DISTRICTS:
        balance = opening[code]
        for year in (YEAR - 1, YEAR):
            key = (code, year)
            balance = balance + collected[key] - spent[key] - diverted[key]
        key = (code, YEAR)
        if diverted[key] > 0:
            statuses[code] = "diverted"
        elif balance < 0:
            statuses[code] = "overdrawn"
        elif planned[key] < collected[key]:
            statuses[code] = "unplanned"
        else:
            statuses[code] = "compliant"
    return statuses


def test_kiosk_fee_statuses_are_as_designed(root: Path) -> None:
    statuses = _kiosk_fee_statuses(root)
    assert set(statuses.values()) == {"diverted", "overdrawn", "unplanned", "compliant"}
    assert statuses == {code: KIOSK_STATUS_DESIGN.get(code, "compliant") for code in REAL_DISTRICTS}


def test_other_funds_spent_on_other_purposes_exist(root: Path) -> None:
    """The trap for the checker: ineligible purposes outside kiosk fees must not count."""
    vouchers = records(root, "expenditures")
    assert any(
        v["funding_source"] != "kiosk_fee" and v["purpose_code"].startswith("OT") for v in vouchers
    )
    unsupported = [
        v
        for v in vouchers
        if v["funding_source"] == "kiosk_fee" and v["purpose_code"] in ("", "ZZ99")
    ]
    assert {v["district_code"] for v in unsupported} == {"230104"}


# Seeds and output folder ------------------------------------------------------------------------


def test_committed_seeds_are_current(tmp_path: Path) -> None:
    write_reference_seeds(tmp_path)
    for seed in sorted(tmp_path.iterdir()):
        committed = REPO / "dbt_project" / "seeds" / seed.name
        assert committed.read_bytes() == seed.read_bytes(), (
            f"regenerate {committed} with write_reference_seeds"
        )
    rates, _ = read_table(tmp_path / "seed_unit_cost_standards.csv")
    assert normalized(rates) == list(CONTRACT["unit_cost_standards"])


def test_refuses_to_write_into_a_foreign_folder(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", "utf-8")
    with pytest.raises(FileExistsError):
        generate_sample_city(tmp_path, year=YEAR)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


# Enforcement staff funding ----------------------------------------------------------------------


def _assessments_known_on(root: Path, day: date) -> dict[tuple[str, str, str], Decimal]:
    known: dict[tuple[str, str, str], Decimal] = {}
    for path in partitions(root, "enforcement_assessments"):
        if date.fromisoformat(path.parent.name) <= day:
            for r in csv.DictReader(io.StringIO(path.read_text("utf-8"))):
                known[(r["district_code"], r["fiscal_year"], r["quarter"])] = Decimal(r["score"])
    return known


def test_every_district_has_enforcement_staffing_for_both_years(root: Path) -> None:
    staffing = records(root, "enforcement_staffing", latest=False)
    assert {(s["district_code"], s["fiscal_year"]) for s in staffing} == {
        (code, str(year)) for code in REAL_DISTRICTS for year in (YEAR - 1, YEAR)
    }
    assert all(int(s["approved_headcount"]) > 0 for s in staffing)


def test_the_usual_run_dates_have_released_withheld_and_pending_quarters(root: Path) -> None:
    """With the pass score of 60, read from the delivered scores: on each date some quarter of
    the year is released, one withheld and one pending (none known: Q4 all year)."""
    for day in (date(YEAR, 7, 15), date(YEAR, 11, 28), date(YEAR, 12, 31)):
        known = _assessments_known_on(root, day)
        statuses = Counter()
        for code in REAL_DISTRICTS:
            for quarter in "1234":
                score = known.get((code, str(YEAR), quarter))
                statuses[
                    "pending" if score is None else "released" if score >= 60 else "withheld"
                ] += 1
        assert set(statuses) == {"released", "withheld", "pending"}, (day, statuses)


def test_no_transfer_takes_effect_before_its_asset_is_commissioned(root: Path) -> None:
    """The loader quarantines such a transfer: the sample delivers none."""
    commissioned = {a["asset_id"]: a["commissioned_on"] for a in records(root, "assets")}
    early = [
        t for t in records(root, "asset_transfers")
        if t["effective_date"] < commissioned[t["asset_id"]]
    ]  # fmt: skip
    assert early == []


def test_one_boundary_road_moves_between_two_districts_during_the_year(root: Path) -> None:
    """Money follows the task between two districts: one decree, known before it takes effect,
    hands all the work of one Xiangfang secondary road that no bridge follows to Nangang."""
    assets = {a["asset_id"]: a for a in records(root, "assets")}
    transfers = records(root, "asset_transfers")
    between = [
        t
        for t in transfers
        if t["to_tier"] == "district"
        and t["to_district_code"]
        and t["to_district_code"] != assets[t["asset_id"]]["district_code"]
    ]
    assert len(between) == 1
    (handover,) = between
    road = assets[handover["asset_id"]]
    assert (road["asset_class"], road["district_code"]) == ("secondary_road", "230110")
    assert (handover["to_district_code"], handover["work_type"]) == ("230103", "*")
    assert handover["effective_date"] == f"{YEAR}-05-01"
    assert not [a for a in assets.values() if a["connected_to"] == road["asset_id"]]
    assert len([t for t in transfers if t["asset_id"] == road["asset_id"]]) == 1
