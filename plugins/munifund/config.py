"""Where munifund keeps its state and which warehouse it talks to.

Everything is read from the environment so that a DAG, the CLI and the tests agree without
passing paths around:

- ``MUNIFUND_HOME`` (default ``./.munifund``): the embedded warehouse, Airflow's home, the bundled
  sample city and the review packs.
- ``MUNIFUND_WAREHOUSE_URL``: a ``postgresql://`` URL of a warehouse server the pipeline writes
  with. When set, nothing embedded is started.
- ``MUNIFUND_LANDING``: the landing area (a folder or an object-store URL); default the bundled
  sample city under ``$MUNIFUND_HOME/landing/sample``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

CITY_TIMEZONE = ZoneInfo("Asia/Shanghai")

#: The repository root: ``plugins/munifund/config.py`` -> three levels up.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
DAGS_FOLDER = PROJECT_ROOT / "dags"
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

# Telemetry off, whatever the environment: Cosmos' own switch and the common do-not-track ones;
# dbt's is also off in dbt_project.yml. Set for Airflow (munifund.airflow_env) and for dbt run
# outside Airflow (munifund.dbt_project).
PRIVACY_ENV = {
    "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    "DO_NOT_TRACK": "1",
    "SCARF_ANALYTICS": "false",
    "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
}


#: The first fiscal year the pipeline computes (the DAG's start date is its first day); an as-of
#: date before it is refused, and the sample city is written for this year or later.
FIRST_FISCAL_YEAR = 2020


def _safe_name(text: str) -> str:
    """A run id as a folder name (`manual__2026-11-29T02:05:08+00:00` has colons)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)


@dataclass(frozen=True)
class Settings:
    home: Path
    warehouse_url: str | None
    landing: str

    @property
    def warehouse_dir(self) -> Path:
        return self.home / "warehouse"

    @property
    def airflow_home(self) -> Path:
        return self.home / "airflow"

    @property
    def reviews_dir(self) -> Path:
        return self.home / "reviews"

    @property
    def sample_landing(self) -> Path:
        return self.home / "landing" / "sample"

    def run_logs_dir(self, as_of: object, run_id: str) -> Path:
        """A DAG run's logs: `run.log` (all `munifund run` kept off the screen) and `dbt_build/`
        (dbt.log and the build's artifacts, which a retry resumes from)."""
        return self.home / "logs" / str(as_of) / _safe_name(run_id)

    @property
    def is_embedded(self) -> bool:
        return self.warehouse_url is None


def load_settings() -> Settings:
    home = Path(os.environ.get("MUNIFUND_HOME", ".munifund")).expanduser().resolve()
    url = os.environ.get("MUNIFUND_WAREHOUSE_URL") or None
    landing = os.environ.get("MUNIFUND_LANDING") or str(home / "landing" / "sample")
    return Settings(home=home, warehouse_url=url, landing=landing)
