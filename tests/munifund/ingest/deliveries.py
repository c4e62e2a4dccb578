"""Landing files for the loader's tests: dates, headers, and a function that delivers a file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

D1, D2, D3 = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)
DISTRICTS = "district_code,name_zh,name_en\n230102,道里区,Daoli\n230103,南岗区,Nangang\n"
ASSETS_HEADER = (
    "asset_id,asset_class,name,district_code,street_code,connected_to,commissioned_on,retired_on\n"
)


def deliver(landing: Path, source: str, day: dt.date, name: str, content: str | bytes) -> Path:
    folder = landing / source / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def quarantine(conn, source: str) -> list[tuple]:
    """(file, line, column, reason in English) of a source's quarantined rows and files."""
    return english(
        conn.execute(
            "select file, line, column_name, problem from ops.quarantine where source = %s"
            " order by line nulls first, column_name",
            [source],
        ).fetchall()
    )


def english(rows, at: int = -1):
    """The rows with their reason (the item at `at`) in English, once it is checked to read in
    Chinese first (reasons.py): the English half is the text these tests always asserted."""
    from munifund.ingest.reasons import english as english_half
    from munifund.ingest.reasons import is_bilingual

    def one(row):
        if isinstance(row, str):
            assert is_bilingual(row), row
            return english_half(row)
        row = list(row)
        if row[at] is not None:
            assert is_bilingual(row[at]), row[at]
            row[at] = english_half(row[at])
        return tuple(row)

    if isinstance(rows, (str, tuple)):
        return one(rows)
    if isinstance(rows, set):
        return {one(r) for r in rows}
    return [one(r) for r in rows]
