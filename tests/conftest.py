"""Shared fixtures: one embedded PostgreSQL for the whole test session, in a temporary home.

Tests never touch the developer's own ``.munifund``: MUNIFUND_HOME points at a temporary folder
before anything reads it, and the server is stopped at the end of the session.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from munifund.config import load_settings
from munifund.warehouse import Warehouse, ensure_warehouse, stop_warehouse


@pytest.fixture(scope="session")
def munifund_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("munifund_home")
    saved = {k: os.environ.get(k) for k in ("MUNIFUND_HOME", "MUNIFUND_WAREHOUSE_URL", "MUNIFUND_LANDING")}
    os.environ["MUNIFUND_HOME"] = str(home)
    os.environ.pop("MUNIFUND_WAREHOUSE_URL", None)
    os.environ.pop("MUNIFUND_LANDING", None)
    yield home
    stop_warehouse(load_settings())
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def warehouse(munifund_home: Path) -> Warehouse:
    """The embedded warehouse of this test session, started and bootstrapped."""
    return ensure_warehouse(load_settings())
