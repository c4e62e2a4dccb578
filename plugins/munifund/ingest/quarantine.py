"""The quarantine, ``ops.quarantine``: one row per problem, with its file, line and column and
the row as delivered; a file that cannot be read at all, or a folder or link of the landing area
that is no delivery, gets one row with the reason.
"""

from __future__ import annotations

import datetime as dt

import psycopg
from psycopg import sql

from munifund.ingest import reasons as why
from munifund.ingest.contracts import SourceContract
from munifund.ingest.duplicates import key_sql
from munifund.ingest.validation import FileChecks

LINEAGE_COLUMNS = ("_partition_date", "_file", "_line", "_run_id")
# a raw row as delivered: `to_jsonb(r) - {lineage}`
WITHOUT_LINEAGE = sql.SQL(" - ").join(map(sql.Literal, LINEAGE_COLUMNS))


def quarantine_bad_rows(
    conn: psycopg.Connection, contract: SourceContract, partition: dt.date, file_name: str,
    run_id: str, checks: FileChecks, repeated: dict[int, int],
) -> tuple[int, int]:  # fmt: skip
    """Record the file's problems in the quarantine, with each row as delivered, and take the
    repeated keys (every line of a key after its first) out of raw. A repeat is a problem even
    when its first line is bad for another reason. Returns (lines quarantined, rows taken out
    of raw)."""
    if not checks.problems and not repeated:
        return 0, 0
    table = sql.Identifier("raw", contract.name)
    message = why.DUPLICATE_FIRST_AT.prefix
    label = ",".join(contract.key)
    removed = 0
    with conn.cursor() as cur:
        cur.execute(
            "create temp table _problems (line integer, column_name text, problem text,"
            " raw_row jsonb) on commit drop"
        )
        checks.spill.seek(0)
        with cur.copy("copy _problems from stdin (format csv)") as copy:
            while chunk := checks.spill.read(1 << 20):
                copy.write(chunk)
        if repeated:
            cur.execute(
                "create temp table _repeated (line integer, first_line integer) on commit drop"
            )
            with cur.copy("copy _repeated from stdin") as copy:
                for row in repeated.items():
                    copy.write_row(row)
            # repeats of bad rows: their delivered row is in the quarantine already
            cur.execute(
                "insert into _problems select r.line, %s, %s || r.first_line || ')', p.raw_row"
                " from _repeated r join (select distinct on (line) line, raw_row from _problems)"
                " p using (line)",
                [label, message],
            )
            cur.execute(
                sql.SQL(
                    "with removed as (delete from {t} r where _partition_date = %s and _file = %s"
                    "  and _line in (select line from _repeated)"
                    "  returning _line, to_jsonb(r) - {lineage} as row)"
                    " insert into _problems select r.line, %s, %s || r.first_line || ')', x.row"
                    " from removed x join _repeated r on r.line = x._line"
                ).format(t=table, lineage=WITHOUT_LINEAGE),
                [partition, file_name, label, message],
            )
            removed = cur.rowcount
        cur.execute(
            "insert into ops.quarantine (run_id, source, partition_date, file, line, column_name,"
            " problem, raw_row) select %s, %s, %s, %s, line, column_name, problem, raw_row"
            " from _problems order by line, column_name",
            [run_id, contract.name, partition, file_name],
        )
        quarantined = cur.execute("select count(distinct line) from _problems").fetchone()[0]  # type: ignore[index]
    return quarantined, removed


def withdraw_other_copies(
    conn: psycopg.Connection, contract: SourceContract, partition: dt.date, file_name: str,
    run_id: str, keys: set[str],
) -> int:  # fmt: skip
    """Take the rows of the given keys that the delivery's other files loaded out of raw into
    the quarantine, naming this file, and correct those files' counts in the ledger: a key
    may not repeat across a delivery's files, and no copy can be told right. Returns the rows
    taken out."""
    if not keys:
        return 0
    with conn.cursor() as cur:
        cur.execute("create temp table _elsewhere (key text primary key) on commit drop")
        with cur.copy("copy _elsewhere from stdin") as copy:
            for key in keys:
                copy.write_row((key,))
        cur.execute(
            sql.SQL(
                "with removed as (delete from {t} r where _partition_date = %(day)s"
                "  and _file <> %(file)s and {k} in (select key from _elsewhere)"
                "  returning _file, _line, to_jsonb(r) - {lineage} as row),"
                " recorded as (insert into ops.quarantine (run_id, source, partition_date, file,"
                "  line, column_name, problem, raw_row) select %(run)s, %(source)s, %(day)s,"
                "  _file, _line, %(label)s, %(problem)s, row from removed),"
                " counted as (update ops.partitions_taken p set"
                "  rows_loaded = rows_loaded - n, rows_quarantined = rows_quarantined + n"
                "  from (select _file, count(*) as n from removed group by _file) c"
                "  where p.source = %(source)s and p.partition_date = %(day)s and p.file = c._file)"
                " select count(*) from removed"
            ).format(
                t=sql.Identifier("raw", contract.name),
                k=key_sql(contract),
                lineage=WITHOUT_LINEAGE,
            ),
            {"day": partition, "file": file_name, "run": run_id, "source": contract.name,
             "label": ",".join(contract.key), "problem": why.DUPLICATE_ALSO_IN(file_name)},
        )  # fmt: skip
        return cur.fetchone()[0]  # type: ignore[index]


def quarantine_entry(
    conn: psycopg.Connection, run_id: str, source: str, partition: dt.date, entry: str,
    problem: str, *, any_date: bool = False,
) -> bool:  # fmt: skip
    """One row for a whole file or folder (no line), once: a problem already recorded for the
    same entry is not recorded again, so re-running a date adds nothing. `any_date`: the entry
    lies in no partition; `partition` is then the date of the run that found it, and the entry
    is known by its name and problem alone. A problem said in English only (the reader's) gets
    its Chinese half here (reasons.bilingual). Returns whether the row is new."""
    problem = why.bilingual(problem)
    return (
        conn.execute(
            "insert into ops.quarantine (run_id, source, partition_date, file, problem)"
            " select %(run)s, %(source)s, %(day)s, %(entry)s, %(problem)s where not exists"
            " (select from ops.quarantine where source = %(source)s and file = %(entry)s"
            "  and line is null and problem = %(problem)s"
            "  and (%(any_date)s or partition_date = %(day)s))",
            {
                "run": run_id,
                "source": source,
                "day": partition,
                "entry": entry,
                "problem": problem,
                "any_date": any_date,
            },
        ).rowcount  # fmt: skip
        == 1
    )
