"""What a run of the loader took: one outcome per file, and their sums for the run's log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from munifund.ingest.landing import LandingIssue


@dataclass
class FileOutcome:
    source: str
    partition_date: dt.date
    file: str
    fingerprint: str = ""
    rows_loaded: int = 0
    rows_quarantined: int = 0
    # rows other files of the delivery had loaded, quarantined as copies of this file's keys
    rows_withdrawn: int = 0
    unreadable_reason: str | None = None


@dataclass
class IngestReport:
    files: list[FileOutcome] = field(default_factory=list)
    # what in the landing area is no delivery, first found by this run
    landing_issues: list[LandingIssue] = field(default_factory=list)

    @property
    def rows_loaded(self) -> int:
        """Rows this run added to raw, less those it took out again."""
        return sum(f.rows_loaded - f.rows_withdrawn for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined + f.rows_withdrawn for f in self.files)

    @property
    def unreadable_files(self) -> list[FileOutcome]:
        return [f for f in self.files if f.unreadable_reason]

    def as_dict(self) -> dict[str, object]:
        return {
            "files_taken": len(self.files),
            "rows_loaded": self.rows_loaded,
            "rows_quarantined": self.rows_quarantined,
            "unreadable_files": [
                f"{f.source}/{f.partition_date}/{f.file}: {f.unreadable_reason}"
                for f in self.unreadable_files
            ],
            "landing_issues": [f"{i.path}: {i.problem}" for i in self.landing_issues],
        }
