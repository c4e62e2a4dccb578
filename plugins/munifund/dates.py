"""The as-of date of a run: the Airflow logical date, as a calendar date in the city's time zone.

Airflow's ``ds`` is the logical date's date in UTC, which for a 02:00 Asia/Shanghai schedule is
the previous day. The pipeline reasons in the city's calendar, so every task and dbt use this.
"""

from __future__ import annotations

import datetime as dt

from munifund.config import CITY_TIMEZONE

NIGHTLY_RUN_TIME = dt.time(2, 0)


def city_date(logical_date: dt.datetime) -> str:
    """The as-of date (YYYY-MM-DD) of a run with this logical date."""
    return logical_date.astimezone(CITY_TIMEZONE).date().isoformat()


def logical_date_for(as_of: dt.date) -> dt.datetime:
    """The logical date of the nightly run whose as-of date is `as_of`."""
    return dt.datetime.combine(as_of, NIGHTLY_RUN_TIME, tzinfo=CITY_TIMEZONE)


def today_in_city() -> dt.date:
    return dt.datetime.now(CITY_TIMEZONE).date()
