"""Reading one delivered file: CSV (UTF-8, UTF-8 with BOM, GB18030/GBK) or .xlsx (first sheet).

Rows stream out with their line numbers, so a large file never has to fit in memory. The
encoding is detected from the bytes, not taken from a setting: a BOM means UTF-8 with BOM; a file
that decodes as strict UTF-8 is UTF-8; otherwise one that decodes as GB18030 (a superset of GBK,
what Chinese office software exports) is GB18030; anything else is unreadable. The header is
matched to the source's contract by name, whatever the order of its columns.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol
from xml.etree.ElementTree import Element, iterparse

from munifund.ingest.contracts import EXAMPLE_SHEET, SourceContract

if TYPE_CHECKING:
    from munifund.ingest.delivery import Delivery

CHUNK = 1 << 20
# The field limit, in characters (README, "Rules and parameters"): above every contract's longest
# value, so that an over-long one is a row's problem (validation.py). A field beyond it is never
# held whole: the row is refused, and the field kept cut to its start, with its length and hash.
FIELD_LIMIT = int(os.environ.get("MUNIFUND_FIELD_LIMIT", 1 << 20))
KEPT_OF_LONG_FIELD = 256
# the most bytes a part of an .xlsx (a sheet, the shared strings) may unpack to, in field limits:
# 256 MiB by default
XLSX_PART_FACTOR = 256


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
    # cells that hold no value to read, by line and field: a formula never calculated, an error
    cell_problems: dict[int, dict[int, str]] = field(default_factory=dict)
    # what of the file is not read, though the rest loads: a workbook's other sheets
    unread: list[str] = field(default_factory=list)


def open_delivered_file(
    path: ReadablePath, delivery: Delivery | None = None, handle: IO[bytes] | None = None
) -> DeliveredFile:
    """The header and rows of a delivered file. The loader gives the survey's Delivery and the
    load's one handle (read from its start, left open); without them (a scenario's rates file,
    small and local) the file is surveyed and read here."""
    if delivery is None:
        from munifund.ingest.delivery import survey

        with survey(path) as delivery:
            pass
        handle = io.BytesIO(Path(delivery.local).read_bytes())
    assert handle is not None
    if delivery.file_format == "csv":
        if delivery.unreadable:
            raise UnreadableFile(delivery.unreadable)
        return _open_csv(handle, delivery.encoding or "utf-8", delivery.long_fields)
    if delivery.file_format == "xlsx":
        return _open_xlsx(handle)
    suffix = path.name.rsplit(".", 1)[-1].lower() if "." in path.name else ""
    raise UnreadableFile(f"not a CSV or .xlsx file (name ends in {suffix or 'nothing'!r})")


def header_name(text: str) -> str:
    """A header cell as it is matched: NFKC (full-width letters and digits as ASCII), trimmed,
    case folded."""
    return unicodedata.normalize("NFKC", text).strip().casefold()


def header_map(
    contract: SourceContract, header: list[str]
) -> tuple[list[int | None], list[tuple[int, str]]]:
    """Positions of the contract's columns in the file, and the extra columns kept in raw. A
    column is named by its name or its Chinese label (contracts.LABELS_ZH), case and width
    insensitive; a column named twice (by either) makes the file unreadable."""
    by_name = {}
    for column in contract.columns:
        by_name[header_name(column.name)] = column.name
        if column.label:
            by_name[header_name(column.label)] = column.name
    names = [by_name.get(n, n) for n in map(header_name, header)]
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if name and (first := seen.setdefault(name, i)) != i:
            also = (
                ""
                if header[first].strip() == header[i].strip()
                else f" (as {header[first].strip()!r})"
            )
            raise UnreadableFile(
                f"column {header[i].strip()!r}{also} appears twice in the header (columns"
                f" {first + 1} and {i + 1}): which one holds the data cannot be told; deliver it"
                " once"
            )
    positions: list[int | None] = []
    missing = []
    for column in contract.columns:
        if column.name in seen:
            positions.append(seen[column.name])
        else:
            positions.append(None)
            if column.required:
                missing.append(column.name)
    if missing:
        raise UnreadableFile(f"missing required column(s): {', '.join(missing)}")
    known = set(contract.column_names)
    extras = [(i, header[i].strip()) for i, n in enumerate(names) if n and n not in known]
    return positions, extras


def file_columns(contract: SourceContract, header: list[str]) -> list[str | None]:
    """The contract's column each header cell names, in file order (None: an extra column)."""
    positions, _ = header_map(contract, header)
    by_position = {
        i: c for c, i in zip(contract.column_names, positions, strict=True) if i is not None
    }
    return [by_position.get(i) for i in range(len(header))]


# ------------------------------------------------------------------------------------ CSV


def detect_encoding(path: ReadablePath) -> str:
    """The encoding of a CSV, from one reading of its bytes (delivery.survey)."""
    from munifund.ingest.delivery import survey

    with survey(path) as delivery:
        if delivery.unreadable:
            raise UnreadableFile(delivery.unreadable)
        return delivery.encoding or "utf-8"


NOT_ACCEPTED = "encoding is none of UTF-8, UTF-8 with BOM or GB18030/GBK"
SAMPLE_BYTES = 1 << 16
# a character beyond ASCII with a Latin letter next to it: how Latin-1 or CP1252 text reads as
# GB18030 (an accented letter and the ASCII letter after it make one CJK character: "M黮ler")
TORN_WORD = re.compile(r"(?<=[A-Za-z])[^\x00-\x7f]|[^\x00-\x7f](?=[A-Za-z])")


def require_chinese(sample: bytes) -> None:
    """Bytes that are not UTF-8 but decode as GB18030 may be another encoding altogether (most
    byte sequences decode as GB18030), which would load as mojibake. Judged on a sample (the
    header and the lines holding non-ASCII bytes, up to SAMPLE_BYTES: delivery.survey collects
    it), the text must read as Chinese:

    - at most half of its non-ASCII characters torn into Latin words (Latin-1, CP1252);
    - at least a quarter of them common Chinese characters or punctuation (GB2312's):
      Shift-JIS's kana and nearly all its kanji fall outside GB2312's byte ranges;
    - from three quarters up, it is Chinese; in between (rare names are no GB2312 characters),
      charset-normalizer judges whether the GB18030 reading is coherent text.

    charset-normalizer does not decide the clear cases: on a few lines of Chinese it errs both
    ways (it calls some real GB18030 files chaotic, and finds Shift-JIS read as GB18030
    orderly enough). Text in another script whose bytes fall inside GB2312's ranges (EUC-KR
    Korean, Big5, a Cyrillic code page) still reads as Chinese here. Only files that are not
    UTF-8 get here: the fast path's UTF-8 files never pay for it."""
    text = sample.decode("gb18030", errors="ignore")
    beyond_ascii = "".join(re.findall(r"[^\x00-\x7f]+", text))
    if not beyond_ascii:
        return
    common = len(beyond_ascii.encode("gb2312", errors="ignore")) // 2 / len(beyond_ascii)
    torn = len(TORN_WORD.findall(text)) / len(beyond_ascii)
    if torn <= 0.5 and (common >= 0.75 or (common >= 0.25 and _coherent_gb18030(sample))):
        return
    garbled = TORN_WORD.search(text) or re.search(r"[^\x00-\x7f]+", text)
    around = text[max(garbled.start() - 12, 0) : garbled.end() + 12].splitlines()  # type: ignore[union-attr]
    raise UnreadableFile(
        f"{NOT_ACCEPTED}: read as GB18030 it is no Chinese text ({max(around, key=len)!r});"
        " deliver UTF-8"
    )


def _coherent_gb18030(sample: bytes) -> bool:
    from charset_normalizer import from_bytes

    return from_bytes(sample, cp_isolation=["gb18030"]).best() is not None


def _open_csv(handle: IO[bytes], encoding: str, long_fields: bool) -> DeliveredFile:
    """The rows of a CSV from the load's one handle (read from its start; left open)."""
    handle.seek(0)
    text = io.TextIOWrapper(handle, encoding=encoding, newline="")
    if long_fields:
        records = _capped_records(text, FIELD_LIMIT)
    else:
        csv.field_size_limit(FIELD_LIMIT)
        records = _csv_records(csv.reader(text))
    try:
        first = next(records, None)
    except UnreadableFile:
        text.detach()
        raise
    if first is None:
        text.detach()
        raise UnreadableFile("empty file: no header row")
    _, header = first
    if not any(h.strip() for h in header):
        text.detach()
        raise UnreadableFile("no header row (the first line is empty)")

    def rows() -> Iterator[tuple[int, list[str | None]]]:
        try:
            yield from records  # type: ignore[misc]
        finally:
            text.detach()  # the handle stays the load's

    return DeliveredFile(header=header, rows=rows(), file_format="csv", encoding=encoding)


def _csv_records(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    """csv.reader's records, each with the line it starts on (a quoted field may span lines)."""
    previous_end = 0
    try:
        for record in reader:
            yield previous_end + 1, record
            previous_end = reader.line_num  # type: ignore[attr-defined]
    except csv.Error as err:
        if previous_end == 0:
            raise UnreadableFile(f"not readable as CSV: {err}") from err
        raise UnreadableFile(f"not readable as CSV after line {previous_end}: {err}") from err


class LongField(str):
    """A field longer than the field limit, as kept: its first KEPT_OF_LONG_FIELD characters,
    with its length and the SHA-256 of its UTF-8 bytes (the rest is never held in memory)."""

    length: int
    sha256: str

    def __new__(cls, kept: str, length: int, sha256: str) -> LongField:
        field_ = super().__new__(cls, kept)
        field_.length, field_.sha256 = length, sha256
        return field_

    @property
    def problem(self) -> str:
        return (
            f"too long: {self.length} characters, beyond the field limit of {FIELD_LIMIT};"
            f" kept cut to its first {len(self)} characters (SHA-256 {self.sha256})"
        )


def capped(value: str) -> str:
    """A value as the reader keeps it: a LongField beyond the field limit."""
    if len(value) <= FIELD_LIMIT:
        return value
    return LongField(
        value[:KEPT_OF_LONG_FIELD], len(value), hashlib.sha256(value.encode()).hexdigest()
    )


class _Field:
    """A field being read: whole up to the field limit, then only its start, length and hash."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.digest: hashlib._Hash | None = None

    def add(self, piece: str) -> None:
        if not piece:
            return
        self.length += len(piece)
        if self.digest is not None:
            self.digest.update(piece.encode())
            return
        self.parts.append(piece)
        if self.length > FIELD_LIMIT:
            whole = "".join(self.parts)
            self.digest = hashlib.sha256(whole.encode())
            self.parts = [whole[:KEPT_OF_LONG_FIELD]]

    def value(self) -> str:
        if self.digest is None:
            return "".join(self.parts)
        return LongField(self.parts[0], self.length, self.digest.hexdigest())


_UNQUOTED_END = re.compile(r"[,\r\n]")


def _capped_records(text: IO[str], limit: int) -> Iterator[tuple[int, list[str]]]:
    """CSV records as csv.reader reads them (comma, double quote, quotes doubled inside quotes,
    any line end), each with the line it starts on, but with no field held whole beyond the
    field limit: memory stays flat whatever a field's size. For files the survey finds may
    hold such a field; slower than csv.reader."""
    start, quoted, quote_seen, after_cr = 0, 1, 2, 3
    line = record_line = 1
    fields: list[str] = []
    field = _Field()
    state = start
    begun = False  # anything of the current record read
    buf, i = "", 0
    while True:
        if i >= len(buf):
            buf, i = text.read(CHUNK), 0
            if not buf:
                break
        if state == after_cr:
            if buf[i] == "\n":
                i += 1
            state = start
            continue
        if state == start and buf[i] == '"':
            state, begun = quoted, True
            i += 1
            continue
        if state == quoted:
            j = buf.find('"', i)
            piece = buf[i : j if j >= 0 else len(buf)]
            field.add(piece)
            line += piece.count("\n") + piece.count("\r") - piece.count("\r\n")
            i = j + 1 if j >= 0 else len(buf)
            if j >= 0:
                state = quote_seen
            continue
        if state == quote_seen and buf[i] == '"':
            field.add('"')
            state = quoted
            i += 1
            continue
        # unquoted (or after a closing quote: csv.reader keeps what follows, up to the comma)
        match = _UNQUOTED_END.search(buf, i)
        end = match.start() if match else len(buf)
        field.add(buf[i:end])
        begun = begun or end > i
        state = -1  # inside an unquoted field
        i = end
        if match is None:
            continue
        i = end + 1
        fields.append(field.value())
        field = _Field()
        if buf[end] == ",":
            state, begun = start, True
            continue
        yield record_line, ([] if fields == [""] and not begun else fields)
        fields, begun = [], False
        line += 1
        record_line = line
        state = after_cr if buf[end] == "\r" else start
    if state == quoted:
        raise UnreadableFile(
            f"not readable as CSV after line {record_line - 1}: unexpected end of data"
        )
    if begun or fields or state in (quote_seen, -1):
        fields.append(field.value())
        yield record_line, fields


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


def _holds_data(sheet: object) -> bool:
    sheet.reset_dimensions()  # type: ignore[attr-defined]
    return any(
        any(v is not None and str(v).strip() for v in row)
        for row in sheet.iter_rows(values_only=True)  # type: ignore[attr-defined]
    )


def _other_sheets_with_data(workbook: object) -> list[str]:
    """The contract reads the first sheet; data on another would otherwise vanish unseen (an
    empty sheet, which spreadsheet programs add by themselves, is no news)."""
    sheets = workbook.worksheets  # type: ignore[attr-defined]
    # a filled template still holds its example sheet: that is no data left behind
    others = [s.title for s in sheets[1:] if s.title != EXAMPLE_SHEET and _holds_data(s)]
    if not others:
        return []
    return [
        f"sheet(s) {', '.join(map(repr, others))} not read: a delivery is the workbook's first"
        f" sheet ({sheets[0].title!r}) only; deliver other data as a file of its own"
    ]


def _refuse_oversized_parts(archive: zipfile.ZipFile) -> None:
    """A workbook is a zip archive, and a small one may unpack into a huge part (a 400 KB file
    holding a 400 MB shared string): openpyxl holds the shared strings in memory, and parses a
    sheet cell by cell. A part larger unpacked than XLSX_PART_LIMIT refuses the workbook."""
    limit = XLSX_PART_FACTOR * FIELD_LIMIT
    for member in archive.infolist():
        if member.file_size > limit:
            raise UnreadableFile(
                f"its part {member.filename} unpacks to {member.file_size} bytes, more than"
                f" {limit} ({XLSX_PART_FACTOR} times the field limit); deliver the data as CSV"
            )


SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
# a formula, or a cell typed as an error, anywhere in a worksheet's XML
FORMULA_OR_ERROR = re.compile(rb'<(?:\w+:)?f[\s>/]|\st="e"')


def _cells_without_value(archive: zipfile.ZipFile, member: str) -> dict[int, dict[int, str]]:
    """The cells of a worksheet that hold no value to load, by row and field (0-based): a
    formula with no saved result (written by a program that does not calculate, which openpyxl
    reads as empty) or whose result is an error such as #N/A. A quick scan of the bytes first:
    most deliveries hold no formula at all and are parsed only once, by openpyxl."""
    from openpyxl.utils.cell import coordinate_to_tuple

    with archive.open(member) as source:
        tail = b""
        while chunk := source.read(CHUNK):
            if FORMULA_OR_ERROR.search(tail + chunk):
                break
            tail = chunk[-16:]
        else:
            return {}
    found: dict[int, dict[int, str]] = {}
    row = column = 0
    with archive.open(member) as source:
        for event, element in iterparse(source, events=("start", "end")):
            if event == "start":
                if element.tag == SHEET_NS + "row":
                    row, column = int(element.get("r") or row + 1), 0
                continue
            if element.tag == SHEET_NS + "row":
                element.clear()
            elif element.tag == SHEET_NS + "c":
                reference = element.get("r")
                column = coordinate_to_tuple(reference)[1] if reference else column + 1
                if problem := _cell_problem(element):
                    found.setdefault(row, {})[column - 1] = problem
    return found


def _cell_problem(cell: Element) -> str | None:
    formula = cell.find(SHEET_NS + "f")
    value = cell.find(SHEET_NS + "v")
    written = f" (={formula.text})" if formula is not None and formula.text else ""
    if cell.get("t") == "e":
        return f"an error instead of a value: {'' if value is None else value.text}{written}"
    # an empty result is saved as text (t="str"); openpyxl and others that do not calculate
    # leave <v> out or empty on a cell of any other type
    if formula is not None and (value is None or not value.text) and cell.get("t") != "str":
        return (
            f"a formula with no saved result{written}: open the workbook in Excel, save it and"
            " deliver it again, or deliver values"
        )
    return None


def _open_xlsx(handle: IO[bytes]) -> DeliveredFile:
    from openpyxl import load_workbook

    handle.seek(0)
    content = io.BytesIO(handle.read())  # read apart from the handle, which the load may reuse
    try:
        _refuse_oversized_parts(zipfile.ZipFile(content))
        workbook = load_workbook(content, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as err:
        raise UnreadableFile(f"not a readable .xlsx workbook: {err}") from err
    if not workbook.worksheets:
        raise UnreadableFile("the workbook has no sheet")
    sheet = workbook.worksheets[0]
    # The dimension a sheet declares (<dimension ref="A1:XFD1048576"/>) is not trusted: openpyxl
    # would pad every row to its width and add empty rows up to its height. Without it, rows
    # and cells are those the sheet holds.
    sheet.reset_dimensions()
    values = sheet.iter_rows(values_only=True)
    first = next(values, None)
    if first is None or not any(v is not None and str(v).strip() for v in first):
        workbook.close()
        raise UnreadableFile("no header row in the first sheet")
    header = [_cell_text(v) or "" for v in first]
    width = len(header)
    # openpyxl's rows start at the sheet's row 1 and column A: a row's number is its line. Its
    # read-only sheet knows its XML member; openpyxl offers no public name for it.
    cell_problems = _cells_without_value(zipfile.ZipFile(content), sheet._worksheet_path)
    unread = _other_sheets_with_data(workbook)

    def rows() -> Iterator[tuple[int, list[str | None]]]:
        try:
            for number, record in enumerate(values, start=2):
                cells = [_cell_text(v) for v in record]
                # a row ends at its last cell: as wide as the header, unless it holds more
                if len(cells) < width:
                    cells += [None] * (width - len(cells))
                elif any(c is not None for c in cells[width:]):
                    cells = cells[: width + max(i for i, c in enumerate(cells[width:]) if c) + 1]
                else:
                    del cells[width:]
                if number in cell_problems or any(c is not None and c.strip() for c in cells):
                    yield number, cells
        finally:
            workbook.close()

    return DeliveredFile(header, rows(), "xlsx", None, cell_problems, unread)
