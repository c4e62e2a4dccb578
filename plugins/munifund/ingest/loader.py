"""Landing partitions into the raw layer, with lineage; bad rows and files into quarantine.

The landing area holds ``<landing>/<source>/<YYYY-MM-DD>/<file>.csv|.xlsx``. A run for logical
date A takes every partition dated on or before A whose files it has not yet taken (a file is
known by source, partition and name; its SHA-256 tells a re-delivery with other content, which
replaces the earlier rows of that file). Each file loads in one transaction:

1. its rows stream through ``COPY`` into a temporary table, every field as text;
2. one set-based query checks every row against the contract (types, ranges, references, a key
   repeated inside the delivery) and lists each problem with its column;
3. good rows go to ``raw.<source>`` with source partition, file, line and run id, bad ones to
   ``ops.quarantine`` with the reason and the row as delivered.

A reference (district, asset, kiosk) is checked against what was delivered in partitions dated
on or before the row's own partition, so the outcome is the same whether partitions are taken
night by night or in one catch-up run.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from munifund.config import DBT_PROJECT_DIR
from munifund.ingest.contracts import (
    BOOLEAN_FALSE,
    BOOLEAN_TRUE,
    BY_NAME,
    Column,
    Kind,
    SourceContract,
    load_order,
)
from munifund.ingest.reader import (
    ReadablePath,
    UnreadableFile,
    detect_encoding,
    open_delivered_file,
)

PARTITION_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Shape checks with translate() rather than regular expressions: a million rows a second matter
# here. pg_input_is_valid() then rejects what has the shape but is no value (2026-13-45).
DIGITS = "0123456789"
LINEAGE_COLUMNS = ("_extra", "_partition_date", "_file", "_line", "_run_id")


@dataclass
class FileOutcome:
    source: str
    partition_date: dt.date
    file: str
    rows_loaded: int = 0
    rows_quarantined: int = 0
    unreadable_reason: str | None = None


@dataclass
class IngestReport:
    files: list[FileOutcome] = field(default_factory=list)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)

    @property
    def unreadable_files(self) -> list[FileOutcome]:
        return [f for f in self.files if f.unreadable_reason]

    def as_dict(self) -> dict[str, object]:
        return {
            "files_taken": len(self.files),
            "rows_loaded": self.rows_loaded,
            "rows_quarantined": self.rows_quarantined,
            "unreadable_files": [
                f"{f.source}/{f.partition_date}/{f.file}: {f.unreadable_reason}"
                for f in self.unreadable_files
            ],
        }


# ----------------------------------------------------------------------------- raw tables


def ensure_raw_tables(conn: psycopg.Connection) -> None:
    """Every source gets its raw table on every run, delivered or not, so staging can read it."""
    for contract in BY_NAME.values():
        table = sql.Identifier("raw", contract.name)
        columns = sql.SQL(", ").join(
            sql.SQL("{} text").format(sql.Identifier(c)) for c in contract.column_names
        )
        conn.execute(
            sql.SQL(
                "create table if not exists {} ({}, _extra jsonb, _partition_date date not null,"
                " _file text not null, _line integer not null, _run_id text not null,"
                " _loaded_at timestamptz not null default now())"
            ).format(table, columns)
        )
        # No index on the source's key: staging reads whole tables, and maintaining one costs
        # more than half of a large load's time. Dropped where an earlier version made it.
        conn.execute(
            sql.SQL("drop index if exists {}").format(
                sql.Identifier("raw", f"{contract.name}_key_idx")
            )
        )
        # the duplicate check across files of a delivery, and replacing a re-delivered file
        conn.execute(
            sql.SQL("create index if not exists {} on {} (_partition_date, _file)").format(
                sql.Identifier(f"{contract.name}_file_idx"), table
            )
        )


# ------------------------------------------------------------------------ validation SQL


def _value(column: str) -> sql.Composable:
    """A column of the loaded file: trimmed, empty as null (done once, when loading)."""
    return sql.SQL("l.{}").format(sql.Identifier(column))


def _literal_list(values: Iterable[str]) -> sql.Composable:
    return sql.SQL(", ").join(sql.Literal(v) for v in values)


def _column_check(column: Column, ref_alias: str | None) -> sql.Composable:
    """One CASE giving the first problem of this column in a row, or null."""
    v = _value(column.name)
    whens: list[sql.Composable] = []
    if column.required:
        whens.append(sql.SQL("when {v} is null then 'missing value'").format(v=v))
    kind = column.kind
    digits = sql.Literal(DIGITS)
    if kind is Kind.DATE:
        whens.append(
            sql.SQL(
                "when length({v}) <> 10 or translate({v}, {d}, '') <> '--'"
                " or not pg_input_is_valid({v}, 'date')"
                " then 'not a date (YYYY-MM-DD): ' || {v}"
            ).format(v=v, d=digits)
        )
    elif kind is Kind.TIMESTAMP:
        # YYYY-MM-DD, then only digits and T : . space + - Z (ISO 8601, optional offset)
        whens.append(
            sql.SQL(
                "when length({v}) < 10 or translate(left({v}, 10), {d}, '') <> '--'"
                " or translate(substr({v}, 11), {dt}, '') <> ''"
                " or not pg_input_is_valid({v}, 'timestamptz')"
                " then 'not an ISO 8601 timestamp: ' || {v}"
            ).format(v=v, d=digits, dt=sql.Literal(DIGITS + "T:. +-Z"))
        )
    elif kind is Kind.YEAR:
        whens.append(
            sql.SQL(
                "when length({v}) <> 4 or translate({v}, {d}, '') <> '' then 'not a year: ' || {v}"
            ).format(v=v, d=digits)
        )
    elif kind is Kind.BOOLEAN:
        whens.append(
            sql.SQL("when lower({v}) not in ({t}) then 'not true/false/是/否: ' || {v}").format(
                v=v, t=_literal_list(BOOLEAN_TRUE + BOOLEAN_FALSE)
            )
        )
    elif kind in (Kind.QUANTITY, Kind.MONEY, Kind.SHARE, Kind.BALANCE):
        # plain decimals only: no exponent, NaN or Infinity, which numeric would accept
        whens.append(
            sql.SQL(
                "when translate({v}, {d}, '') not in ('', '.', '-', '-.', '+', '+.')"
                " or not pg_input_is_valid({v}, 'numeric') then 'not a number: ' || {v}"
            ).format(v=v, d=digits)
        )
        if kind is not Kind.BALANCE:
            whens.append(sql.SQL("when {v}::numeric < 0 then 'negative: ' || {v}").format(v=v))
        if kind in (Kind.MONEY, Kind.BALANCE):
            whens.append(
                sql.SQL(
                    "when {v}::numeric <> round({v}::numeric, 2) then 'more than 2 decimals: ' || {v}"
                ).format(v=v)
            )
        if kind is Kind.SHARE:
            # staging keeps 4 decimals: a finer share would be rounded silently
            whens.append(
                sql.SQL(
                    "when {v}::numeric <> round({v}::numeric, 4) then 'more than 4 decimals: ' || {v}"
                ).format(v=v)
            )
            whens.append(
                sql.SQL("when {v}::numeric > 0.5 then 'incentive share above 0.5: ' || {v}").format(
                    v=v
                )
            )
    if column.allowed:
        allowed = column.allowed + ((column.wildcard,) if column.wildcard else ())
        whens.append(
            sql.SQL("when {v} not in ({a}) then {msg} || {v}").format(
                v=v,
                a=_literal_list(allowed),
                msg=sql.Literal(f"unknown {column.name.replace('_', ' ')}: "),
            )
        )
    if ref_alias:
        ref_source = column.references[0] if column.references else ""
        whens.append(
            sql.SQL("when {v} is not null and {r}.ref is null then {msg} || {v}").format(
                v=v,
                r=sql.Identifier(ref_alias),
                msg=sql.Literal(f"unknown {ref_source.rstrip('s').replace('_', ' ')}: "),
            )
        )
    if not whens:
        return sql.SQL("null::text")
    return sql.SQL("case {} end").format(sql.SQL(" ").join(whens))


def _reference_join(
    column: Column, alias: str, partition: dt.date, seeds: dict[str, list[str]]
) -> sql.Composable:
    assert column.references
    ref_source, ref_column = column.references
    delivered = sql.SQL("select {c} as ref from {t} where _partition_date <= {p}").format(
        c=sql.Identifier(ref_column), t=sql.Identifier("raw", ref_source), p=sql.Literal(partition)
    )
    if ref_source in seeds:
        # the seed stands only while nothing of that source has been delivered
        delivered = sql.SQL(
            "{d} union select unnest({s}::text[]) where not exists"
            " (select 1 from {t} where _partition_date <= {p})"
        ).format(
            d=delivered,
            s=sql.Literal(seeds[ref_source]),
            t=sql.Identifier("raw", ref_source),
            p=sql.Literal(partition),
        )
    return sql.SQL("left join (select distinct ref from ({d}) refs) {a} on {a}.ref = {v}").format(
        d=delivered, a=sql.Identifier(alias), v=_value(column.name)
    )


def problems_query(
    contract: SourceContract, partition: dt.date, file_name: str, seeds: dict[str, list[str]]
) -> sql.Composable:
    """Every (line, column, problem) of the loaded file.

    One scan computes each column's first problem once per row (hash joins for references and
    for keys repeated in the file); only rows with a problem are unfolded into one row per
    problem. `offset 0` keeps the planner from inlining the checks into the unfolding, which
    would evaluate them twice.
    """
    joins: list[sql.Composable] = []
    problem_columns: list[sql.Composable] = []
    labels: list[str] = []
    for i, column in enumerate(contract.columns):
        alias = None
        if column.references:
            alias = f"ref{i}"
            joins.append(_reference_join(column, alias, partition, seeds))
        problem_columns.append(_column_check(column, alias))
        labels.append(column.name)
    key_columns = sql.SQL(", ").join(map(sql.Identifier, contract.key))
    key_match = sql.SQL(" and ").join(
        sql.SQL("{a}.{k} = l.{k}").format(a=sql.Identifier(a), k=sql.Identifier(k))
        for a in ("repeated",)
        for k in contract.key
    )
    other_match = sql.SQL(" and ").join(
        sql.SQL("other.{k} = l.{k}").format(k=sql.Identifier(k)) for k in contract.key
    )
    key_missing = sql.SQL(" or ").join(
        sql.SQL("l.{} is null").format(sql.Identifier(k)) for k in contract.key
    )
    joins.append(
        sql.SQL(
            "left join (select {k}, min(_line) as first_line from _load group by {k}"
            " having count(*) > 1) repeated on {m}"
        ).format(k=key_columns, m=key_match)
    )
    joins.append(
        sql.SQL(
            "left join (select distinct {k} from {t} where _partition_date = {p} and _file <> {f})"
            " other on {m}"
        ).format(
            k=key_columns,
            t=sql.Identifier("raw", contract.name),
            p=sql.Literal(partition),
            f=sql.Literal(file_name),
            m=other_match,
        )
    )
    problem_columns.append(
        sql.SQL(
            "case when {km} then null"
            " when repeated.first_line < l._line"
            " then 'duplicate key in this delivery (first at line ' || repeated.first_line || ')'"
            " when other.{k0} is not null then 'duplicate key in this delivery (in another file)'"
            " end"
        ).format(km=key_missing, k0=sql.Identifier(contract.key[0]))
    )
    labels.append(",".join(contract.key))
    problem_columns.append(sql.SQL("l._shape"))
    labels.append("*")
    names = [sql.Identifier(f"p{i}") for i in range(len(problem_columns))]
    return sql.SQL(
        "select checked._line, p.column_name, p.problem from ("
        " select l._line, {cols} from _load l {joins}"
        " where num_nonnulls({exprs}) > 0 offset 0"
        ") checked"
        " cross join lateral (values {pairs}) p(column_name, problem)"
        " where p.problem is not null"
    ).format(
        cols=sql.SQL(", ").join(
            sql.SQL("{} as {}").format(expr, name)
            for expr, name in zip(problem_columns, names, strict=True)
        ),
        joins=sql.SQL(" ").join(joins),
        exprs=sql.SQL(", ").join(problem_columns),
        pairs=sql.SQL(", ").join(
            sql.SQL("({}, checked.{})").format(sql.Literal(label), name)
            for label, name in zip(labels, names, strict=True)
        ),
    )


# --------------------------------------------------------------------------- one file


@dataclass(frozen=True)
class FileScan:
    """What one read of a file's bytes tells: its fingerprint, and for a CSV its encoding and
    whether it quotes anything (a quoted field may hold a line break, which only the slow path
    numbers by physical line)."""

    fingerprint: str
    encoding: str | None
    has_quotes: bool


def scan_file(path: ReadablePath) -> FileScan:
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    utf8, bom, quotes, first = True, False, False, True
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            if first:
                bom, first = chunk.startswith(codecs.BOM_UTF8), False
            quotes = quotes or b'"' in chunk
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
    if utf8:
        encoding: str | None = "utf-8-sig" if bom else "utf-8"
    else:
        try:
            encoding = detect_encoding(path)  # GB18030, or a clear reason why not
        except UnreadableFile:
            encoding = None
    return FileScan(digest.hexdigest(), encoding, quotes)


def _header_map(
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


def _create_load_table(cur: psycopg.Cursor, contract: SourceContract) -> None:
    cur.execute(
        sql.SQL(
            "create temp table _load (_line integer, {}, _extra jsonb, _shape text) on commit drop"
        ).format(
            sql.SQL(", ").join(
                sql.SQL("{} text").format(sql.Identifier(c)) for c in contract.column_names
            )
        )
    )


def _copy_rows(
    cur: psycopg.Cursor,
    contract: SourceContract,
    rows: Iterator[tuple[int, list[str | None]]],
    positions: list[int | None],
    extras: list[tuple[int, str]],
    width: int,
) -> None:
    """The streaming path: Python parses (exact line numbers, ragged rows, xlsx), COPY loads."""
    columns = sql.SQL(", ").join(
        map(sql.Identifier, ("_line", *contract.column_names, "_extra", "_shape"))
    )
    with cur.copy(sql.SQL("copy _load ({}) from stdin").format(columns)) as copy:
        for line, record in rows:
            trimmed = [(f.strip() or None) if f is not None else None for f in record]
            if not any(trimmed):
                continue  # blank line
            n = len(trimmed)
            shape = None if n == width else f"has {n} fields, the header has {width}"
            fields = [trimmed[i] if i is not None and i < n else None for i in positions]
            extra = (
                json.dumps({name: trimmed[i] for i, name in extras if i < n}, ensure_ascii=False)
                if extras
                else None
            )
            copy.write_row((line, *fields, extra, shape))


SERVER_ENCODINGS = {"utf-8": "UTF8", "utf-8-sig": "UTF8", "gb18030": "GB18030"}


def _copy_csv_on_server(
    conn: psycopg.Connection, contract: SourceContract, path: ReadablePath, scan: FileScan
) -> bool:
    """The fast path: the server parses the CSV (no quotes, so a record is a line).

    False, with nothing left behind, when the server refuses the file's shape (a ragged or
    blank line...): the streaming path then finds and names the bad lines.
    """
    with path.open("rb") as handle:
        text = io.TextIOWrapper(handle, encoding=scan.encoding or "utf-8", newline="")
        header = next(csv.reader([text.readline()]), [])
    if not any(h.strip() for h in header):
        return False  # the streaming path says what is wrong with the header
    positions, extras = _header_map(contract, header)
    width = len(header)
    fields = [sql.Identifier(f"f{i}") for i in range(width)]
    with conn.cursor() as cur:
        cur.execute("savepoint server_copy")
        try:
            cur.execute(
                sql.SQL(
                    "create temp table _delivered (_line integer generated always as identity"
                    " (start with 2), {}) on commit drop"
                ).format(sql.SQL(", ").join(sql.SQL("{} text").format(f) for f in fields))
            )
            copy_sql = sql.SQL(
                "copy _delivered ({}) from stdin (format csv, header true, encoding {})"
            ).format(sql.SQL(", ").join(fields), sql.Literal(SERVER_ENCODINGS[scan.encoding or ""]))
            with cur.copy(copy_sql) as copy, path.open("rb") as handle:
                if scan.encoding == "utf-8-sig":
                    handle.read(len(codecs.BOM_UTF8))
                while chunk := handle.read(1 << 20):
                    copy.write(chunk)
        except (psycopg.errors.DataError, psycopg.errors.BadCopyFileFormat):
            cur.execute("rollback to savepoint server_copy")
            return False
        trimmed = [
            sql.SQL("nullif(btrim({}), '')").format(fields[i]) if i is not None else sql.SQL("null")
            for i in positions
        ]
        extra = (
            sql.SQL("jsonb_build_object({})").format(
                sql.SQL(", ").join(
                    sql.SQL("{}, nullif(btrim({}), '')").format(sql.Literal(name), fields[i])
                    for i, name in extras
                )
            )
            if extras
            else sql.SQL("null::jsonb")
        )
        _create_load_table(cur, contract)
        cur.execute(
            sql.SQL("insert into _load select _line, {}, {}, null from _delivered").format(
                sql.SQL(", ").join(trimmed), extra
            )
        )
        cur.execute("release savepoint server_copy")
    return True


def _load_delivered(
    conn: psycopg.Connection, contract: SourceContract, path: ReadablePath, scan: FileScan
) -> None:
    """Fill _load with the file's rows, trimmed, empty as null; UnreadableFile when it can't."""
    is_csv = path.name.lower().endswith(".csv")
    if is_csv and scan.encoding and not scan.has_quotes:
        if _copy_csv_on_server(conn, contract, path, scan):
            return
    delivered = open_delivered_file(path)
    positions, extras = _header_map(contract, delivered.header)
    with conn.cursor() as cur:
        _create_load_table(cur, contract)
        _copy_rows(cur, contract, delivered.rows, positions, extras, len(delivered.header))


def load_file(
    conn: psycopg.Connection,
    contract: SourceContract,
    partition: dt.date,
    path: ReadablePath,
    run_id: str,
    seeds: dict[str, list[str]],
    scan: FileScan | None = None,
) -> FileOutcome:
    """Load one file in one transaction. The caller commits."""
    outcome = FileOutcome(contract.name, partition, path.name)
    table = sql.Identifier("raw", contract.name)
    try:
        _load_delivered(conn, contract, path, scan or scan_file(path))
    except UnreadableFile as err:
        conn.rollback()
        outcome.unreadable_reason = str(err)
        conn.execute(
            "insert into ops.quarantine (run_id, source, partition_date, file, line, column_name,"
            " problem, raw_row) values (%s, %s, %s, %s, null, null, %s, null)",
            [run_id, contract.name, partition, path.name, f"file not loaded: {err}"],
        )
        return outcome

    with conn.cursor() as cur:
        cur.execute(
            sql.SQL("create temp table _problems on commit drop as {}").format(
                problems_query(contract, partition, path.name, seeds)
            )
        )
        cur.execute(
            "insert into ops.quarantine (run_id, source, partition_date, file, line, column_name,"
            " problem, raw_row)"
            " select %s, %s, %s, %s, p._line, p.column_name, p.problem,"
            "  to_jsonb(l) - '_line' - '_shape'"
            " from _problems p join _load l using (_line)",
            [run_id, contract.name, partition, path.name],
        )
        outcome.rows_quarantined = cur.execute(
            "select count(distinct _line) from _problems"
        ).fetchone()[0]  # type: ignore[index]
        columns = sql.SQL(", ").join(map(sql.Identifier, contract.column_names))
        cur.execute(
            sql.SQL(
                "insert into {t} ({cols}, _extra, _partition_date, _file, _line, _run_id)"
                " select {cols}, _extra, %s, %s, _line, %s from _load"
                " where _line not in (select _line from _problems)"
            ).format(t=table, cols=columns),
            [partition, path.name, run_id],
        )
        outcome.rows_loaded = cur.rowcount
    return outcome


# -------------------------------------------------------------------------- partitions


def _listdir(path: ReadablePath) -> list:
    try:
        return sorted(path.iterdir(), key=lambda p: p.name)  # type: ignore[attr-defined]
    except FileNotFoundError:
        return []


def list_partitions(
    landing: ReadablePath, source: str, as_of: dt.date
) -> list[tuple[dt.date, list]]:
    source_dir = landing / source  # type: ignore[operator]
    if not source_dir.exists():
        return []
    found = []
    for entry in _listdir(source_dir):
        if not PARTITION_NAME.match(entry.name) or not entry.is_dir():
            continue
        day = dt.date.fromisoformat(entry.name)
        if day <= as_of:
            files = [f for f in _listdir(entry) if f.is_file() and not f.name.startswith(".")]
            found.append((day, files))
    return found


def _seed_keys() -> dict[str, list[str]]:
    """Keys of the reference seeds that other sources may name before any delivery of them."""
    seed = DBT_PROJECT_DIR / "seeds" / "seed_districts.csv"
    if not seed.exists():
        return {}
    with seed.open(encoding="utf-8", newline="") as handle:
        return {"districts": [row["district_code"] for row in csv.DictReader(handle)]}


def ingest(
    conn: psycopg.Connection, landing: ReadablePath | Path, as_of: dt.date, run_id: str
) -> IngestReport:
    """Take every partition dated on or before `as_of` not yet taken; commit file by file."""
    ensure_raw_tables(conn)
    conn.commit()
    seeds = _seed_keys()
    report = IngestReport()
    taken = {
        (s, p, f): fp
        for s, p, f, fp in conn.execute(
            "select source, partition_date, file, fingerprint from ops.partitions_taken"
        ).fetchall()
    }
    for contract in load_order():
        for partition, files in list_partitions(landing, contract.name, as_of):
            for path in files:
                scan = scan_file(path)
                fingerprint = scan.fingerprint
                previous = taken.get((contract.name, partition, path.name))
                if previous == fingerprint:
                    continue
                if previous is not None:
                    _forget_file(conn, contract.name, partition, path.name)
                outcome = load_file(conn, contract, partition, path, run_id, seeds, scan)
                conn.execute(
                    "insert into ops.partitions_taken (source, partition_date, file, fingerprint,"
                    " rows_loaded, rows_quarantined, unreadable_reason, run_id)"
                    " values (%s, %s, %s, %s, %s, %s, %s, %s)",
                    [
                        contract.name, partition, path.name, fingerprint, outcome.rows_loaded,
                        outcome.rows_quarantined, outcome.unreadable_reason, run_id,
                    ],
                )  # fmt: skip
                conn.commit()
                report.files.append(outcome)
    return report


def _forget_file(conn: psycopg.Connection, source: str, partition: dt.date, file_name: str) -> None:
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
