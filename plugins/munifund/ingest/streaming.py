"""The streaming path: every file the fast path does not take (xlsx, quoted fields, ragged or
blank lines, extra columns, values to trim) is read in Python and its rows go to ``COPY`` one
by one, trimmed, with their physical line; polars checks them batch by batch, and only the good
rows of a batch load.
"""

from __future__ import annotations

import json
from typing import IO

import polars as pl
import psycopg
from psycopg import sql

from munifund.ingest.contracts import SourceContract
from munifund.ingest.delivery import Delivery
from munifund.ingest.reader import LongField, capped, header_map, open_delivered_file
from munifund.ingest.validation import LINE, READ, READ_PROBLEMS, FileChecks
from munifund.ingest.values import LOCAL_FORMS

BATCH_ROWS = 100_000  # rows per polars batch: bounds the checks' memory whatever the file's size


def stream_rows_beside_checks(
    conn: psycopg.Connection,
    contract: SourceContract,
    delivery: Delivery,
    handle: IO[bytes],
    checks: FileChecks,
) -> int:
    """The streaming path: Python reads the file (xlsx, quoted line breaks, GB18030, ragged
    rows, extra columns) and trims every value; the checks see the rows batch by batch, and the
    good rows of a batch go through COPY with their physical line."""
    delivered = open_delivered_file(delivery.path, delivery, handle)
    positions, extras = header_map(contract, delivered.header)
    width = len(delivered.header)
    names = list(contract.column_names)
    extra_names = [name for _, name in extras if name.lower() not in names and name[:1] != "_"]
    frame_schema = {
        LINE: pl.Int64, **dict.fromkeys(names, pl.String), READ: READ_PROBLEMS,
        **dict.fromkeys(extra_names, pl.String),
    }  # fmt: skip
    cell_problems = delivered.cell_problems
    # the columns whose local forms are normalised (values.py), with how
    local_forms = [
        (c, LOCAL_FORMS[column.kind.value])
        for c, column in enumerate(contract.columns)
        if column.kind.value in LOCAL_FORMS
    ]
    checks.file_problems.extend(delivered.unread)
    batch: list[tuple] = []
    records: list[tuple] = []
    rows = 0

    def load_batch(copy: psycopg.Copy) -> int:
        frame = pl.DataFrame(batch, schema=frame_schema, orient="row")
        bad = set(checks.check(frame))
        good = [r for r in records if r[-1] not in bad]
        for record in good:
            copy.write_row(record)
        batch.clear()
        records.clear()
        return len(good)

    columns = sql.SQL(", ").join(map(sql.Identifier, (*names, "_extra", "_line")))
    with (
        conn.cursor() as cur,
        cur.copy(
            sql.SQL("copy {} ({}) from stdin").format(sql.Identifier("raw", contract.name), columns)
        ) as copy,
    ):
        for line, record in delivered.rows:
            values = [_value(f) for f in record]
            cells = cell_problems.get(line) if cell_problems else None
            if not any(values) and not cells:
                continue  # a blank line
            n = len(values)
            fields = [values[i] if i is not None and i < n else None for i in positions]
            for c, normalise in local_forms:
                if (value := fields[c]) is not None and not isinstance(value, LongField):
                    fields[c] = normalise(value)
            extra = {name: values[i] for i, name in extras if i < n}
            records.append(
                (*fields, json.dumps(extra, ensure_ascii=False) if extras else None, line)
            )
            read = [] if n == width else [("*", f"has {n} fields, the header has {width}")]
            if cells:
                read += [(names[c], cells[i]) for c, i in enumerate(positions) if i in cells]
            if any(isinstance(v, LongField) for v in values):
                read += _long_fields(values, positions, names, extras)
            batch.append((line, *fields, _as_problems(read), *(extra.get(e) for e in extra_names)))
            if len(batch) == BATCH_ROWS:
                rows += load_batch(copy)
        if batch:
            rows += load_batch(copy)
    return rows


def _value(field: str | None) -> str | None:
    """A field as loaded: trimmed, empty as missing; one beyond the field limit kept as a
    LongField (cut, never trimmed: the row is refused)."""
    if field is None:
        return None
    field = capped(field)
    return field if isinstance(field, LongField) else (field.strip() or None)


def _long_fields(
    values: list[str | None],
    positions: list[int | None],
    names: list[str],
    extras: list[tuple[int, str]],
) -> list[tuple[str, str]]:
    """A problem per field beyond the field limit, named by its column (an extra one too)."""
    columns = [(i, names[c]) for c, i in enumerate(positions) if i is not None] + extras
    return [
        (name, value.problem)
        for i, name in columns
        if i < len(values) and isinstance(value := values[i], LongField)
    ]


def _as_problems(read: list[tuple[str, str]]) -> list[dict[str, str]] | None:
    return [{"column_name": c, "problem": p} for c, p in read] if read else None
