"""The landing area, ``<landing>/<source>/<YYYY-MM-DD>/<file>``: its partitions, their files,
and what tells a file changed since it was taken (size and time, then its bytes' SHA-256).

The landing area is a local folder (pathlib.Path) or an object store (Airflow's
ObjectStoragePath); only what both offer is used.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from munifund.ingest.reader import ReadablePath

PARTITION_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def refresh_listings(landing: ReadablePath) -> None:
    """An object store's listings are cached: see what is delivered now."""
    fs = getattr(landing, "fs", None)
    if fs is not None:
        fs.invalidate_cache()


def _listdir(path: ReadablePath) -> list:
    try:
        return sorted(path.iterdir(), key=lambda p: p.name)  # type: ignore[attr-defined]
    except FileNotFoundError:
        return []


def list_partitions(
    landing: ReadablePath, source: str, as_of: dt.date
) -> list[tuple[dt.date, list]]:
    source_dir = landing / source  # type: ignore[operator]
    if not source_dir.exists():
        return []
    found = []
    for entry in _listdir(source_dir):
        if not PARTITION_NAME.match(entry.name) or not entry.is_dir():
            continue
        day = dt.date.fromisoformat(entry.name)
        if day <= as_of:
            files = [f for f in _listdir(entry) if f.is_file() and not f.name.startswith(".")]
            found.append((day, files))
    return found


def size_and_modified(path: ReadablePath) -> tuple[int, dt.datetime | None]:
    """The file's size and modification time; no time from a store that keeps none, so that
    such a file gets hashed again on every run."""
    stat = path.stat()  # type: ignore[attr-defined]
    modified = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC) if stat.st_mtime else None
    return stat.st_size, modified


def fingerprint(path: ReadablePath) -> str:
    """The SHA-256 of the file's bytes: tells a re-delivery with other content."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
