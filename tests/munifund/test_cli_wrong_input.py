"""Wrong input to `munifund run` and `munifund sample` is refused before anything runs: exit 2,
one line naming the input, no traceback, and nothing written under $MUNIFUND_HOME (no
warehouse, no Airflow home, no sample city, no review pack)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from munifund.cli import app
from munifund.config import FIRST_FISCAL_YEAR
from munifund.dates import today_in_city
from munifund.run_inputs import WrongInput, check_as_of


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("MUNIFUND_HOME", str(home))
    monkeypatch.delenv("MUNIFUND_WAREHOUSE_URL", raising=False)
    monkeypatch.delenv("MUNIFUND_LANDING", raising=False)
    return home


def _refused(args: list[str]) -> str:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # a message, not a crash
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output and "review pack" not in result.output
    return lines[0]


@pytest.mark.parametrize("value", ["2026-13-01", "yesterday", "2026-02-30", "20260101"])
def test_a_date_that_is_not_one(home: Path, value: str) -> None:
    assert f"--date {value!r} is not a date" in _refused(["run", "--date", value])
    assert not home.exists()


def test_a_date_before_the_first_fiscal_year(home: Path) -> None:
    line = _refused(["run", "--date", f"{FIRST_FISCAL_YEAR - 1}-12-31"])
    assert f"before the pipeline's first fiscal year ({FIRST_FISCAL_YEAR})" in line
    assert not home.exists()


def test_a_date_after_this_fiscal_year(home: Path) -> None:
    next_year = today_in_city().year + 1
    line = _refused(["run", "--date", f"{next_year}-02-01"])
    assert f"--date {next_year}-02-01: after this fiscal year" in line
    assert not home.exists()


def test_the_january_after_this_fiscal_year_is_a_date_to_settle_it() -> None:
    """A run in January of next year settles this year (and waits for next year's pool)."""
    today = today_in_city()
    check_as_of(dt.date(today.year + 1, 1, 31), today)
    with pytest.raises(WrongInput):
        check_as_of(dt.date(today.year + 1, 2, 1), today)


def test_a_landing_folder_that_does_not_exist(home: Path, tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "landing"
    line = _refused(["run", "--date", "2026-06-30", "--landing", str(missing)])
    assert line == f"error: --landing {missing}: no such folder"
    assert not home.exists()


def test_a_landing_that_is_a_file(home: Path, tmp_path: Path) -> None:
    (tmp_path / "landing.csv").write_text("a,b\n", "utf-8")
    line = _refused(["run", "--landing", str(tmp_path / "landing.csv")])
    assert line.endswith("landing.csv: not a folder")


def test_a_landing_with_no_delivery_partition(home: Path, tmp_path: Path) -> None:
    (tmp_path / "landing" / "assets").mkdir(parents=True)
    line = _refused(["run", "--date", "2026-06-30", "--landing", str(tmp_path / "landing")])
    assert "no delivery partition (<source>/<YYYY-MM-DD>/)" in line
    assert not home.exists()


def test_a_landing_whose_deliveries_all_come_after_the_date(home: Path, tmp_path: Path) -> None:
    (tmp_path / "landing" / "assets" / "2026-03-01").mkdir(parents=True)
    line = _refused(["run", "--date", "2026-02-01", "--landing", str(tmp_path / "landing")])
    assert "no delivery dated on or before 2026-02-01 (the first is dated 2026-03-01)" in line


def test_a_landing_url_that_cannot_be_listed(home: Path) -> None:
    # fsspec's in-memory store: nothing there, so listing the "bucket" fails as a store does
    line = _refused(["run", "--date", "2026-06-30", "--landing", "memory://munifund-test/none"])
    assert line.startswith("error: --landing memory://munifund-test/none: cannot be listed")
    assert not (home / "warehouse").exists()


@pytest.mark.parametrize("year", [FIRST_FISCAL_YEAR - 1, 1999, 0, 10_000])
def test_a_sample_year_it_cannot_write(tmp_path: Path, year: int) -> None:
    out = tmp_path / "sample"
    line = _refused(["sample", "--out", str(out), "--year", str(year)])
    assert f"--year {year}: the sample city is written for fiscal years {FIRST_FISCAL_YEAR}" in line
    assert not out.exists()  # no half-written folder


def test_a_sample_folder_it_cannot_write(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file", "utf-8")
    assert _refused(["sample", "--out", str(tmp_path / "taken")]).endswith(
        ": is a file, not a folder"
    )
    inside_a_file = tmp_path / "taken" / "sample"
    assert "cannot be written" in _refused(["sample", "--out", str(inside_a_file)])


def test_the_sample_year_default_is_this_year_in_the_city() -> None:
    # the default is accepted: the bounds are not off by one at either end
    from munifund.run_inputs import LAST_SAMPLE_YEAR, check_sample_year

    for year in (FIRST_FISCAL_YEAR, today_in_city().year, LAST_SAMPLE_YEAR):
        check_sample_year(year)
    assert dt.date(LAST_SAMPLE_YEAR + 1, 12, 31)  # the sample's dates run into the next year
