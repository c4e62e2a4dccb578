"""The landing area, ``<landing>/<source>/<YYYY-MM-DD>/<file>``: its partitions, their files,
and what in it is no delivery the loader can take (what tells a file changed since it was taken,
its size and time, then its bytes' SHA-256, is delivery.py's).

Nothing in the landing area is passed over in silence: a folder that is no known source, a
source's folder that is not named by a real date, a file outside any partition, a folder inside
one, and a link that leads out of the landing area (never followed) are each a `LandingIssue`,
which the loader records in the quarantine. Two things are passed over on purpose: files at the
top of the landing area (no department delivers there; the sample city keeps its manifest
there) and hidden files (names starting with a dot: editors' lock files, uploads in progress).

The landing area is a local folder (pathlib.Path) or an object store (Airflow's
ObjectStoragePath); only what both offer is used, except that links, which only a local folder
has, are looked at there.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field

from munifund.ingest import reasons as why
from munifund.ingest.reader import ReadablePath, local_path

PARTITION_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# what the quarantine says of each, in Chinese and English (reasons.py)
NOT_A_DATE = why.FOLDER_NOT_A_DATE()
UNKNOWN_SOURCE = why.UNKNOWN_SOURCE()
OUTSIDE = why.LINK_OUTSIDE()
LOOSE_FILE = why.LOOSE_FILE()
INNER_FOLDER = why.INNER_FOLDER()
NOT_A_FILE = why.NOT_A_FILE()


@dataclass(frozen=True)
class LandingIssue:
    """Something in the landing area that the loader cannot take, as the quarantine shows it."""

    source: str  # the source's folder, or the unknown folder's own name
    entry: str  # file or folder name as found (a folder's with a trailing "/")
    problem: str
    # the partition the entry lies in; None for a folder that is no partition (the quarantine
    # records it under the date of the run that first found it)
    partition: dt.date | None
    path: str  # from the top of the landing area, for the run's log


@dataclass
class Landing:
    """The partitions dated on or before a run's date, per source, and what is wrong around them."""

    partitions: dict[str, list[tuple[dt.date, list]]] = field(default_factory=dict)
    issues: list[LandingIssue] = field(default_factory=list)


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


def _listed(walk: _Walk, folder: ReadablePath, source: str, parent: str, name: str,
            day: dt.date | None = None) -> list:  # fmt: skip
    """A folder's entries; a folder that cannot be listed (no permission) is noted, not fatal."""
    try:
        return _listdir(folder)
    except OSError as err:
        walk.note(source, parent, name, why.UNLISTABLE(f" ({err.strerror or err})"), day)
        return []


def partition_day(name: str) -> dt.date | None:
    """The delivery date a partition folder is named by, or None (`2026-02-30` is no date)."""
    if not PARTITION_NAME.match(name):
        return None
    try:
        return dt.date.fromisoformat(name)
    except ValueError:
        return None


def survey_landing(landing: ReadablePath, sources: Collection[str], as_of: dt.date) -> Landing:
    """Every partition of the given sources dated on or before `as_of`, with its files, and every
    issue met on the way (inside a partition only when the partition is due on `as_of`)."""
    walk = _Walk(landing)
    for folder in _listdir(landing):
        name = folder.name + "/"
        if not folder.is_dir() or not walk.followed(folder, folder.name, "", name):
            continue  # a file up here is nobody's delivery
        if folder.name in sources:
            walk.source_folder(folder, as_of)
        else:
            walk.note(folder.name, "", name, UNKNOWN_SOURCE)
    return walk.found


class _Walk:
    """One pass over the landing area, noting issues as it meets them."""

    def __init__(self, landing: ReadablePath) -> None:
        root = local_path(landing)
        self.inside = root.resolve() if root is not None else None
        self.found = Landing()

    def note(
        self, source: str, parent: str, name: str, problem: str, day: dt.date | None = None
    ) -> None:
        self.found.issues.append(LandingIssue(source, name, problem, day, parent + name))

    def followed(
        self, entry: ReadablePath, source: str, parent: str, name: str, day: dt.date | None = None
    ) -> bool:
        """False, with the issue noted, for a link that leads out of the landing area: a
        department's folder must not reach files it was never given."""
        local = local_path(entry) if self.inside is not None else None
        if local is None or not local.is_symlink():
            return True
        try:
            if local.resolve().is_relative_to(self.inside):  # type: ignore[arg-type]
                return True
        except (OSError, RuntimeError):  # a loop of links
            pass
        self.note(source, parent, name, OUTSIDE, day)
        return False

    def source_folder(self, folder: ReadablePath, as_of: dt.date) -> None:
        source, parent = folder.name, folder.name + "/"
        partitions = self.found.partitions.setdefault(source, [])
        for entry, name in _visible(_listed(self, folder, source, "", parent)):
            if not self.followed(entry, source, parent, name):
                continue
            if not name.endswith("/"):
                self.note(source, parent, name, LOOSE_FILE if entry.is_file() else NOT_A_FILE)
            elif (day := partition_day(entry.name)) is None:
                self.note(source, parent, name, NOT_A_DATE)
            elif day <= as_of:
                partitions.append((day, self.partition_files(entry, source, day)))

    def partition_files(self, folder: ReadablePath, source: str, day: dt.date) -> list:
        files = []
        parent = f"{source}/{folder.name}/"
        entries = _listed(self, folder, source, f"{source}/", folder.name + "/", day)
        for entry, name in _visible(entries):
            if not self.followed(entry, source, parent, name, day):
                continue
            if entry.is_file():
                files.append(entry)
            else:
                problem = INNER_FOLDER if name.endswith("/") else NOT_A_FILE
                self.note(source, parent, name, problem, day)
        return files


def _visible(entries: list) -> Iterator[tuple[ReadablePath, str]]:
    """A folder's entries with their names as the quarantine shows them (a folder's with a
    trailing "/"), hidden files left out."""
    for entry in entries:
        if entry.is_dir():
            yield entry, entry.name + "/"
        elif not entry.name.startswith("."):
            yield entry, entry.name
