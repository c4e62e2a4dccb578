"""The analysts' path in Python, exactly as the README shows it: pandas through a SQLAlchemy
engine on `munifund warehouse url --sqlalchemy`, as the analyst role."""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from munifund.config import PROJECT_ROOT
from munifund.tasks import audit_task, publish_task


def readme_snippet() -> str:
    readme = (PROJECT_ROOT / "README.md").read_text()
    match = re.search(r"<!-- analyst-snippet:.*?-->\n```python\n(.*?)```", readme, re.S)
    assert match, "the README's analyst snippet is missing"
    return match.group(1)


@pytest.fixture()
def one_published_date(empty_warehouse, tmp_path_factory):
    from munifund.dbt_project import run_dbt
    from munifund.ingest.loader import ingest
    from munifund.sample import generate_sample_city
    from munifund.tasks import _landing_path

    landing = tmp_path_factory.mktemp("landing")
    generate_sample_city(landing, year=2026, scale=1, seed=3)
    with empty_warehouse.connect() as conn:
        ingest(conn, _landing_path(str(landing)), dt.date(2026, 9, 30), "r1")
    run_dbt(["build", "--exclude", "resource_type:unit_test", "resource_type:test"],
            empty_warehouse.pipeline_url, {"as_of_date": "2026-09-30", "run_id": "r1"})  # fmt: skip
    publish_task("2026-09-30", "r1", {}, audit_task("2026-09-30", "r1"))
    return empty_warehouse


def test_the_readme_snippet_reads_the_latest_allocation_as_the_analyst(
    one_published_date, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    scope: dict = {}
    exec(compile(readme_snippet(), "README.md", "exec"), scope)  # noqa: S102
    latest = scope["latest"]
    assert str(scope["engine"].url).startswith("postgresql+psycopg://analyst:")
    assert len(latest) == 9
    assert list(latest.columns) == ["district_code", "name_en", "standard_cost_yuan", "total_yuan"]
    assert all(isinstance(v, Decimal) for v in latest["total_yuan"])
    with one_published_date.connect() as conn:
        pool, devolved = conn.execute(
            "select max(pool_yuan), sum(devolved_yuan) from published.district_allocation"
        ).fetchone()
    # the pool, plus what the city's own budget passed on with devolved work (费随事转)
    assert sum(latest["total_yuan"]) == pool + devolved
    assert "district_code" in capsys.readouterr().out
