"""One reading per delivered file: what the loader needs to know of a file before it loads it,
found in a single pass over its bytes.

`survey()` reads the file once and keeps, in one `Delivery`: its size, SHA-256, format, encoding
(or why it has none the loader accepts), header line and dialect (quoted or not, and whether a
field may be longer than the field limit). The load then opens the file once more and reads that
one handle as often as it needs (the fast path, the streaming path after it, the repeat check),
so a local file is opened at most twice. A file on an object store is fetched once, during the
survey, into a temporary local copy that everything after reads.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from munifund.ingest import reader
from munifund.ingest.reader import (
    CHUNK,
    NOT_ACCEPTED,
    SAMPLE_BYTES,
    ReadablePath,
    UnreadableFile,
    local_path,
)

# the first line kept of a CSV: a header longer than this is no plain one
HEADER_BYTES = 1 << 20
BEYOND_ASCII_LINE = re.compile(rb"[^\n]*[\x80-\xff][^\n]*\n?")


@dataclass
class Delivery:
    """A delivered file as the survey found it."""

    path: ReadablePath
    name: str
    size: int
    modified: dt.datetime | None
    fingerprint: str
    # the file's bytes on this machine: the file itself, or the survey's copy of a remote one
    local: Path
    file_format: str | None  # "csv", "xlsx", or None (another kind of file)
    # a CSV's encoding ("utf-8", "utf-8-sig", "gb18030"); None otherwise
    encoding: str | None = None
    # why a CSV cannot be read at all (its encoding), found by the survey
    unreadable: str | None = None
    header_line: bytes = b""  # a CSV's first line, as delivered
    quoted: bool = False  # a CSV holds a quote character somewhere
    # a CSV may hold a field longer than the field limit (a physical line, or a stretch inside
    # quotes, longer than a quarter of it): the streaming path reads it with fields capped
    long_fields: bool = False

    def open(self) -> IO[bytes]:
        """The one handle the load reads (seek back to read again)."""
        return open(self.local, "rb")  # noqa: SIM115 - the caller closes it


def size_and_modified(path: ReadablePath) -> tuple[int, dt.datetime | None]:
    """The file's size and modification time; no time from a store that keeps none, so that
    such a file gets hashed again on every run."""
    stat = path.stat()  # type: ignore[attr-defined]
    modified = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC) if stat.st_mtime else None
    return stat.st_size, modified


def file_format(name: str) -> str | None:
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return suffix if suffix in ("csv", "xlsx") else None


@contextmanager
def survey(
    path: ReadablePath, stat: tuple[int, dt.datetime | None] | None = None
) -> Iterator[Delivery]:
    """Read the file once; the Delivery lives as long as the context (a remote file's local
    copy is removed after). `stat`: its size and time, when the caller has them already."""
    size, modified = stat or size_and_modified(path)
    local = local_path(path)
    fmt = file_format(path.name)
    scan = _Scan(reader.FIELD_LIMIT) if fmt == "csv" else None
    digest = hashlib.sha256()
    copy = None
    try:
        if local is None:
            copy = tempfile.NamedTemporaryFile(suffix="." + (fmt or "bin"), delete=False)  # noqa: SIM115
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                if scan is not None:
                    scan.feed(chunk)
                if copy is not None:
                    copy.write(chunk)
            if scan is not None and not scan.utf8_ok and copy is None:
                handle.seek(0)  # not UTF-8: GB18030? The same opening read again
                scan.judge_gb18030(handle)
        if copy is not None:
            copy.close()
            local = Path(copy.name)
            if scan is not None and not scan.utf8_ok:
                with open(local, "rb") as again:  # the local copy, not the store
                    scan.judge_gb18030(again)
        delivery = Delivery(
            path,
            path.name,
            size,
            modified,
            digest.hexdigest(),
            local,
            fmt,  # type: ignore[arg-type]
        )
        if scan is not None:
            scan.finish(delivery)
        yield delivery
    finally:
        if copy is not None:
            copy.close()
            os.unlink(copy.name)


class _Scan:
    """What one pass over a CSV's bytes tells: encoding, header, quotes, long fields."""

    def __init__(self, field_limit: int) -> None:
        self.start = b""
        self.header = bytearray()
        self.header_done = False
        self.utf8 = codecs.getincrementaldecoder("utf-8")(errors="strict")
        self.utf8_ok = True
        # GB18030 is judged only when the bytes are not UTF-8 (judge_gb18030), in a second pass
        # over the same opening: decoding every UTF-8 file twice would cost more
        self.gb_ok = False
        self.sample = bytearray()
        self.quoted = False
        self.in_quotes = False
        self.window = max(field_limit // 4, 1)
        self.run = 0  # bytes since the last line break
        self.quoted_run = 0  # bytes inside quotes since the last quote
        self.long_fields = False

    def feed(self, chunk: bytes) -> None:
        if len(self.start) < 4:
            self.start += chunk[: 4 - len(self.start)]
        if not self.header_done:
            cut = chunk.find(b"\n")
            self.header += chunk if cut < 0 else chunk[: cut + 1]
            self.header_done = cut >= 0 or len(self.header) > HEADER_BYTES
            del self.header[HEADER_BYTES:]
        self._decode(chunk)
        self._sample(chunk)
        self._dialect(chunk)

    def _decode(self, chunk: bytes) -> None:
        if chunk.isascii() and not self.utf8.getstate()[0]:
            return  # ASCII after whole characters: UTF-8 whatever it is
        if self.utf8_ok:
            try:
                self.utf8.decode(chunk)
            except UnicodeDecodeError:
                self.utf8_ok = False

    def judge_gb18030(self, handle: IO[bytes]) -> None:
        """Whether the bytes, which are not UTF-8, decode as GB18030."""
        decoder = codecs.getincrementaldecoder("gb18030")(errors="strict")
        try:
            while chunk := handle.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return
        self.gb_ok = True

    def _sample(self, chunk: bytes) -> None:
        """The lines holding bytes beyond ASCII, up to SAMPLE_BYTES (with the header): what
        reader.require_chinese judges a GB18030 reading by. A line cut by the chunk's end counts
        as two: a sample needs no more."""
        if len(self.sample) >= SAMPLE_BYTES or chunk.isascii():
            return
        for line in BEYOND_ASCII_LINE.finditer(chunk):
            self.sample += line.group().rstrip(b"\n")[:SAMPLE_BYTES] + b"\n"
            if len(self.sample) >= SAMPLE_BYTES:
                return

    def _dialect(self, chunk: bytes) -> None:
        quotes = chunk.count(b'"')
        self.quoted = self.quoted or quotes > 0
        if self.long_fields:
            return
        if not quotes and not self.in_quotes and len(chunk) + self.run <= self.window:
            last = chunk.rfind(b"\n")
            self.run = len(chunk) - last - 1 if last >= 0 else self.run + len(chunk)
            return
        for piece in _pieces(chunk, self.window):
            last = piece.rfind(b"\n")
            self.run = len(piece) - last - 1 if last >= 0 else self.run + len(piece)
            q = piece.count(b'"')
            if self.in_quotes:
                self.quoted_run = self.quoted_run + len(piece) if not q else 0
            if q % 2:
                self.in_quotes = not self.in_quotes
                self.quoted_run = 0
            if self.run > self.window or self.quoted_run > self.window:
                self.long_fields = True
                return

    def finish(self, delivery: Delivery) -> None:
        delivery.header_line = bytes(self.header)
        delivery.quoted = self.quoted
        delivery.long_fields = self.long_fields
        if self.utf8_ok:
            try:
                self.utf8.decode(b"", final=True)
            except UnicodeDecodeError:
                self.utf8_ok = False
        try:
            delivery.encoding = self._encoding()
        except UnreadableFile as err:
            delivery.unreadable = str(err)

    def _encoding(self) -> str:
        start = self.start
        if start.startswith(codecs.BOM_UTF8):
            if not self.utf8_ok:
                raise UnreadableFile("starts with a UTF-8 BOM but is not valid UTF-8")
            return "utf-8-sig"
        if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise UnreadableFile("encoded as UTF-16; deliver UTF-8, UTF-8 with BOM or GB18030")
        if self.utf8_ok:
            return "utf-8"
        if self.gb_ok:
            first = self.header.split(b"\n", 1)[0][:SAMPLE_BYTES] + b"\n"
            reader.require_chinese(first + bytes(self.sample).removeprefix(first))
            return "gb18030"
        raise UnreadableFile(NOT_ACCEPTED)


def _pieces(chunk: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(chunk), size):
        yield chunk[start : start + size]
