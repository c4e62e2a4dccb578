"""The receipts of a run: per sender (senders.py), what the run took of its deliveries, read back
from the warehouse after the load, so that a receipt says what the warehouse holds.

- the files taken: the load ledger (`ops.partitions_taken`) of the run;
- the rows loaded: the raw rows the run loaded and that are still in raw (a row a later file
  of the same delivery withdrew as a copy of its key is not), by file and by sender;
- the rows refused: the run's quarantine (`ops.quarantine`, what the published quarantine view shows),
  counted by file and sender, and listed (the first `REFUSALS_LISTED` problems of each file)
  with line, column, reason and the value as delivered, cut to `VALUE_LIMIT` characters in the
  warehouse (a 10 MB value is never read whole); a whole file's or folder's refusal with its
  reason and no line.

A sender with nothing in the run gets no receipt.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from munifund.config import DBT_PROJECT_DIR
from munifund.ingest.contracts import BY_NAME
from munifund.ingest.senders import (
    DEPARTMENTS,
    DISTRICT_COLUMN,
    delivered_by_districts,
    department_of,
    sender_of,
)

VALUE_LIMIT = 200
#: the most refusals a receipt lists per file (its counts are complete): a file of a million bad
#: rows gets a receipt that opens, not one of a million lines
REFUSALS_LISTED = 1000


@dataclass
class FileTaken:
    source: str
    partition_date: dt.date
    file: str
    rows_loaded: int = 0
    rows_refused: int = 0
    # the reason the whole file (or folder) was refused; None when its rows were read
    refused_whole: str | None = None

    @property
    def path(self) -> str:
        return f"{self.source}/{self.partition_date.isoformat()}/{self.file}"


@dataclass(frozen=True)
class Refusal:
    source: str
    partition_date: dt.date
    file: str
    line: int | None
    column: str | None
    reason: str
    # the value as delivered (the column's, or the row's when the problem is the row's), cut
    value: str | None
    value_length: int | None

    @property
    def path(self) -> str:
        return f"{self.source}/{self.partition_date.isoformat()}/{self.file}"


@dataclass
class Receipt:
    sender: str
    name_zh: str
    name_en: str
    as_of: dt.date
    run_id: str
    files: list[FileTaken] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_refused(self) -> int:
        return sum(f.rows_refused for f in self.files)


def known_districts(conn: psycopg.Connection, as_of: dt.date) -> dict[str, tuple[str, str]]:
    """The districts known on the date, with their names: the latest delivered version of each
    (every district delivered on or before it), else the seed's."""
    rows = conn.execute(
        "select distinct on (trim(district_code)) trim(district_code), name_zh, name_en"
        " from raw.districts where _partition_date <= %s"
        " order by trim(district_code), _partition_date desc, _file desc, _line desc",
        [as_of],
    ).fetchall()
    if not rows:
        seed = DBT_PROJECT_DIR / "seeds" / "seed_districts.csv"
        if seed.exists():
            with seed.open(encoding="utf-8", newline="") as handle:
                rows = [
                    (r["district_code"], r["name_zh"], r["name_en"]) for r in csv.DictReader(handle)
                ]
    return {code: (zh or code, en or code) for code, zh, en in rows if code}


def run_receipts(conn: psycopg.Connection, as_of: dt.date, run_id: str) -> list[Receipt]:
    """One receipt per sender with something in the run, ordered by sender code."""
    districts = known_districts(conn, as_of)
    codes = set(districts)
    receipts: dict[str, Receipt] = {}
    files: dict[tuple[str, str, dt.date, str], FileTaken] = {}

    def receipt(sender: str) -> Receipt:
        if sender not in receipts:
            zh, en = districts.get(sender) or (
                (DEPARTMENTS[sender].name_zh, DEPARTMENTS[sender].name_en)
                if sender in DEPARTMENTS
                else (sender, sender)
            )
            receipts[sender] = Receipt(sender, zh, en, as_of, run_id)
        return receipts[sender]

    def file_of(sender: str, source: str, day: dt.date, name: str) -> FileTaken:
        key = (sender, source, day, name)
        if key not in files:
            files[key] = FileTaken(source, day, name)
            receipt(sender).files.append(files[key])
        return files[key]

    taken = conn.execute(
        "select source, partition_date, file, unreadable_reason from ops.partitions_taken"
        " where run_id = %s order by source, partition_date, file",
        [run_id],
    ).fetchall()
    for source, day, name, _unreadable in taken:
        for district, loaded in _loaded_rows(conn, source, day, name, run_id):
            file_of(sender_of(source, district, codes), source, day, name).rows_loaded += loaded
    for source, day, name, district, lines in _refused_counts(conn, run_id):
        file_of(sender_of(source, district, codes), source, day, name).rows_refused += lines
    # refused whole: a file the ledger says nothing of which loaded, or what in the landing area
    # is no delivery (no ledger row); a file's other notes (a sheet not read) are refusals only
    loaded = {(s, d, n) for s, d, n, unreadable in taken if not unreadable}
    for refusal, district in _refusals(conn, run_id):
        sender = sender_of(refusal.source, district, codes)
        taken_file = file_of(sender, refusal.source, refusal.partition_date, refusal.file)
        whole = (refusal.source, refusal.partition_date, refusal.file) not in loaded
        if refusal.line is None and whole:
            taken_file.refused_whole = taken_file.refused_whole or refusal.reason
        receipt(sender).refusals.append(refusal)
    # a file taken with nothing loaded or refused (a header only) is its department's news
    answered = {key[1:] for key in files}
    for source, day, name, _unreadable in taken:
        if (source, day, name) not in answered:
            file_of(department_of(source).code, source, day, name)
    return [receipts[s] for s in sorted(receipts)]


def _loaded_rows(
    conn: psycopg.Connection, source: str, day: dt.date, name: str, run_id: str
) -> list[tuple[str | None, int]]:
    """(district named, rows) of a file's rows this run loaded that raw still holds."""
    contract = BY_NAME.get(source)
    if contract is None:
        return []
    district = (
        sql.Identifier(DISTRICT_COLUMN) if delivered_by_districts(contract) else sql.SQL("null")
    )
    return conn.execute(
        sql.SQL(
            "select {d}, count(*) from {t} where _partition_date = %s and _file = %s"
            " and _run_id = %s group by 1"
        ).format(d=district, t=sql.Identifier("raw", source)),
        [day, name, run_id],
    ).fetchall()


def _refused_counts(
    conn: psycopg.Connection, run_id: str
) -> list[tuple[str, dt.date, str, str | None, int]]:
    """(source, partition, file, district named, lines refused) of the run's quarantine."""
    return conn.execute(
        "select source, partition_date, file, raw_row ->> %s, count(distinct line)"
        " from ops.quarantine where run_id = %s and line is not null group by 1, 2, 3, 4",
        [DISTRICT_COLUMN, run_id],
    ).fetchall()


def _refusals(conn: psycopg.Connection, run_id: str) -> list[tuple[Refusal, str | None]]:
    """The run's quarantine, the first REFUSALS_LISTED problems of each file, each with the
    district it names (as delivered)."""
    rows = conn.execute(
        """
        with q as (
            select source, partition_date, file, line, column_name, problem, raw_row,
                case
                    when raw_row is null then null
                    when raw_row ? column_name then raw_row ->> column_name
                    when column_name like '%%,%%' then (
                        select string_agg(coalesce(raw_row ->> c, ''), ',' order by n)
                        from unnest(string_to_array(column_name, ',')) with ordinality u (c, n)
                    )
                    else raw_row::text
                end as value
            from (
                select *, row_number() over (partition by source, partition_date, file
                    order by line nulls first, column_name, quarantine_id) as n
                from ops.quarantine where run_id = %(run)s
            ) listed
            where n <= %(listed)s
        )
        select source, partition_date, file, line, column_name, problem,
            left(value, %(limit)s), length(value), raw_row ->> %(district)s
        from q order by source, partition_date, file, line nulls first, column_name
        """,
        {
            "run": run_id,
            "limit": VALUE_LIMIT,
            "district": DISTRICT_COLUMN,
            "listed": REFUSALS_LISTED,
        },
    ).fetchall()
    return [(Refusal(*row[:8]), row[8]) for row in rows]
