"""`munifund whatif` on the sample city, published for one date as a nightly run would: each
scenario against the independent recomputation (tests/dbt/allocation/reference_allocation.py) to
the fen, and the published tables, run records, raw data and decisions byte-identical before and
after. The command's refusals each in one line, with exit status 2, before anything is computed.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import re
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from munifund.cli import app
from munifund.config import DAGS_FOLDER, load_settings
from munifund.dbt_project import run_dbt
from munifund.whatif import nightly_tables
from munifund.whatif.compute import Scenario, compute_scenario
from munifund.whatif.parameters import parse_overrides
from munifund.whatif.rates import read_rates

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "dbt" / "allocation"))
from reference_allocation import Standard, allocate, read_inputs  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "review"))
from chromium import run_chromium  # noqa: E402

AS_OF = dt.date(2026, 11, 28)
RUN_ID = "run-sample"  # tests/conftest.py: sample_city
LANDING: list[Path] = []
# Everything a scenario must leave as it was: the published allocation and every other
# published table but its own, the run records and decisions, raw data, the nightly candidate.
UNTOUCHED_SCHEMAS = ("published", "ops", "raw", "audit", "staging", "intermediate")


@pytest.fixture(scope="module")
def city(sample_city):
    """The sample city published for AS_OF (conftest.py)."""
    warehouse, landing, as_of, run_id = sample_city
    assert (as_of, run_id) == (AS_OF, RUN_ID)
    LANDING[:] = [landing]
    return warehouse


def digests(conn: psycopg.Connection) -> dict[str, str]:
    """md5 of every row of every table in the untouched schemas, in a fixed order."""
    tables = conn.execute(
        "select schemaname, tablename from pg_tables where schemaname = any(%s)"
        " and not (schemaname = 'published' and tablename = 'scenario_allocation')"
        " order by 1, 2",
        [list(UNTOUCHED_SCHEMAS)],
    ).fetchall()
    found = {}
    for schema, table in tables:
        (digest,) = conn.execute(
            f"select md5(coalesce(string_agg(t::text, '|' order by t::text), ''))"
            f' from "{schema}"."{table}" t'
        ).fetchone()
        found[f"{schema}.{table}"] = digest
    views = conn.execute(
        "select viewname from pg_views where schemaname = 'published' order by 1"
    ).fetchall()
    for (view,) in views:
        (digest,) = conn.execute(
            f"select md5(coalesce(string_agg(t::text, '|' order by t::text), ''))"
            f' from published."{view}" t'
        ).fetchone()
        found[f"published.{view}"] = digest
    return found


def scenario_rows(conn: psycopg.Connection, name: str) -> dict[str, dict]:
    cur = conn.cursor(row_factory=psycopg.rows.dict_row)
    rows = cur.execute(
        "select * from published.scenario_allocation where as_of_date = %s and scenario = %s"
        " order by district_code",
        [AS_OF, name],
    ).fetchall()
    return {r["district_code"]: r for r in rows}


def published_rows(conn: psycopg.Connection) -> dict[str, dict]:
    cur = conn.cursor(row_factory=psycopg.rows.dict_row)
    rows = cur.execute(
        "select * from published.district_allocation where as_of_date = %s", [AS_OF]
    ).fetchall()
    return {r["district_code"]: r for r in rows}


def compute(warehouse, name: str, *assignments: str, rates: Path | None = None) -> dict:
    scenario = Scenario(
        name, AS_OF, parse_overrides(list(assignments)), read_rates(rates) if rates else None
    )
    with warehouse.connect() as conn:
        before = digests(conn)
    compute_scenario(warehouse, scenario)
    with warehouse.connect() as conn:
        assert digests(conn) == before, "a scenario changed a published or pipeline table"
        return scenario_rows(conn, name)


def reference(threshold=60, basis="increase", pool=None, standards=None):
    inputs = read_inputs(LANDING[0], AS_OF)
    if pool is not None:
        inputs = dataclasses.replace(inputs, pool=pool)
    if standards is not None:
        inputs = dataclasses.replace(inputs, standards=standards)
    return allocate(inputs, threshold, basis).districts


def assert_agrees(rows: dict[str, dict], expected: dict[str, dict]) -> None:
    """The scenario's figures, district by district, to the fen."""
    assert set(rows) == set(expected)
    for code, row in rows.items():
        for figure in ("standard_cost", "base", "incentive", "total"):
            assert row[f"scenario_{figure}_yuan"] == expected[code][f"{figure}_yuan"], (
                code,
                figure,
            )
        assert row["delta_yuan"] == row["scenario_total_yuan"] - row["published_total_yuan"]


def test_a_doubled_pool_doubles_only_the_pool_s_split(city) -> None:
    with city.connect() as conn:
        published = published_rows(conn)
    pool = next(iter(published.values()))["pool_yuan"]
    share = next(iter(published.values()))["incentive_share"]
    rows = compute(city, "double", f"pool_yuan={pool * 2}")
    # money that followed the task is the city's own budget, on top of the pool: not doubled
    devolved = {code: r["devolved_yuan"] for code, r in published.items()}
    total = sum(r["scenario_total_yuan"] for r in rows.values())
    assert total == pool * 2 + sum(devolved.values())  # to the fen
    for code, row in rows.items():
        # the work and its cost are the inputs': unchanged; only the money split moves
        assert row["scenario_standard_cost_yuan"] == published[code]["standard_cost_yuan"]
        assert row["published_total_yuan"] == published[code]["total_yuan"]
        split, published_split = (
            row["scenario_total_yuan"] - devolved[code],
            row["published_total_yuan"] - devolved[code],
        )
        assert abs(split - 2 * published_split) <= Decimal("0.02")
    assert_agrees(rows, reference(pool=(pool * 2, share)))
    params = next(iter(rows.values()))["parameters"]
    assert params["pool_yuan"] == str(pool * 2) and params["incentive_share"] == str(share)


def test_a_raised_threshold_moves_the_incentive_as_the_rules_say(city) -> None:
    with city.connect() as conn:
        published = published_rows(conn)
    scores = sorted(r["assessment_score"] for r in published.values() if r["incentive_yuan"] > 0)
    # just above the lowest qualifying score: that district loses its incentive to the others
    threshold = scores[0] + Decimal("0.01")
    rows = compute(city, "strict", f"incentive_score_threshold={threshold}")
    losers = [
        c
        for c, r in published.items()
        if r["incentive_yuan"] > 0 and r["assessment_score"] < threshold
    ]
    assert losers
    for code in losers:
        assert rows[code]["scenario_incentive_yuan"] == 0
    incentive_pool = sum(r["incentive_yuan"] for r in published.values())
    assert sum(r["scenario_incentive_yuan"] for r in rows.values()) == incentive_pool
    assert_agrees(rows, reference(threshold=Fraction(str(threshold))))


def test_another_basis_and_share_agree_with_the_recomputation(city) -> None:
    with city.connect() as conn:
        pool = next(iter(published_rows(conn).values()))["pool_yuan"]
    rows = compute(city, "increase", "incentive_basis=increase", "incentive_share=0.5")
    assert_agrees(rows, reference(basis="increase", pool=(pool, Decimal("0.5"))))


def current_standards(conn: psycopg.Connection) -> list[dict[str, str]]:
    cur = conn.cursor(row_factory=psycopg.rows.dict_row)
    return cur.execute(
        "select work_type, asset_class, valid_from::text, valid_to::text, rate_yuan::text, unit"
        " from staging.stg_unit_cost_standards__unit_cost_standards order by 1, 2, 3"
    ).fetchall()


def write_rates(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_rates_file_changes_exactly_the_lines_it_touches(city, tmp_path: Path) -> None:
    with city.connect() as conn:
        standards = current_standards(conn)
        published_lines = {
            (d, t, w, a, v): (u, r)
            for d, t, w, a, v, u, r in conn.execute(
                "select district_code, tier, work_type, asset_class, rate_valid_from, unit_days,"
                " rate_yuan from published.district_allocation_lines where as_of_date = %s",
                [AS_OF],
            ).fetchall()
        }
    touched = ("sweeping", "secondary_road")
    changed = [
        {**s, "rate_yuan": str(Decimal(s["rate_yuan"]) * 2)}
        if (s["work_type"], s["asset_class"]) == touched else s
        for s in standards
    ]  # fmt: skip
    rows = compute(city, "sweeping", rates=write_rates(tmp_path / "rates.csv", changed))
    with city.connect() as conn:
        scenario_lines = {
            (d, t, w, a, v): (u, r)
            for d, t, w, a, v, u, r in conn.execute(
                "select district_code, tier, work_type, asset_class, rate_valid_from, unit_days,"
                " rate_yuan from whatif.int_cost_lines_grouped where tier <> 'city'"
            ).fetchall()
        }
    assert set(scenario_lines) == set(published_lines)
    moved = {k for k in published_lines if scenario_lines[k] != published_lines[k]}
    assert moved and all((k[2], k[3]) == touched for k in moved)
    for key in moved:
        assert scenario_lines[key][1] == published_lines[key][1] * 2
        assert scenario_lines[key][0] == published_lines[key][0]  # the work is the same
    expected = reference(
        standards=[
            Standard(
                s["work_type"], s["asset_class"], dt.date.fromisoformat(s["valid_from"]),
                dt.date.fromisoformat(s["valid_to"]) if s["valid_to"] else None,
                Decimal(s["rate_yuan"]),
            )
            for s in changed
        ]
    )  # fmt: skip
    assert_agrees(rows, expected)
    assert next(iter(rows.values()))["parameters"]["rates"]["file"] == "rates.csv"


def scenario_lines(conn: psycopg.Connection) -> dict[tuple, tuple]:
    return {
        (d, t, w, a, v): (u, r)
        for d, t, w, a, v, u, r in conn.execute(
            "select district_code, tier, work_type, asset_class, rate_valid_from, unit_days,"
            " rate_yuan from whatif.int_cost_lines_grouped where tier <> 'city'"
        ).fetchall()
    }


def published_lines(conn: psycopg.Connection) -> dict[tuple, tuple]:
    return {
        (d, t, w, a, v): (u, r)
        for d, t, w, a, v, u, r in conn.execute(
            "select district_code, tier, work_type, asset_class, rate_valid_from, unit_days,"
            " rate_yuan from published.district_allocation_lines where as_of_date = %s",
            [AS_OF],
        ).fetchall()
    }


def test_the_rates_template_is_the_date_s_standards_and_changes_nothing(city, tmp_path) -> None:
    """`munifund whatif rates-template` writes the standards known on the date as a rates file;
    given back unchanged, the scenario is the published allocation: every delta 0."""
    out = tmp_path / "template.csv"
    result = CliRunner().invoke(
        app, ["whatif", "rates-template", "--date", AS_OF.isoformat(), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    with city.connect() as conn:
        standards = current_standards(conn)
    with out.open(encoding="utf-8", newline="") as handle:
        written = list(csv.DictReader(handle))
    assert [{k: v or None for k, v in r.items()} for r in written] == standards
    assert "wrote" in result.output and str(len(standards)) in result.output
    rows = compute(city, "template", rates=out)
    assert all(r["delta_yuan"] == 0 for r in rows.values())
    for r in rows.values():
        assert r["scenario_standard_cost_yuan"] == r["published_standard_cost_yuan"]
    with city.connect() as conn:
        assert scenario_lines(conn) == published_lines(conn)
    # an existing file is never overwritten
    again = CliRunner().invoke(app, ["whatif", "rates-template", "--out", str(out)])
    assert again.exit_code == 2 and "the file exists" in again.output


def test_a_one_row_rates_file_changes_only_that_rate_s_lines(city, tmp_path: Path) -> None:
    """A rates file may carry only the rows it changes: the other standards stay as known."""
    with city.connect() as conn:
        standards = current_standards(conn)
        published = published_lines(conn)
    touched = ("greening", "green_belt")
    (row,) = [s for s in standards if (s["work_type"], s["asset_class"]) == touched][-1:]
    changed = {**row, "rate_yuan": str(Decimal(row["rate_yuan"]) + Decimal("1.5"))}
    rows = compute(city, "one-row", rates=write_rates(tmp_path / "one.csv", [changed]))
    with city.connect() as conn:
        lines = scenario_lines(conn)
    assert set(lines) == set(published)
    moved = {k for k in published if lines[k] != published[k]}
    assert moved and all((k[2], k[3]) == touched for k in moved)
    for key in moved:
        assert lines[key][1] == Decimal(changed["rate_yuan"]) and lines[key][0] == published[key][0]
    assert any(r["delta_yuan"] != 0 for r in rows.values())
    merged = [changed if s == row else s for s in standards]
    expected = reference(
        standards=[
            Standard(
                s["work_type"], s["asset_class"], dt.date.fromisoformat(s["valid_from"]),
                dt.date.fromisoformat(s["valid_to"]) if s["valid_to"] else None,
                Decimal(s["rate_yuan"]),
            )
            for s in merged
        ]
    )  # fmt: skip
    assert_agrees(rows, expected)


def run_cli(*args: str):
    return CliRunner().invoke(app, ["whatif", "--date", AS_OF.isoformat(), *args])


def test_the_command_writes_the_scenario_its_page_and_lists_it_in_the_review_pack(city) -> None:
    with city.connect() as conn:
        published = published_rows(conn)
    pool = next(iter(published.values()))["pool_yuan"]
    # the money that followed the task is the city's own budget, beside any pool
    devolved = sum(r["devolved_yuan"] for r in published.values())
    result = run_cli("--set", f"pool_yuan={pool + 1000}", "--name", "more", "--by", "李四")
    assert result.exit_code == 0, result.output
    folder = load_settings().reviews_dir / AS_OF.isoformat()
    for suffix in (".html", ".xlsx", ".png"):
        assert (folder / f"whatif-more{suffix}").stat().st_size > 0
    page = (folder / "whatif-more.html").read_text(encoding="utf-8")
    assert "pool-check" in page and "✓" in page and 'href="review.html"' in page
    review = (folder / "review.html").read_text(encoding="utf-8")
    assert 'href="whatif-more.html"' in review
    # computed again under the same name: replaced, not added; another name lives beside it
    assert run_cli("--set", f"pool_yuan={pool + 2000}", "--name", "more").exit_code == 0
    assert run_cli("--set", "incentive_share=0", "--name", "flat").exit_code == 0
    with city.connect() as conn:
        more = scenario_rows(conn, "more")
        assert sum(r["scenario_total_yuan"] for r in more.values()) == pool + 2000 + devolved
        assert len(scenario_rows(conn, "flat")) == len(more)
    review = (folder / "review.html").read_text(encoding="utf-8")
    assert 'href="whatif-flat.html"' in review and 'href="whatif-more.html"' in review


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--set", "pool=1"], "unknown parameter"),
        (["--set", "pool_yuan=lots"], "not a number"),
        (["--set", "pool_yuan=１０００"], "digits are ASCII 0-9"),  # Decimal reads it as 1000
        (["--set", "pool_yuan=-5"], "negative"),
        (["--set", "pool_yuan=1.001"], "more than 2 decimals"),
        (["--set", "incentive_share=0.7"], "above 0.5"),
        (["--set", "incentive_score_threshold=101"], "0 to 100"),
        (["--set", "incentive_basis=growth"], "level or increase"),
        (["--set", "pool_yuan"], "NAME=VALUE"),
        (["--set", "incentive_basis=level", "--name", "../x"], "scenario name"),
    ],
)
def test_a_bad_set_is_refused_in_one_line(city, args: list[str], says: str) -> None:
    with city.connect() as conn:
        before = (
            digests(conn),
            conn.execute("select count(*) from published.scenario_allocation").fetchone(),
        )
    result = run_cli(*args, *([] if "--name" in args else ["--name", "bad"]))
    assert result.exit_code == 2, result.output
    assert says in result.output and len(result.output.strip().splitlines()) == 1, result.output
    with city.connect() as conn:
        after = (
            digests(conn),
            conn.execute("select count(*) from published.scenario_allocation").fetchone(),
        )
    assert after == before


def test_a_bad_rates_file_is_refused_in_one_line(city, tmp_path: Path) -> None:
    with city.connect() as conn:
        standards = current_standards(conn)
    bad_value = [{**standards[0], "rate_yuan": "12,5"}, *standards[1:]]
    repeated = [*standards, standards[0]]
    cases = {
        "bad.csv": (bad_value, "line 2, column rate_yuan: 数字无法识别 / not a number"),
        "repeated.csv": (repeated, "repeats the rate of line 2"),
    }
    for name, (rows, says) in cases.items():
        path = write_rates(tmp_path / name, rows)
        result = run_cli("--rates", str(path), "--name", "rates")
        assert result.exit_code == 2, result.output
        assert says in result.output and len(result.output.strip().splitlines()) == 1, result.output
    (tmp_path / "rates.txt").write_text("x")
    result = run_cli("--rates", str(tmp_path / "rates.txt"), "--name", "rates")
    assert result.exit_code == 2 and "not a CSV or .xlsx" in result.output
    with city.connect() as conn:
        assert not scenario_rows(conn, "rates")


def test_a_date_with_nothing_published_is_refused(city) -> None:
    result = CliRunner().invoke(
        app, ["whatif", "--date", "2026-01-05", "--set", "incentive_share=0.2", "--name", "early"]
    )
    assert result.exit_code == 2 and "no allocation is published for 2026-01-05" in result.output


@pytest.fixture
def how_computed(monkeypatch) -> list[str | None]:
    """What each scenario's nightly_tables.compute_from_nightly answered: None when computed
    from the nightly's tables, else why the scenario took a full dbt build."""
    answers: list[str | None] = []
    real = nightly_tables.compute_from_nightly

    def spy(*args):
        answers.append(real(*args))
        return answers[-1]

    monkeypatch.setattr(nightly_tables, "compute_from_nightly", spy)
    return answers


SCENARIO_FIGURES = (
    "published_run_id", "parameters", "scenario_standard_cost_yuan", "scenario_base_yuan",
    "scenario_incentive_yuan", "scenario_total_yuan", "delta_yuan",
)  # fmt: skip


@pytest.mark.parametrize(
    "assignments",
    [
        ("pool_yuan=654321987.65", "incentive_share=0.35"),
        ("incentive_score_threshold=85.5",),
        ("incentive_basis=increase", "incentive_share=0.5"),
    ],
)
def test_a_scenario_from_the_nightly_s_tables_equals_the_full_build_to_the_fen(
    city, how_computed, monkeypatch, assignments
) -> None:
    fast = compute(city, "fast", *assignments)
    assert how_computed == [None], "computed from the nightly's tables of the published run"
    monkeypatch.setattr(nightly_tables, "compute_from_nightly", lambda *args: "the test's")
    full = compute(city, "fast", *assignments)
    assert set(fast) == set(full) and fast
    for code in fast:
        assert {f: fast[code][f] for f in SCENARIO_FIGURES} == {
            f: full[code][f] for f in SCENARIO_FIGURES
        }, code


def test_the_nightly_s_tables_of_another_run_send_the_scenario_to_a_full_build(
    city, how_computed
) -> None:
    table = "intermediate.int_cost_lines_grouped"
    with city.connect() as conn:
        (stamp,) = conn.execute(
            "select obj_description(%s::regclass, 'pg_class')", [table]
        ).fetchone()
        assert stamp == nightly_tables.build_stamp(AS_OF, RUN_ID)
        # as a nightly of another date leaves it (the date is not the last one built)
        conn.execute(
            f"comment on table {table} is 'munifund build: as_of_date=2026-11-29 run_id=x'"
        )
        conn.commit()
    try:
        rows = compute(city, "other-date", "incentive_score_threshold=70")
    finally:
        with city.connect() as conn:
            conn.execute(f"comment on table {table} is '{stamp}'")
    assert how_computed and "int_cost_lines_grouped is not of the published run" in how_computed[0]
    assert "as_of_date=2026-11-29 run_id=x" in how_computed[0]
    assert_agrees(rows, reference(threshold=70))


def test_a_night_publishing_during_a_scenario_refuses_it_and_deletes_nothing(
    city, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scenario is pinned to the run published when it began. A run published for the date
    while it was computed used to make its write delete the scenario's rows and insert none
    (and the report crash): now nothing is written, the earlier rows stay, one line says why."""
    import munifund.whatif.compute as compute_module
    from munifund.whatif.parameters import ScenarioRefused

    before = compute(city, "pinned", "pool_yuan=700000000")
    pool = Decimal("800000000")

    def build_then_a_night_publishes(*args, **kwargs):
        run_dbt(*args, **kwargs)
        with city.connect() as conn:  # what publish_allocation's transaction does to the date
            conn.execute(
                "update published.district_allocation set run_id = 'run-night'"
                " where as_of_date = %s",
                [AS_OF],
            )

    monkeypatch.setattr(compute_module, "run_dbt", build_then_a_night_publishes)
    # the full dbt build, during which the night publishes (the path from the nightly's tables
    # reads them under lock and is pinned the same way at the write)
    monkeypatch.setattr(
        compute_module.nightly_tables, "compute_from_nightly", lambda *_: "the test's full build"
    )
    scenario = Scenario("pinned", AS_OF, parse_overrides([f"pool_yuan={pool}"]))
    try:
        with pytest.raises(ScenarioRefused) as refused:
            compute_scenario(city, scenario)
    finally:
        with city.connect() as conn:
            conn.execute(
                "update published.district_allocation set run_id = %s where as_of_date = %s",
                [RUN_ID, AS_OF],
            )
    assert str(refused.value) == (
        f"run run-night was published for {AS_OF} while the scenario was computed against run"
        f" {RUN_ID}: nothing was written (the scenario's earlier rows, if any, stay); compute"
        " it again to compare with the new run"
    )
    with city.connect() as conn:
        assert scenario_rows(conn, "pinned") == before


# ----------------------------------------------------------------------- the what-if DAG
# The what-if DAG run through Airflow itself (`dag.test()`, the trigger's conf validated against
# its Params) on the published sample city: the same scenario as `munifund whatif`, its page beside
# the pack, naming districts, with a total row and the parameters published beside scenario, and
# fitting a 1280 px screen. A refused scenario fails its run at once with the reason.
# In this module: the published sample city is built once for both.

DAG_ID = "municipal_maintenance_whatif"


@pytest.fixture(scope="module")
def dag(sample_city):
    from airflow.dag_processing.dagbag import DagBag

    from munifund.airflow_env import migrate_metadata_db

    migrate_metadata_db()
    bag = DagBag(dag_folder=str(DAGS_FOLDER / f"{DAG_ID}.py"))
    assert bag.import_errors == {}
    dag = bag.dags[DAG_ID]
    for task in dag.tasks:  # as `munifund run` does: a failure is reported at once
        task.retries = 0
    return dag


def _published(conn: psycopg.Connection, as_of: dt.date) -> dict[str, dict]:
    cur = conn.cursor(row_factory=psycopg.rows.dict_row)
    rows = cur.execute(
        "select * from published.district_allocation where as_of_date = %s", [as_of]
    ).fetchall()
    return {r["district_code"]: r for r in rows}


def _trigger(dag, **conf):
    return dag.test(logical_date=dt.datetime(2026, 12, 1, 2, tzinfo=dt.UTC), run_conf=conf)


@pytest.fixture(scope="module")
def desk_run(dag, sample_city):
    warehouse, _landing, as_of, _run_id = sample_city
    with warehouse.connect() as conn:
        published = _published(conn, as_of)
    pool = next(iter(published.values()))["pool_yuan"]
    run = _trigger(
        dag, name="desk", as_of_date=as_of.isoformat(), pool_yuan=float(pool + 1000),
        incentive_share=0.3,
    )  # fmt: skip
    return run, published, pool


def test_the_dag_computes_the_scenario_the_command_computes(desk_run, sample_city) -> None:
    run, published, pool = desk_run
    warehouse, _landing, as_of, _run_id = sample_city
    assert run.state == "success"
    with warehouse.connect() as conn:
        cur = conn.cursor(row_factory=psycopg.rows.dict_row)
        rows = cur.execute(
            "select * from published.scenario_allocation where as_of_date = %s"
            " and scenario = 'desk'",
            [as_of],
        ).fetchall()
    assert {r["district_code"] for r in rows} == set(published)
    devolved = sum(r["devolved_yuan"] for r in published.values())
    assert sum(r["scenario_total_yuan"] for r in rows) == pool + 1000 + devolved
    first = rows[0]
    assert Decimal(first["parameters"]["incentive_share"]) == Decimal("0.3")
    assert first["changed_parameters"] == {"pool_yuan": str(pool + 1000), "incentive_share": "0.3"}
    assert first["computed_by"]  # who triggered it, as Airflow says


def test_its_page_is_beside_the_pack_and_listed_there(desk_run, sample_city) -> None:
    _warehouse, _landing, as_of, _run_id = sample_city
    folder = load_settings().reviews_dir / as_of.isoformat()
    for suffix in (".html", ".xlsx"):
        assert (folder / f"whatif-desk{suffix}").stat().st_size > 0
    assert 'href="whatif-desk.html"' in (folder / "review.html").read_text(encoding="utf-8")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_page_names_districts_totals_and_shows_the_parameters(desk_run, sample_city) -> None:
    _run, published, pool = desk_run
    _warehouse, _landing, as_of, _run_id = sample_city
    page = (load_settings().reviews_dir / as_of.isoformat() / "whatif-desk.html").read_text(
        encoding="utf-8"
    )
    table = re.search(r'<table[^>]*id="scenario-table".*?</table>', page, re.S).group(0)
    for row in published.values():
        cell = _text(re.search(rf'data-district="{row["district_code"]}".*?</td>', table, re.S)[0])
        # the Chinese name first, then the English one
        assert cell.index(row["name_zh"]) < cell.index(row["name_en"]), cell
    assert re.search(r"<tfoot>.*?(合计|Total).*?</tfoot>", table, re.S), "no total row"
    parameters = _text(re.search(r'id="parameter-table".*?</table>', page, re.S).group(0))
    assert "参数" in parameters and "已发布" in parameters and "测算" in parameters
    assert "资金池" in parameters and "奖励比例" in parameters
    money = f"{pool + 1000:,.2f}"
    assert money in parameters, (money, parameters)
    assert str(Decimal("0.3")) in parameters


def test_the_page_fits_1280_pixels(desk_run, sample_city, tmp_path: Path) -> None:
    """Its content is no wider than a 1280 px window: a copy of the page tells its width (the
    page itself runs no script)."""
    _warehouse, _landing, as_of, _run_id = sample_city
    page = (load_settings().reviews_dir / as_of.isoformat() / "whatif-desk.html").read_text(
        encoding="utf-8"
    )
    probe = tmp_path / "probe.html"
    probe.write_text(
        page.replace(
            "</body>",
            "<script>document.body.setAttribute('data-scroll-width',"
            " document.documentElement.scrollWidth)</script></body>",
        ),
        encoding="utf-8",
    )
    dom = run_chromium(
        tmp_path, "--window-size=1280,900", "--hide-scrollbars", "--dump-dom", probe.as_uri()
    ).stdout
    width = int(re.search(r'data-scroll-width="(\d+)"', dom).group(1))
    assert 0 < width <= 1280, width


def test_a_refused_scenario_fails_its_run_with_the_reason(dag, sample_city, capfd) -> None:
    run = _trigger(dag, name="early", as_of_date="2026-01-05", incentive_share=0.2)
    assert run.state == "failed"
    out, err = capfd.readouterr()
    assert "no allocation is published for 2026-01-05" in out + err
