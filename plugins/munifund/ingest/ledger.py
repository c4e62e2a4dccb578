"""The ledger of files taken, ``ops.partitions_taken``: one row per landing file loaded.

A file is known by source, partition and name. Its size and modification time tell a file
untouched since it was taken (not read again); its SHA-256 tells a re-delivery with other
content, which replaces what the file loaded before.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import psycopg
from psycopg import sql

from munifund.ingest.report import FileOutcome


class TakenFile(NamedTuple):
    fingerprint: str
    size: int | None
    modified: dt.datetime | None


def files_taken(conn: psycopg.Connection) -> dict[tuple[str, dt.date, str], TakenFile]:
    """Every file taken so far, by (source, partition, file)."""
    return {
        (s, p, f): TakenFile(fp, size, modified)
        for s, p, f, fp, size, modified in conn.execute(
            "select source, partition_date, file, fingerprint, file_size, file_modified"
            " from ops.partitions_taken"
        ).fetchall()
    }


def record_file_taken(
    conn: psycopg.Connection,
    outcome: FileOutcome,
    run_id: str,
    size: int | None,
    modified: dt.datetime | None,
) -> None:
    """The file's outcome, in the transaction that loaded it: the caller commits. No size for
    a file that could not even be read: it is read again on the next run."""
    conn.execute(
        "insert into ops.partitions_taken (source, partition_date, file, fingerprint,"
        " rows_loaded, rows_quarantined, unreadable_reason, run_id, file_size,"
        " file_modified) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        [
            outcome.source, outcome.partition_date, outcome.file, outcome.fingerprint,
            outcome.rows_loaded, outcome.rows_quarantined, outcome.unreadable_reason,
            run_id, size, modified,
        ],
    )  # fmt: skip


def other_files_taken(
    conn: psycopg.Connection, source: str, partition: dt.date, file_name: str
) -> bool:
    """Whether other files of the same delivery (source and partition) were taken already."""
    return conn.execute(
        "select exists (select from ops.partitions_taken where source = %s"
        " and partition_date = %s and file <> %s)",
        [source, partition, file_name],
    ).fetchone()[0]  # type: ignore[index]


def note_file_seen(
    conn: psycopg.Connection,
    source: str,
    partition: dt.date,
    file_name: str,
    size: int,
    modified: dt.datetime,
) -> None:
    """Touched but with the same bytes: nothing to load; remember its new time."""
    conn.execute(
        "update ops.partitions_taken set file_size = %s, file_modified = %s"
        " where source = %s and partition_date = %s and file = %s",
        [size, modified, source, partition, file_name],
    )
    conn.commit()


def forget_file(conn: psycopg.Connection, source: str, partition: dt.date, file_name: str) -> None:
    """A file re-delivered with other content replaces what it loaded before."""
    conn.execute(
        sql.SQL("delete from {} where _partition_date = %s and _file = %s").format(
            sql.Identifier("raw", source)
        ),
        [partition, file_name],
    )
    conn.execute(
        "delete from ops.quarantine where source = %s and partition_date = %s and file = %s",
        [source, partition, file_name],
    )
    conn.execute(
        "delete from ops.partitions_taken where source = %s and partition_date = %s and file = %s",
        [source, partition, file_name],
    )
