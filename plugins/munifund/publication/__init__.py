"""Write-audit-publish: dbt builds the candidate in `audit`; `audit` checks it; `publish` copies
it into `published` in one transaction and records the run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# Which marts are published, and how, is each mart's own declaration (`meta.publish` in its yml),
# read through munifund.catalog; the published tables themselves are the warehouse migrations'.


@dataclass(frozen=True)
class RunContext:
    """A run of the pipeline: its as-of date (the logical date in the city), Airflow run id, and
    who started it (recorded with the run: that person may not approve it)."""

    as_of: dt.date
    run_id: str
    started_by: str | None = None

    @property
    def fiscal_year(self) -> int:
        return self.as_of.year
