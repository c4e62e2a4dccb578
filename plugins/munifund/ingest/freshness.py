"""How old each source's latest delivery is on a run's as-of date, and which are stale."""

from __future__ import annotations

import datetime as dt

import psycopg

from munifund.ingest.contracts import BY_NAME


def source_ages(conn: psycopg.Connection, as_of: dt.date) -> dict[str, int | None]:
    """Days since each source's latest partition, as of the run's date (None: never delivered).

    A missing delivery is not an error: the last known data stands and its age is reported.
    (`munifund dbt source freshness` reports the same against the clock, for operators.)
    """
    latest = dict(
        conn.execute(
            "select source, max(partition_date) from ops.partitions_taken"
            " where partition_date <= %s and unreadable_reason is null group by source",
            [as_of],
        ).fetchall()
    )
    return {name: (as_of - latest[name]).days if name in latest else None for name in BY_NAME}


def stale_sources(ages: dict[str, int | None]) -> dict[str, int | None]:
    """The periodic sources not delivered within their bound (None: never delivered)."""
    return {
        name: age
        for name, age in ages.items()
        if BY_NAME[name].stale_after_days is not None
        and (age is None or age > BY_NAME[name].stale_after_days)
    }
