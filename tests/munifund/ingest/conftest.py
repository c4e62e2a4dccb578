"""The loader tests' fixtures: a landing area with the districts delivered, and a record of what
the fast path did."""

from __future__ import annotations

from pathlib import Path

import pytest
from deliveries import D1, DISTRICTS, deliver


@pytest.fixture()
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    deliver(root, "districts", D1, "districts.csv", DISTRICTS)
    return root


@pytest.fixture()
def fast_loads(monkeypatch) -> list[int | None]:
    """What each attempt of the fast path returned: rows loaded, or None when it handed over."""
    from munifund.ingest import loader

    results: list[int | None] = []
    fast_path = loader.copy_csv_beside_checks
    monkeypatch.setattr(
        loader,
        "copy_csv_beside_checks",
        lambda *a, **k: results.append(fast_path(*a, **k)) or results[-1],
    )
    return results
