"""enforcement_funding against an independent recomputation in Python, on the sample city.

The sample city of fiscal year 2026 is written as landing partitions and the enforcement models
are built (with their unit and data tests) as of the last day of 2025, of 2026-07-15, 2026-11-28
(the dates the README's examples use) and 2026-12-31; as of 2026-11-28 once more with another
pass score. Every figure of each district's row is compared, to the fen, with
`reference_enforcement`, which reads the landing files. The sample is designed so that
released, withheld and pending quarters occur on the usual run dates (sample/enforcement.py).

The raw layer is emptied before and after.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reference_enforcement import enforcement_funding  # noqa: E402

from munifund.dbt_project import run_dbt  # noqa: E402
from munifund.ingest.loader import ingest  # noqa: E402
from munifund.warehouse import Warehouse  # noqa: E402

YEAR = 2026
AS_OF_DATES = (
    dt.date(YEAR - 1, 12, 31),
    dt.date(YEAR, 7, 15),
    dt.date(YEAR, 11, 28),
    dt.date(YEAR, 12, 31),
)
OTHER_PASS_SCORE = Decimal("90")
OTHER_PASS_DATE = dt.date(YEAR, 11, 28)
STAMP = ("fiscal_year", "as_of_date", "run_id")
SELECT = "+enforcement_funding"
SEED_DISTRICTS = (
    Path(__file__).resolve().parents[3] / "dbt_project" / "seeds" / "seed_districts.csv"
)


def empty_raw_layer(warehouse: Warehouse) -> None:
    with warehouse.connect() as conn:
        tables = conn.execute("select tablename from pg_tables where schemaname = 'raw'").fetchall()
        names = ", ".join(f"raw.{name}" for (name,) in tables)
        conn.execute(f"truncate {names}, ops.partitions_taken, ops.quarantine")
        conn.commit()


def seed_districts() -> set[str]:
    with SEED_DISTRICTS.open(encoding="utf-8", newline="") as handle:
        return {row["district_code"] for row in csv.DictReader(handle)}


def build(
    warehouse: Warehouse, landing: Path, as_of: dt.date, run_id: str, work: Path, **dbt_vars: object
) -> list[dict[str, object]]:
    with warehouse.connect() as conn:
        report = ingest(conn, landing, as_of, f"ingest-{run_id}")
        assert not report.unreadable_files, report.as_dict()
    run_dbt(
        [
            "build", "--select", SELECT, "--indirect-selection", "cautious",
            "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
        ],
        warehouse.pipeline_url,
        {"as_of_date": as_of.isoformat(), "run_id": run_id, **dbt_vars},
    )  # fmt: skip
    with warehouse.connect() as conn:
        cur = conn.execute("select * from audit.enforcement_funding")
        columns = [c.name for c in cur.description]
        return [dict(zip(columns, r, strict=True)) for r in cur.fetchall()]


@pytest.fixture(scope="module")
def built(warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    from munifund.sample import generate_sample_city

    work = tmp_path_factory.mktemp("enforcement")
    landing = work / "sample"
    generate_sample_city(landing, year=YEAR)
    empty_raw_layer(warehouse)
    try:
        results = {}
        for as_of in AS_OF_DATES:
            results[as_of] = build(warehouse, landing, as_of, f"test-enforcement-{as_of}", work)
        other = build(
            warehouse, landing, OTHER_PASS_DATE, "test-enforcement-pass-90", work,
            enforcement_pass_score=int(OTHER_PASS_SCORE),
        )  # fmt: skip
        yield {"landing": landing, "results": results, "other_pass_score": other}
    finally:
        empty_raw_layer(warehouse)


def _published(rows: list[dict[str, object]], as_of: dt.date, run_id: str) -> dict[str, dict]:
    for row in rows:
        assert (row["fiscal_year"], row["as_of_date"], row["run_id"]) == (as_of.year, as_of, run_id)
    return {
        r["district_code"]: {
            k: v for k, v in r.items() if k not in (*STAMP, "district_code", "name_zh", "name_en")
        }
        for r in rows
    }


@pytest.mark.parametrize("as_of", AS_OF_DATES, ids=lambda d: d.isoformat())
def test_enforcement_funding_matches_the_recomputation(built: dict, as_of: dt.date) -> None:
    published = _published(built["results"][as_of], as_of, f"test-enforcement-{as_of}")
    expected = enforcement_funding(built["landing"], as_of, seed_districts())
    assert len(expected) == 9
    assert published == expected


def test_the_pass_score_is_the_parameter(built: dict) -> None:
    published = _published(built["other_pass_score"], OTHER_PASS_DATE, "test-enforcement-pass-90")
    expected = enforcement_funding(
        built["landing"], OTHER_PASS_DATE, seed_districts(), OTHER_PASS_SCORE
    )
    assert published == expected
    default = _published(
        built["results"][OTHER_PASS_DATE], OTHER_PASS_DATE, f"test-enforcement-{OTHER_PASS_DATE}"
    )
    assert sum(r["withheld_yuan"] for r in published.values()) > sum(
        r["withheld_yuan"] for r in default.values()
    )


def test_the_usual_run_dates_show_every_status(built: dict) -> None:
    for as_of in (dt.date(YEAR, 7, 15), dt.date(YEAR, 11, 28), dt.date(YEAR, 12, 31)):
        statuses = {r[f"q{q}_status"] for r in built["results"][as_of] for q in range(1, 5)}
        assert statuses == {"released", "withheld", "pending"}, as_of


def test_a_quarter_rounds_half_up_and_the_fourth_takes_the_rest(built: dict) -> None:
    """The sample's funding per head leaves a third decimal in a quarter of some districts'
    annual funding: the published quarters are not all equal there, and add up to the year."""
    rows = built["results"][dt.date(YEAR, 12, 31)]
    uneven = [r for r in rows if (r["annual_yuan"] * 100) % 4]
    assert uneven
    for r in rows:
        assert r["released_yuan"] + r["withheld_yuan"] + r["pending_yuan"] == r["annual_yuan"]
