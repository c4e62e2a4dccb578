"""Reading one delivered file: CSV (UTF-8, UTF-8 with BOM, GB18030/GBK) or .xlsx (first sheet).

Rows stream out with their line numbers, so a large file never has to fit in memory. The
encoding is detected from the bytes, not taken from a setting: a BOM means UTF-8 with BOM; a file
that decodes as strict UTF-8 is UTF-8; otherwise one that decodes as GB18030 (a superset of GBK,
what Chinese office software exports) is GB18030; anything else is unreadable. The header is
matched to the source's contract by name, whatever the order of its columns.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from munifund.ingest.contracts import SourceContract

CHUNK = 1 << 20
CSV_FIELD_LIMIT = 1 << 20


class UnreadableFile(Exception):
    """The file cannot be read at all; the message is the reason recorded in quarantine."""


class ReadablePath(Protocol):
    """What we need of a landing file: a pathlib.Path or an Airflow ObjectStoragePath."""

    name: str

    def open(self, mode: str = ...) -> IO[bytes]: ...


def local_path(path: ReadablePath) -> Path | None:
    """The path on this machine: a pathlib.Path, or a file:// ObjectStoragePath's; None for a
    file on an object store."""
    if isinstance(path, Path):
        return path
    if getattr(path, "protocol", None) == "file":
        return Path(path.path)  # type: ignore[attr-defined]
    return None


@dataclass
class DeliveredFile:
    header: list[str]
    rows: Iterator[tuple[int, list[str | None]]]
    file_format: str  # "csv" or "xlsx"
    encoding: str | None


def open_delivered_file(path: ReadablePath) -> DeliveredFile:
    suffix = path.name.rsplit(".", 1)[-1].lower() if "." in path.name else ""
    if suffix == "csv":
        return _open_csv(path)
    if suffix == "xlsx":
        return _open_xlsx(path)
    raise UnreadableFile(f"not a CSV or .xlsx file (name ends in {suffix or 'nothing'!r})")


def header_map(
    contract: SourceContract, header: list[str]
) -> tuple[list[int | None], list[tuple[int, str]]]:
    """Positions of the contract's columns in the file, and the extra columns kept in raw."""
    normalised = [h.strip().lower() for h in header]
    positions: list[int | None] = []
    missing = []
    for column in contract.columns:
        try:
            positions.append(normalised.index(column.name))
        except ValueError:
            positions.append(None)
            if column.required:
                missing.append(column.name)
    if missing:
        raise UnreadableFile(f"missing required column(s): {', '.join(missing)}")
    known = set(contract.column_names)
    extras = [(i, header[i].strip()) for i, h in enumerate(normalised) if h and h not in known]
    return positions, extras


# ------------------------------------------------------------------------------------ CSV


def _decodes_as(path: ReadablePath, encoding: str, skip: int = 0) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    with path.open("rb") as handle:
        handle.read(skip)
        try:
            while chunk := handle.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def detect_encoding(path: ReadablePath) -> str:
    with path.open("rb") as handle:
        start = handle.read(4)
    if start.startswith(codecs.BOM_UTF8):
        if not _decodes_as(path, "utf-8", skip=len(codecs.BOM_UTF8)):
            raise UnreadableFile("starts with a UTF-8 BOM but is not valid UTF-8")
        return "utf-8-sig"
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableFile("encoded as UTF-16; deliver UTF-8, UTF-8 with BOM or GB18030")
    if _decodes_as(path, "utf-8"):
        return "utf-8"
    if _decodes_as(path, "gb18030"):
        return "gb18030"
    raise UnreadableFile("encoding is none of UTF-8, UTF-8 with BOM or GB18030/GBK")


def _open_csv(path: ReadablePath) -> DeliveredFile:
    encoding = detect_encoding(path)
    csv.field_size_limit(CSV_FIELD_LIMIT)
    binary = path.open("rb")
    text = io.TextIOWrapper(binary, encoding=encoding, newline="")
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        text.close()
        raise UnreadableFile("empty file: no header row") from None
    except csv.Error as err:
        text.close()
        raise UnreadableFile(f"not readable as CSV: {err}") from err
    if not any(h.strip() for h in header):
        text.close()
        raise UnreadableFile("no header row (the first line is empty)")

    def rows() -> Iterator[tuple[int, list[str | None]]]:
        previous_end = reader.line_num
        try:
            for record in reader:
                # a quoted field may span lines: report the line the record starts on
                yield previous_end + 1, record  # type: ignore[misc]
                previous_end = reader.line_num
        except csv.Error as err:
            raise UnreadableFile(f"not readable as CSV after line {previous_end}: {err}") from err
        finally:
            text.close()

    return DeliveredFile(header=header, rows=rows(), file_format="csv", encoding=encoding)


# ----------------------------------------------------------------------------------- xlsx


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        # shortest repr: 12.34 stays 12.34; an integral float loses its ".0"
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _open_xlsx(path: ReadablePath) -> DeliveredFile:
    import zipfile

    from openpyxl import load_workbook

    with path.open("rb") as handle:
        content = io.BytesIO(handle.read())  # openpyxl needs a seekable file
    try:
        workbook = load_workbook(content, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as err:
        raise UnreadableFile(f"not a readable .xlsx workbook: {err}") from err
    if not workbook.worksheets:
        raise UnreadableFile("the workbook has no sheet")
    sheet = workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    first = next(values, None)
    if first is None or not any(v is not None and str(v).strip() for v in first):
        workbook.close()
        raise UnreadableFile("no header row in the first sheet")
    header = [_cell_text(v) or "" for v in first]

    def rows() -> Iterator[tuple[int, list[str | None]]]:
        try:
            for number, record in enumerate(values, start=2):
                cells = [_cell_text(v) for v in record]
                if any(c is not None and c.strip() for c in cells):
                    yield number, cells
        finally:
            workbook.close()

    return DeliveredFile(header=header, rows=rows(), file_format="xlsx", encoding=None)
