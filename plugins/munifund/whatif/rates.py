"""A scenario's rates file (`--rates FILE.csv|.xlsx`): read and checked as a delivery of
`unit_cost_standards` is (the same reader, contract and checks, ingest/), but all or nothing: a
delivery's bad row is quarantined and the rest loads, a scenario's rates file with one bad row is
refused, since a scenario computed without that rate would answer another question.

A rates file carries the rows it changes, and may carry only those: a row replaces the standard
of the same work type, asset class and valid_from, a row with a new valid_from is added (where
two overlap, the later valid_from wins, as for a delivery), and every other standard stays as
it was known on the scenario's date. Those are the standards as the nightly's staging reads
them, by dbt's own SQL (`current_standards`), which `munifund whatif rates-template` also
writes out as a file: the template round-trips to the published allocation unchanged.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import psycopg

from munifund.ingest.contracts import CONTRACTS
from munifund.ingest.reader import UnreadableFile, header_map, open_delivered_file
from munifund.ingest.validation import LINE, READ, READ_PROBLEMS, FileChecks
from munifund.whatif.parameters import ScenarioRefused

CONTRACT = next(c for c in CONTRACTS if c.name == "unit_cost_standards")
#: the delivered standards (else the seed) known on a date: the nightly's staging model
STANDARDS_MODEL = "stg_unit_cost_standards__unit_cost_standards"


@dataclass(frozen=True)
class RatesFile:
    """The rows of a rates file that passed its contract, in the contract's column order."""

    path: Path
    sha256: str
    rows: list[tuple[str | None, ...]]

    def record(self) -> dict[str, str]:
        return {"file": self.path.name, "sha256": self.sha256}


def read_rates(path: Path) -> RatesFile:
    """The file's rows, or ScenarioRefused naming its first problem (file, line, column)."""
    if not path.is_file():
        raise ScenarioRefused(f"--rates {path}: no such file")
    try:
        delivered = open_delivered_file(path)
        positions, _extras = header_map(CONTRACT, delivered.header)
    except UnreadableFile as err:
        raise ScenarioRefused(f"--rates {path}: {err}") from None
    names = list(CONTRACT.column_names)
    lines, rows, read_problems = [], [], []
    for line, record in delivered.rows:
        values = [(f.strip() or None) if f is not None else None for f in record]
        if not any(values):
            continue
        fields = tuple(values[i] if i is not None and i < len(values) else None for i in positions)
        cells = delivered.cell_problems.get(line, {})
        read = [
            {"column_name": names[c], "problem": cells[i]}
            for c, i in enumerate(positions)
            if i in cells
        ]
        lines.append(line)
        rows.append(fields)
        read_problems.append(read or None)
    if not rows:
        raise ScenarioRefused(f"--rates {path}: no rates in the file")
    _refuse_problems(path, lines, rows, read_problems)
    _refuse_repeated_keys(path, lines, rows)
    return RatesFile(path, hashlib.sha256(path.read_bytes()).hexdigest(), rows)


def _refuse_problems(path: Path, lines: list[int], rows: list[tuple], read: list) -> None:
    frame = pl.DataFrame(
        [(line, *row, problems) for line, row, problems in zip(lines, rows, read, strict=True)],
        schema={
            LINE: pl.Int64,
            **dict.fromkeys(CONTRACT.column_names, pl.String),
            READ: READ_PROBLEMS,
        },
        orient="row",
    )
    spill = io.BytesIO()
    checks = FileChecks(CONTRACT, {}, spill)
    if not checks.check(frame):
        return
    problems = list(csv.reader(io.StringIO(spill.getvalue().decode("utf-8"))))
    problems.sort(key=lambda p: int(p[0]))
    line, column, problem = problems[0][:3]
    more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
    raise ScenarioRefused(
        f"--rates {path}: line {line}, column {column}: {problem}{more};"
        " a rates file must meet the unit_cost_standards contract"
    )


def _refuse_repeated_keys(path: Path, lines: list[int], rows: list[tuple]) -> None:
    key_positions = [CONTRACT.column_names.index(k) for k in CONTRACT.key]
    seen: dict[tuple, int] = {}
    for line, row in zip(lines, rows, strict=True):
        key = tuple(row[i] for i in key_positions)
        if key in seen:
            raise ScenarioRefused(
                f"--rates {path}: line {line} repeats the rate of line {seen[key]}"
                f" ({', '.join(CONTRACT.key)} = {', '.join(map(str, key))}); keep one"
            )
        seen[key] = line


def _standards_sql(pipeline_url: str) -> str:
    """The SQL of the staging model of the standards, as dbt compiles it for a nightly run but
    with the as-of date read from the session (`munifund.as_of_date`, macros/as_of.sql): kept
    per state of the project, compiled by dbt when the project changed (a few seconds)."""
    from munifund.config import load_settings
    from munifund.dbt_project import DbtFailed, run_dbt
    from munifund.whatif.nightly_tables import TARGET_PATH, project_key

    folder = load_settings().home / "dbt" / "whatif"
    cached = folder / f"standards-{project_key(pipeline_url, STANDARDS_MODEL)}.sql"
    if cached.exists():
        return cached.read_text(encoding="utf-8")
    saved = {k: os.environ.get(k) for k in ("MUNIFUND_AS_OF_DATE", "MUNIFUND_RUN_ID")}
    try:
        result = run_dbt(
            ["compile", "--select", STANDARDS_MODEL, "--quiet",
             "--target-path", str(TARGET_PATH / "standards")],
            pipeline_url,
            {"as_of_date": "session", "run_id": "whatif"},
        )  # fmt: skip
    finally:  # run_dbt leaves the date in the environment: not `session` for what follows
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    found = [
        r.node.compiled_code
        for r in result.results  # type: ignore[attr-defined]
        if r.node.unique_id == f"model.munifund.{STANDARDS_MODEL}"
    ]
    if not found:
        raise DbtFailed(f"dbt compiled no {STANDARDS_MODEL}")
    folder.mkdir(parents=True, exist_ok=True)
    staged = cached.with_suffix(f".{os.getpid()}")
    staged.write_text(found[0], encoding="utf-8")
    staged.replace(cached)
    for older in folder.glob("standards-*.sql"):  # of earlier states of the project
        if older != cached:
            older.unlink(missing_ok=True)
    return found[0]


def standards_select(pipeline_url: str) -> str:
    """A select of the standards known on the session's date, as text in the contract's
    columns and order (the file's, and whatif.unit_cost_standards')."""
    return (
        "select work_type, asset_class, valid_from::text as valid_from,"
        " valid_to::text as valid_to, rate_yuan::text as rate_yuan, unit"
        f" from (\n{_standards_sql(pipeline_url)}\n) standards"
    )


def current_standards(
    conn: psycopg.Connection, pipeline_url: str, as_of: dt.date
) -> list[tuple[str | None, ...]]:
    """The unit-cost standards known on `as_of` (the delivered ones, else the seed), in the
    contract's column order, by work type, asset class and valid_from."""
    query = standards_select(pipeline_url)
    with conn.transaction():
        conn.execute("select set_config('munifund.as_of_date', %s, true)", [as_of.isoformat()])
        return conn.execute(f"{query} order by 1, 2, 3").fetchall()


def write_rates_file(path: Path, rows: list[tuple[str | None, ...]]) -> None:
    """`rows` as a CSV that `--rates` accepts: the contract's header, UTF-8."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CONTRACT.column_names)
        writer.writerows(["" if v is None else v for v in row] for row in rows)
