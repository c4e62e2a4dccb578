"""Landing partitions into the raw layer, with lineage; bad rows and files into quarantine.

The landing area holds ``<landing>/<source>/<YYYY-MM-DD>/<file>.csv|.xlsx``. A run for logical
date A takes every partition dated on or before A whose files it has not yet taken (a file is
known by source, partition and name; its SHA-256 tells a re-delivery with other content, which
replaces the earlier rows of that file, and of the other files of its delivery, loaded again
with it). First, whatever in the landing area is no delivery (a folder that is not a date or
not a source, a link out of the landing area) is recorded in the quarantine, once. Then each
file loads in one transaction:

1. every row goes through ``COPY`` into ``raw.<source>`` as text, with its partition, file, line
   and run. A plain CSV goes as its own bytes, parsed by the server (a GB18030 one through a
   UTF-8 copy); anything else (xlsx, quoted fields, ragged rows, extra columns, values to trim)
   is read in Python and streamed row by row;
2. at the same time polars checks the same rows against the contract (types, ranges,
   references, a key repeated inside the delivery: see validation.py);
3. the rows with a problem are moved from raw to ``ops.quarantine``, one row per problem with
   its column, and the row as delivered; so are the rows that the delivery's other files loaded
   with a key this file holds too, and recoveries that do not fit the payment they name
   (recoveries.py).

A reference (district, asset, kiosk) is checked against what was delivered in partitions dated
on or before the row's own partition, so the outcome is the same whether partitions are taken
night by night or in one catch-up run.

The raw tables are the warehouse migrations' (munifund/warehouse/schema), one per contract.

This module holds the order of the work; each step is a module of its own: landing.py (the
partitions and files delivered), delivery.py (one reading of a file: its size, fingerprint,
encoding, dialect and header), ledger.py (the files taken), references.py,
fast_copy.py and streaming.py (the two paths into raw), duplicates.py and quarantine.py.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import polars as pl
import psycopg
from psycopg import sql

from munifund.ingest.contracts import BY_NAME, SourceContract, load_order
from munifund.ingest.delivery import Delivery, size_and_modified, survey
from munifund.ingest.duplicates import other_files_keys, repeated_lines
from munifund.ingest.fast_copy import copy_csv_beside_checks, plain_csv_columns, utf8_copy
from munifund.ingest.landing import LandingIssue, refresh_listings, survey_landing
from munifund.ingest.ledger import (
    TakenFile,
    files_taken,
    forget_file,
    note_file_seen,
    record_file_taken,
)
from munifund.ingest.quarantine import (
    quarantine_bad_rows,
    quarantine_entry,
    withdraw_other_copies,
)
from munifund.ingest.reader import ReadablePath, UnreadableFile
from munifund.ingest.recoveries import reconcile_recoveries
from munifund.ingest.references import reference_keys, seed_keys
from munifund.ingest.report import FileOutcome, IngestReport
from munifund.ingest.streaming import stream_rows_beside_checks
from munifund.ingest.validation import FileChecks

__all__ = ["FileOutcome", "IngestReport", "ingest", "load_file"]


def ingest(
    conn: psycopg.Connection, landing: ReadablePath | Path, as_of: dt.date, run_id: str
) -> IngestReport:
    """Take every partition dated on or before `as_of` not yet taken; commit file by file."""
    refresh_listings(landing)
    delivered = survey_landing(landing, BY_NAME, as_of)
    report = IngestReport()
    for issue in delivered.issues:
        if _quarantine_landing_issue(conn, issue, as_of, run_id):
            report.landing_issues.append(issue)
    conn.commit()
    seeds = seed_keys()
    taken = files_taken(conn)
    for contract in load_order():
        for partition, files in delivered.partitions.get(contract.name, []):
            with ExitStack() as surveyed:
                due = _files_due(conn, taken, contract.name, partition, files, surveyed)
                for path, delivery in due:
                    with ExitStack() as this_file:
                        try:
                            if delivery is None:
                                delivery = this_file.enter_context(survey(path))
                        except OSError as err:  # gone, or not ours to read, since the listing
                            outcome = _not_taken(conn, contract, partition, path.name, run_id, err)
                            stat: tuple[int | None, dt.datetime | None] = (None, None)
                        else:
                            outcome = load_file(conn, contract, partition, delivery, run_id, seeds)
                            stat = (delivery.size, delivery.modified)
                    record_file_taken(conn, outcome, run_id, *stat)
                    conn.commit()
                    report.files.append(outcome)
    return report


def _files_due(
    conn: psycopg.Connection, taken: dict[tuple[str, dt.date, str], TakenFile], source: str,
    partition: dt.date, files: list, surveyed: ExitStack,
) -> list[tuple[ReadablePath, Delivery | None]]:  # fmt: skip
    """The files of a delivery to load, with the survey of those read to tell whether they
    changed (None: not read yet): new ones, and those re-delivered with other content. A
    re-delivered file takes the whole delivery with it (its files forgotten, all loaded again):
    which of the other files' rows were quarantined as copies of its keys depends on what it
    held, and a department that fixes a key found in two files re-delivers one of them."""
    due: list[tuple[ReadablePath, Delivery | None]] = []
    redelivered = False
    read: dict[str, Delivery] = {}
    for path in files:
        previous = taken.get((source, partition, path.name))
        if previous is not None:
            size, modified = size_and_modified(path)
            if modified and (previous.size, previous.modified) == (size, modified):
                continue  # untouched since it was taken: not read again
            try:
                delivery = read[path.name] = surveyed.enter_context(survey(path, (size, modified)))
            except OSError:  # not readable now: what it loaded stands; tried again next night
                continue
            if delivery.fingerprint == previous.fingerprint:
                note_file_seen(conn, source, partition, path.name, size, modified)
                continue
            redelivered = True
        due.append((path, read.get(path.name)))
    if not redelivered:
        return due
    for path in files:
        if (source, partition, path.name) in taken:
            forget_file(conn, source, partition, path.name)
    return [(path, read.get(path.name)) for path in files]


def _quarantine_landing_issue(
    conn: psycopg.Connection, issue: LandingIssue, as_of: dt.date, run_id: str
) -> bool:
    """An entry that lies in no partition is recorded under the run's date (the quarantine's
    partition date is never empty) and reported once whatever the date of later runs."""
    return quarantine_entry(
        conn, run_id, issue.source, issue.partition or as_of, issue.entry, issue.problem,
        any_date=issue.partition is None,
    )  # fmt: skip


def load_file(
    conn: psycopg.Connection,
    contract: SourceContract,
    partition: dt.date,
    delivery: Delivery,
    run_id: str,
    seeds: dict[str, list[str]],
) -> FileOutcome:
    """Load one file in one transaction: every row into raw, then the bad ones out into the
    quarantine. The file is opened once; every pass over it reads that handle again. The
    caller commits."""
    outcome = FileOutcome(contract.name, partition, delivery.name, delivery.fingerprint)
    table = sql.Identifier("raw", contract.name)
    try:
        with _lineage_defaults(conn, table, partition, delivery.name, run_id):
            known = reference_keys(conn, contract, partition, seeds)
            other_keys = other_files_keys(conn, contract, partition, delivery.name)
            with ExitStack() as files:
                handle = files.enter_context(delivery.open())
                spill = files.enter_context(tempfile.TemporaryFile())

                def fresh_checks() -> FileChecks:
                    spill.seek(0)
                    spill.truncate()
                    return FileChecks(contract, known, spill, other_keys)

                columns = plain_csv_columns(contract, delivery)
                checks = fresh_checks()
                loaded = None
                if columns:
                    if delivery.encoding == "gb18030":
                        # what Chinese office software exports: the same lines in UTF-8
                        handle = files.enter_context(utf8_copy(handle))
                    loaded = copy_csv_beside_checks(conn, contract, handle, columns, checks)
                if loaded is None:  # the streaming path, with checks afresh
                    columns = None
                    checks = fresh_checks()
                    loaded = stream_rows_beside_checks(conn, contract, delivery, handle, checks)
                repeated = repeated_lines(
                    contract, delivery, handle, columns, checks.duplicate_candidates
                )
                outcome.rows_quarantined, removed = quarantine_bad_rows(
                    conn, contract, partition, delivery.name, run_id, checks, repeated
                )
                outcome.rows_withdrawn = withdraw_other_copies(
                    conn, contract, partition, delivery.name, run_id, checks.keys_elsewhere
                )
                misfits = reconcile_recoveries(conn, contract, partition, delivery.name, run_id)
                outcome.rows_quarantined += misfits
                removed += misfits
                for problem in checks.file_problems:
                    quarantine_entry(conn, run_id, contract.name, partition, delivery.name, problem)
            outcome.rows_loaded = loaded - removed
    except UnreadableFile as err:
        conn.rollback()
        outcome.unreadable_reason = str(err)
        quarantine_entry(
            conn, run_id, contract.name, partition, delivery.name, f"file not loaded: {err}"
        )
    except (Exception, pl.exceptions.PanicException) as err:
        if conn.closed or conn.broken:
            raise  # the warehouse is out of reach: no fault of the file; nothing can be recorded
        # Whatever else a file makes fail (a value the warehouse refuses, such as a jsonb beyond
        # its limit, which psycopg reports as an OperationalError; memory; a library's panic)
        # fails that file only: it is quarantined whole and taken, so that no input can make a
        # later night fail on it again.
        return _not_taken(conn, contract, partition, delivery.name, run_id, err, outcome)
    return outcome


def _not_taken(
    conn: psycopg.Connection, contract: SourceContract, partition: dt.date, name: str,
    run_id: str, err: BaseException, outcome: FileOutcome | None = None,
) -> FileOutcome:  # fmt: skip
    """A file that could not be taken: quarantined whole with the reason, nothing of it loaded."""
    conn.rollback()
    outcome = outcome or FileOutcome(contract.name, partition, name)
    outcome.rows_loaded = outcome.rows_quarantined = outcome.rows_withdrawn = 0
    reason = f"{type(err).__name__}: {err}"
    reason = reason if len(reason) <= 500 else reason[:500] + "…"
    outcome.unreadable_reason = f"could not be taken ({reason}); tell the operators"
    quarantine_entry(
        conn,
        run_id,
        contract.name,
        partition,
        name,
        f"file not loaded: {outcome.unreadable_reason}",
    )
    return outcome


@contextmanager
def _lineage_defaults(
    conn: psycopg.Connection, table: sql.Identifier, partition: dt.date, file_name: str, run_id: str
) -> Iterator[None]:
    """The file's lineage as the raw table's column defaults, for the length of its load.

    A COPY of the file's own bytes can only fill the columns the file has: defaults give every
    row its partition, file and run for free, and the identity sequence, restarted at 2 (line 1
    is the header), numbers the rows by their line. The lock this takes on the raw table is held
    until the file's transaction ends; nothing else writes raw meanwhile.
    """
    conn.execute(
        sql.SQL(
            "alter table {} alter _partition_date set default {}, alter _file set default {},"
            " alter _run_id set default {}, alter _line restart with 2"
        ).format(table, sql.Literal(partition), sql.Literal(file_name), sql.Literal(run_id))
    )
    yield
    conn.execute(
        sql.SQL(
            "alter table {} alter _partition_date drop default, alter _file drop default,"
            " alter _run_id drop default"
        ).format(table)
    )
