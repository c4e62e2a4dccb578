"""Writing dated landing partitions and the manifest that says what is in them.

Layout: ``<out>/<source>/<YYYY-MM-DD>/<source>_<YYYYMMDD>.csv`` (or ``.xlsx``), one file per
source and delivery date. The header is the source's contract (munifund.ingest.contracts) unless
a generator deliberately writes another one. Rows stream through the csv module, so the big
sources never sit in memory. A generator marks a row it breaks on purpose by wrapping it in
`Bad`; the writer records its line number (the header is line 1) in the manifest, or drops it
when bad rows are off.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from munifund.ingest.contracts import BY_NAME

Row = Sequence[object]
MANIFEST_NAME = "_manifest.json"
# Fixed workbook properties and zip entry times, so the same sample is the same bytes.
_WORKBOOK_TIME = datetime(2020, 1, 1)
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Bad:
    """A row that breaks its source's contract on purpose, in `column`, as `kind`."""

    row: Row
    column: str
    kind: str


@dataclass(frozen=True)
class BadRow:
    """Where a deliberately bad row landed: what the quarantine is expected to report."""

    source: str
    partition: str
    file: str  # relative to the sample's root, with forward slashes
    line: int  # as in the CSV file: the header is line 1
    column: str
    kind: str


@dataclass
class Partition:
    source: str
    partition: str
    file: str
    rows: int = 0
    bad_rows: list[BadRow] = field(default_factory=list)


class Landing:
    """The sample city's landing area under `root`; keeps the manifest as it writes."""

    def __init__(self, root: Path, *, with_bad_rows: bool) -> None:
        self.root = root
        self.with_bad_rows = with_bad_rows
        self.partitions: list[Partition] = []
        self._written: set[tuple[str, str]] = set()

    def write_csv(
        self,
        source: str,
        delivered: date,
        rows: Iterable[Row | Bad],
        *,
        header: Sequence[str] | None = None,
        encoding: str = "utf-8",
    ) -> Partition:
        """One CSV partition; `header` only where the sample departs from the contract on purpose."""
        partition, path = self._new_partition(source, delivered, "csv")
        if header is None:
            header = BY_NAME[source].column_names
        with path.open("w", encoding=encoding, newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            for row in self._accepted(partition, rows, len(header)):
                writer.writerow(row)
        return partition

    def write_xlsx(self, source: str, delivered: date, rows: Iterable[Row | Bad]) -> Partition:
        """One workbook partition (first sheet), headed by the source's contract."""
        partition, path = self._new_partition(source, delivered, "xlsx")
        header = BY_NAME[source].column_names
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(source)
        sheet.append(list(header))
        for row in self._accepted(partition, rows, len(header)):
            sheet.append(list(row))
        path.write_bytes(_workbook_bytes(workbook))
        return partition

    def write_manifest(self, *, year: int, scale: int, seed: int) -> Path:
        """`_manifest.json`: rows and deliberately bad rows per source and partition."""
        sources: dict[str, dict[str, object]] = {}
        for p in sorted(self.partitions, key=lambda p: (p.source, p.partition)):
            sources.setdefault(p.source, {})[p.partition] = {
                "file": p.file,
                "rows": p.rows,
                "bad_rows": [asdict(b) for b in p.bad_rows],
            }
        manifest = {
            "generator": "munifund.sample",
            "year": year,
            "scale": scale,
            "seed": seed,
            "line_numbers": "as in the CSV file: the header is line 1, data starts at line 2",
            "sources": sources,
            "bad_rows": [asdict(b) for b in self.bad_rows],
        }
        path = self.root / MANIFEST_NAME
        path.write_text(
            json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
            "utf-8",
        )
        return path

    @property
    def bad_rows(self) -> list[BadRow]:
        ordered = sorted(self.partitions, key=lambda p: (p.source, p.partition))
        return [b for p in ordered for b in p.bad_rows]

    def _new_partition(
        self, source: str, delivered: date, extension: str
    ) -> tuple[Partition, Path]:
        partition_name = delivered.isoformat()
        if (source, partition_name) in self._written:
            raise ValueError(f"{source} partition {partition_name} written twice")
        self._written.add((source, partition_name))
        relative = f"{source}/{partition_name}/{source}_{delivered:%Y%m%d}.{extension}"
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        partition = Partition(source, partition_name, relative)
        self.partitions.append(partition)
        return partition, path

    def _accepted(
        self, partition: Partition, rows: Iterable[Row | Bad], width: int
    ) -> Iterable[Row]:
        """The rows to write, counting them and noting the bad ones' lines.

        Rows are built positionally, so a row whose width is not the header's would shift its
        values under the wrong columns without a word: it stops the sample instead.
        """
        count = 0
        for item in rows:
            values = item.row if isinstance(item, Bad) else item
            if len(values) != width:
                raise ValueError(
                    f"{partition.file} line {count + 2}: {len(values)} values for {width} "
                    f"columns; build the {partition.source} rows in its contract's column order"
                )
            if isinstance(item, Bad):
                if not self.with_bad_rows:
                    continue
                count += 1
                partition.bad_rows.append(
                    BadRow(
                        partition.source,
                        partition.partition,
                        partition.file,
                        count + 1,
                        item.column,
                        item.kind,
                    )
                )
                yield item.row
            else:
                count += 1
                yield item
        partition.rows = count


def _workbook_bytes(workbook: Workbook) -> bytes:
    """The .xlsx bytes with fixed document properties and zip entry times.

    openpyxl stamps `modified` with the current time and zip entries with file times; both are
    replaced so that the same workbook always gives the same bytes.
    """
    workbook.properties.created = _WORKBOOK_TIME
    workbook.properties.modified = _WORKBOOK_TIME
    workbook.properties.creator = "munifund sample"
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).write_data()
    fixed = io.BytesIO()
    with (
        zipfile.ZipFile(raw) as source,
        zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return fixed.getvalue()
