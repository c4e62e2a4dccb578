"""A key may not repeat within a delivery (a source's partition), in one file or across its
files.

Within a file, the checks' Bloom filter (validation.py) names candidates while the file loads;
here they are settled exactly by reading the file's keys again, so that the warehouse is
touched only for true repeats; the first line of a key loads, the others are quarantined.

Across files no copy loads, since none can be told right: the keys of the delivery's other
files (loaded or quarantined) are handed to the checks, which quarantine a row naming one of
them, and the loader then takes the other files' loaded rows of those keys out of raw into the
quarantine, in the same transaction (quarantine.withdraw_other_copies). The first file's rows
are committed by then (a file loads in one transaction of its own), and reading every file of
a delivery twice to look ahead would cost a large delivery dearly.
"""

from __future__ import annotations

import datetime as dt
from typing import IO

import polars as pl
import psycopg
from psycopg import sql

from munifund.ingest.contracts import SourceContract
from munifund.ingest.delivery import Delivery
from munifund.ingest.fast_copy import line_blocks, numbered
from munifund.ingest.ledger import other_files_taken
from munifund.ingest.reader import header_map, open_delivered_file
from munifund.ingest.validation import KEY_SEPARATOR, LINE, key_expression, known_keys


def key_sql(contract: SourceContract, json_column: str | None = None) -> sql.Composable:
    """The key as validation.key_expression builds it: parts joined, null if a part is null;
    from the columns of a raw table, or from the fields of a JSON row."""
    separator = sql.Literal(KEY_SEPARATOR)
    parts: list[sql.Composable] = []
    for i, column in enumerate(contract.key):
        part = (
            sql.SQL("({} ->> {})").format(sql.Identifier(json_column), sql.Literal(column))
            if json_column
            else sql.Identifier(column)
        )
        parts.extend([separator, part] if i else [part])
    return sql.SQL("({})").format(sql.SQL(" || ").join(parts))


def other_files_keys(
    conn: psycopg.Connection, contract: SourceContract, partition: dt.date, file_name: str
) -> pl.DataFrame | None:
    """The keys of the delivery's other files, loaded or quarantined, each with the files that
    hold it (comma-separated): a key may not repeat across them."""
    if not other_files_taken(conn, contract.name, partition, file_name):
        return None
    pairs = conn.execute(
        sql.SQL(
            "select {k}, _file from {t} where _partition_date = %(day)s and _file <> %(file)s"
            " and {k} is not null"
            " union select {j}, file from ops.quarantine where source = %(source)s"
            " and partition_date = %(day)s and file <> %(file)s and line is not null"
            " and {j} is not null"
        ).format(
            k=key_sql(contract),
            j=key_sql(contract, "raw_row"),
            t=sql.Identifier("raw", contract.name),
        ),
        {"day": partition, "file": file_name, "source": contract.name},
    ).fetchall()
    return (
        pl.DataFrame(pairs, schema={"key": pl.String, "file": pl.String}, orient="row")
        .group_by("key")
        .agg(pl.col("file").sort().str.join(", ").alias("files"))
    )


def repeated_lines(
    contract: SourceContract,
    delivery: Delivery,
    handle: IO[bytes],
    plain_columns: list[str] | None,
    candidates: set[str],
) -> dict[int, int]:
    """Settle the hash set's candidates exactly: read the file's keys again and return, for
    every line whose key an earlier line of the file has, that first line. Most candidates are
    false; the warehouse is touched only for true repeats."""
    if not candidates:
        return {}
    wanted = known_keys(list(candidates)).implode()
    found: list[tuple[int, str]] = []
    if plain_columns:  # the bytes the fast path loaded (`handle`): read them the same way
        handle.seek(0)
        handle.readline()
        for block, first_line in line_blocks(handle):
            frame = pl.read_csv(
                block, has_header=False, new_columns=plain_columns, infer_schema=False
            )
            found.extend(
                numbered(frame, first_line)
                .select(LINE, key_expression(contract).alias("key"))
                .filter(pl.col("key").is_in(wanted))
                .iter_rows()
            )
    else:
        delivered = open_delivered_file(delivery.path, delivery, handle)
        positions, _ = header_map(contract, delivered.header)
        key_positions = [positions[contract.column_names.index(k)] for k in contract.key]
        for line, record in delivered.rows:
            parts = [
                record[i].strip() if i is not None and i < len(record) and record[i] else ""
                for i in key_positions
            ]
            if all(parts) and (key := KEY_SEPARATOR.join(parts)) in candidates:
                found.append((line, key))
    first: dict[str, int] = {}
    repeated: dict[int, int] = {}
    for line, key in sorted(found):
        if key in first:
            repeated[line] = first[key]
        else:
            first[key] = line
    return repeated
