"""The landing a `munifund run` reads: the one given, or the bundled sample city (written for
the as-of date's year when absent), and on the sample the fiscal year Y-1 to publish first."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from rich.console import Console

from munifund.config import Settings

if TYPE_CHECKING:
    from munifund.warehouse.access import Warehouse

SAMPLE_SEED = 42


def prepare_landing(
    settings: Settings, landing: str | None, as_of: dt.date, console: Console
) -> str:
    """The landing area to read; the bundled sample city, generated for as_of's year if absent."""
    if landing:
        return landing
    from munifund.sample import generate_sample_city

    target = settings.sample_landing / str(as_of.year)
    if not (target / "_manifest.json").exists():
        console.print(f"writing the sample city for {as_of.year} to {target}", markup=False)
        generate_sample_city(target, year=as_of.year, scale=1, seed=SAMPLE_SEED)
    return str(target)


def previous_year_to_publish(warehouse: Warehouse, as_of: dt.date) -> dt.date | None:
    """The last day of fiscal year Y-1 when nothing of it is published yet, else None.

    For the bundled sample city only: year over year compares with Y-1's final publication, and
    the sample of Y carries Y-1 as its history (pool, investment, assets, payments), so a first
    `munifund run` publishes Y-1 as of its last day from the same landing before Y. A real
    landing's Y-1 is the operator's to publish (README, "Year over year").
    """
    from munifund.config import FIRST_FISCAL_YEAR

    if as_of.year - 1 < FIRST_FISCAL_YEAR:
        return None
    from munifund.review.queries import year_is_published

    with warehouse.connect() as conn:
        published = year_is_published(conn, as_of.year - 1)
    return None if published else dt.date(as_of.year - 1, 12, 31)
