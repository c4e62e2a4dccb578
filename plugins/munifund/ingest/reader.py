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
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Protocol
from xml.etree.ElementTree import Element, iterparse

from munifund.ingest.contracts import SourceContract

CHUNK = 1 << 20
# Above every contract's longest value, so that an over-long one is a row's problem (validation.py)
# rather than the file's, and bounded so that a file with no line breaks does not fill memory:
# a longer field makes the file unreadable.
CSV_FIELD_LIMIT = 64 << 20


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
        _require_chinese(path)
        return "gb18030"
    raise UnreadableFile(NOT_ACCEPTED)


NOT_ACCEPTED = "encoding is none of UTF-8, UTF-8 with BOM or GB18030/GBK"
SAMPLE_BYTES = 1 << 16
# a character beyond ASCII with a Latin letter next to it: how Latin-1 or CP1252 text reads as
# GB18030 (an accented letter and the ASCII letter after it make one CJK character: "M黮ler")
TORN_WORD = re.compile(r"(?<=[A-Za-z])[^\x00-\x7f]|[^\x00-\x7f](?=[A-Za-z])")


def _require_chinese(path: ReadablePath) -> None:
    """Bytes that are not UTF-8 but decode as GB18030 may be another encoding altogether (most
    byte sequences decode as GB18030), which would load as mojibake. Judged on a sample (the
    header and the lines holding non-ASCII bytes), the text must read as Chinese:

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
    sample = bytearray()
    with path.open("rb") as handle:
        for number, line in enumerate(handle):
            if number == 0 or not line.isascii():
                sample += line
                if len(sample) >= SAMPLE_BYTES:
                    break
    text = bytes(sample).decode("gb18030", errors="ignore")
    beyond_ascii = "".join(re.findall(r"[^\x00-\x7f]+", text))
    if not beyond_ascii:
        return
    common = len(beyond_ascii.encode("gb2312", errors="ignore")) // 2 / len(beyond_ascii)
    torn = len(TORN_WORD.findall(text)) / len(beyond_ascii)
    if torn <= 0.5 and (common >= 0.75 or (common >= 0.25 and _coherent_gb18030(bytes(sample)))):
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


def _holds_data(sheet: object) -> bool:
    return any(
        any(v is not None and str(v).strip() for v in row)
        for row in sheet.iter_rows(values_only=True)  # type: ignore[attr-defined]
    )


def _other_sheets_with_data(workbook: object) -> list[str]:
    """The contract reads the first sheet; data on another would otherwise vanish unseen (an
    empty sheet, which spreadsheet programs add by themselves, is no news)."""
    sheets = workbook.worksheets  # type: ignore[attr-defined]
    others = [s.title for s in sheets[1:] if _holds_data(s)]
    if not others:
        return []
    return [
        f"sheet(s) {', '.join(map(repr, others))} not read: a delivery is the workbook's first"
        f" sheet ({sheets[0].title!r}) only; deliver other data as a file of its own"
    ]


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


def _open_xlsx(path: ReadablePath) -> DeliveredFile:
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
    # openpyxl's rows start at the sheet's row 1 and column A: a row's number is its line. Its
    # read-only sheet knows its XML member; openpyxl offers no public name for it.
    cell_problems = _cells_without_value(zipfile.ZipFile(content), sheet._worksheet_path)
    unread = _other_sheets_with_data(workbook)

    def rows() -> Iterator[tuple[int, list[str | None]]]:
        try:
            for number, record in enumerate(values, start=2):
                cells = [_cell_text(v) for v in record]
                if number in cell_problems or any(c is not None and c.strip() for c in cells):
                    yield number, cells
        finally:
            workbook.close()

    return DeliveredFile(header, rows(), "xlsx", None, cell_problems, unread)
