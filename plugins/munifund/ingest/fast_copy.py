"""The fast path: a plain CSV goes to the server as its own bytes, parsed by ``COPY``, while
polars checks the same lines against the contract on the other core.

Plain means UTF-8, only the contract's columns, each once, nothing quoted, no blank or ragged
line and no value to trim; a GB18030 file takes the path through a UTF-8 copy, line for line.
Anything else hands over to the streaming path (streaming.py) with nothing left behind.
"""

from __future__ import annotations

import codecs
import queue
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import polars as pl
import psycopg
from psycopg import sql

from munifund.ingest import reader
from munifund.ingest.contracts import SourceContract
from munifund.ingest.delivery import Delivery
from munifund.ingest.reader import UnreadableFile, file_columns
from munifund.ingest.validation import LINE, FileChecks

BATCH_BYTES = 8 << 20  # a block of lines: bounds the checks' memory whatever the file's size


@contextmanager
def utf8_copy(handle: IO[bytes]) -> Iterator[IO[bytes]]:
    """A temporary UTF-8 copy of a GB18030 file, line for line, so that it can take the fast
    path (the file's fingerprint stays that of the bytes delivered)."""
    decoder = codecs.getincrementaldecoder("gb18030")(errors="strict")
    handle.seek(0)
    with tempfile.TemporaryFile() as copy:
        while chunk := handle.read(1 << 20):
            copy.write(decoder.decode(chunk).encode("utf-8"))
        copy.write(decoder.decode(b"", final=True).encode("utf-8"))
        copy.flush()
        yield copy


def plain_csv_columns(contract: SourceContract, delivery: Delivery) -> list[str] | None:
    """The columns of a CSV that may be plain enough for the server to load as it is (UTF-8 or
    GB18030 through a copy, only the contract's columns, each once, nothing quoted anywhere, no
    field near the field limit), in file order; or None. The rest of the file is judged while
    it loads."""
    if delivery.file_format != "csv" or delivery.unreadable or delivery.quoted:
        return None
    if delivery.long_fields:
        return None
    line = delivery.header_line.decode(delivery.encoding or "utf-8", errors="replace")
    header = line.removeprefix("\ufeff").rstrip("\r\n").split(",")
    try:
        # by name or label; a column twice, or a required one missing: UnreadableFile
        names = file_columns(contract, header)
    except UnreadableFile:
        return None  # the streaming path says so
    if None in names:
        return None  # an extra column: kept in _extra by the streaming path
    return names  # type: ignore[return-value]


class _NotPlain(Exception):
    """The file is not the plain CSV the fast path takes (a blank or ragged line)."""


def line_blocks(handle: IO[bytes]) -> Iterator[tuple[bytes, int]]:
    """The rest of the file in blocks of whole lines, each with the number of its first line. A
    line longer than the streaming reader's longest field is not plain: the streaming path
    judges it, so that both paths agree on it, and memory stays bounded."""
    line, rest = 2, b""
    while True:
        chunk = handle.read(BATCH_BYTES)
        block = rest + chunk
        cut = len(block) if not chunk else block.rfind(b"\n") + 1
        block, rest = block[:cut], block[cut:]
        if len(rest) > reader.FIELD_LIMIT:
            raise _NotPlain
        if block:
            yield block, line
            line += block.count(b"\n") + (not block.endswith(b"\n"))
        if not chunk:
            return


def numbered(frame: pl.DataFrame, first_line: int) -> pl.DataFrame:
    """A block's rows with their line numbers, as the checks take them."""
    return frame.with_row_index(LINE, offset=first_line).with_columns(pl.col(LINE).cast(pl.Int64))


def blank_lines(block: bytes, first_line: int, lines: list[int], width: int) -> bytes:
    """The block with the given lines emptied to a row of nulls, which the COPY's WHERE drops:
    the line still takes its number from the identity, so the lines after keep theirs."""
    rows = block.split(b"\n")
    empty = b"," * (width - 1)
    for line in lines:
        i = line - first_line
        rows[i] = empty + (b"\r" if rows[i].endswith(b"\r") else b"")
    return b"\n".join(rows)


def copy_csv_beside_checks(
    conn: psycopg.Connection,
    contract: SourceContract,
    handle: IO[bytes],
    columns: list[str],
    checks: FileChecks,
) -> int | None:
    """The fast path for a plain CSV: the server parses and loads the file's bytes while polars
    checks the next block of lines on the other core; a block goes to the server with its bad
    lines emptied, so that only good rows load. The number of rows loaded, or None (with
    nothing left behind) when the file needs the streaming path: the server or polars refuses
    its shape (a ragged or blank line), or a value needs trimming.
    """
    copy_sql = sql.SQL(
        "copy {t} ({c}) from stdin (format csv, header true, encoding 'UTF8')"
        " where num_nonnulls({c}) > 0"
    ).format(
        t=sql.Identifier("raw", contract.name), c=sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    blocks: queue.Queue[bytes | None] = queue.Queue(maxsize=2)
    loaded: dict[str, object] = {}

    def copy_blocks() -> None:
        ended = False  # the reader's last block taken: no more to drain
        try:
            with conn.cursor() as cur:
                with cur.copy(copy_sql) as copy:
                    while (block := blocks.get()) is not None:
                        copy.write(block)
                    ended = True
                loaded["rows"] = cur.rowcount
        except psycopg.Error as err:
            # the server may refuse only when the COPY ends (a NUL in the last block): then
            # waiting for another end would hang the night
            loaded["error"] = err
            while not ended and blocks.get() is not None:
                pass  # let the reader finish

    conn.execute("savepoint fast_path")
    copying = threading.Thread(target=copy_blocks, name="copy-" + contract.name)
    copying.start()
    checked = False
    try:
        handle.seek(0)
        blocks.put(handle.readline())  # the header: skipped by the server
        for block, first_line in line_blocks(handle):
            if b'"' in block:
                raise _NotPlain  # a quoted field may hold a line break
            frame = pl.read_csv(block, has_header=False, new_columns=columns, infer_schema=False)
            lines = block.count(b"\n") + (not block.endswith(b"\n"))
            # polars fills a short line with nulls: count the separators (nothing is quoted)
            commas = lines * (len(columns) - 1)
            if frame.height != lines or frame.width != len(columns) or block.count(b",") != commas:
                raise _NotPlain  # a blank or ragged line
            bad = checks.check(numbered(frame, first_line))
            blocks.put(blank_lines(block, first_line, bad, len(columns)) if bad else block)
            if "error" in loaded or checks.untrimmed_columns:
                break
        else:
            checked = True
    except (pl.exceptions.PolarsError, _NotPlain):
        pass  # the streaming path names the lines polars cannot read
    finally:
        blocks.put(None)
        copying.join()
    if "error" in loaded or not checked or checks.untrimmed_columns:
        conn.execute("rollback to savepoint fast_path")
        return None
    conn.execute("release savepoint fast_path")
    return int(loaded["rows"])  # type: ignore[call-overload]
