"""The what-if DAG run through Airflow itself (`dag.test()`, the trigger's conf validated against
its Params) on the published sample city: the same scenario as `munifund whatif`, its page beside
the pack, naming districts, with a total row and the parameters published beside scenario, and
fitting a 1280 px screen. A refused scenario fails its run at once with the reason."""

from __future__ import annotations

import datetime as dt
import re
import sys
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from munifund.config import DAGS_FOLDER, load_settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "review"))
from chromium import run_chromium  # noqa: E402

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
