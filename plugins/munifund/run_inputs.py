"""What a person gives `munifund run` and `munifund sample`, checked before anything runs.

Each check raises `WrongInput` with one line that names the input; the CLI prints it and exits
with status 2. Nothing has been started or written by then: no warehouse, no Airflow home, no
sample folder.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from munifund.config import FIRST_FISCAL_YEAR

#: the sample city's decrees and kiosks go back to 2015-2017; its dates need year + 1 to exist
LAST_SAMPLE_YEAR = 9998


class WrongInput(ValueError):
    """An input the command cannot use; the message is one line naming it."""


def parse_date(value: str) -> dt.date:
    """YYYY-MM-DD only: Python also reads `20260101` and `2026-W01-1`, which nobody means."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise WrongInput(f"--date {value!r} is not a date (YYYY-MM-DD)") from None


def check_as_of(as_of: dt.date, today: dt.date) -> None:
    """A date in the years the pipeline covers: its first fiscal year up to this one, and the
    January after it, whose runs settle this year (年终结算: January's payments of the year,
    before the next year's pool; domain.md "The budget year")."""
    if as_of.year < FIRST_FISCAL_YEAR:
        raise WrongInput(
            f"--date {as_of}: before the pipeline's first fiscal year ({FIRST_FISCAL_YEAR})"
        )
    settling = as_of.year == today.year + 1 and as_of.month == 1
    if as_of.year > today.year and not settling:
        raise WrongInput(
            f"--date {as_of}: after this fiscal year ({today.year}) and the January that settles"
            " it; nothing is known of it yet"
        )


def check_sample_year(year: int) -> None:
    if not FIRST_FISCAL_YEAR <= year <= LAST_SAMPLE_YEAR:
        raise WrongInput(
            f"--year {year}: the sample city is written for fiscal years"
            f" {FIRST_FISCAL_YEAR} to {LAST_SAMPLE_YEAR}"
        )


def check_sample_out(out: Path) -> None:
    """A folder the sample can be written into (what is already in it, the generator judges:
    only an earlier sample's files are replaced)."""
    if out.exists() and not out.is_dir():
        raise WrongInput(f"--out {out}: is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".munifund-write-test"
        probe.touch()
        probe.unlink()
    except OSError as err:
        raise WrongInput(f"--out {out}: cannot be written ({err.strerror or err})") from None


def check_landing(landing: str, as_of: dt.date) -> str:
    """The landing area to read: a folder as an absolute path (a relative one is the caller's,
    not the DAG's) or an object-store URL as given. Refused when it does not exist, cannot be
    listed, or holds no delivery dated on or before as_of."""
    if "://" in landing:
        from munifund.airflow_env import configure_airflow
        from munifund.config import load_settings

        configure_airflow(load_settings())  # a URL's credentials are an Airflow connection's
    else:
        path = Path(landing).expanduser().resolve()
        if not path.is_dir():
            what = "not a folder" if path.exists() else "no such folder"
            raise WrongInput(f"--landing {landing}: {what}")
        landing = str(path)
    _check_listable(landing, as_of)
    return landing


def _check_listable(landing: str, as_of: dt.date) -> None:
    from munifund.ingest.landing import partition_day

    root = _landing_root(landing)
    try:
        sources = [p for p in root.iterdir() if p.is_dir()]
        days = [
            day
            for source in sources
            for folder in source.iterdir()
            if (day := partition_day(folder.name)) is not None
        ]
    except Exception as err:  # any store's error: missing bucket, refused credentials, no host
        reason = " ".join(str(err).split())[:200] or type(err).__name__
        raise WrongInput(f"--landing {landing}: cannot be listed ({reason})") from None
    if not days:
        raise WrongInput(f"--landing {landing}: no delivery partition (<source>/<YYYY-MM-DD>/)")
    if min(days) > as_of:
        raise WrongInput(
            f"--landing {landing}: no delivery dated on or before {as_of}"
            f" (the first is dated {min(days)})"
        )


def _landing_root(landing: str):
    if "://" not in landing:
        return Path(landing)
    from airflow.sdk import ObjectStoragePath

    return ObjectStoragePath(landing)
