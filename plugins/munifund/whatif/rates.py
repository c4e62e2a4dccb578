"""A scenario's rates file (`--rates FILE.csv|.xlsx`): read and checked as a delivery of
`unit_cost_standards` is (the same reader, contract and checks, ingest/), but all or nothing: a
delivery's bad row is quarantined and the rest loads, a scenario's rates file with one bad row is
refused, since a scenario computed without that rate would answer another question.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import psycopg

from munifund.ingest.contracts import CONTRACTS
from munifund.ingest.reader import UnreadableFile, header_map, open_delivered_file
from munifund.ingest.validation import LINE, READ, READ_PROBLEMS, FileChecks
from munifund.whatif.parameters import ScenarioRefused

CONTRACT = next(c for c in CONTRACTS if c.name == "unit_cost_standards")


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


def refuse_missing_rates(conn: psycopg.Connection, rates: RatesFile, as_of) -> None:
    """Every work type and asset class that the published allocation of the date has district
    or street lines for needs a rate valid at some time in the fiscal year: checked here, before
    anything is computed. A gap inside the year is found by the scenario's build (compute.py)."""
    year_start, year_end = f"{as_of.year}-01-01", f"{as_of.year}-12-31"
    rated = {
        (work_type, asset_class)
        for work_type, asset_class, valid_from, valid_to, *_ in rates.rows
        if valid_from <= year_end and (valid_to is None or valid_to >= year_start)
    }
    needed = conn.execute(
        "select work_type, asset_class, count(*) from published.district_allocation_lines"
        " where as_of_date = %s group by 1, 2 order by 1, 2",
        [as_of],
    ).fetchall()
    missing = [(w, a, n) for w, a, n in needed if (w, a) not in rated]
    if missing:
        w, a, n = missing[0]
        more = f" (and {len(missing) - 1} more pairs)" if len(missing) > 1 else ""
        raise ScenarioRefused(
            f"--rates {rates.path}: no rate for {w} of {a} valid in {as_of.year}, which {n}"
            f" published lines of {as_of} need{more}; add it to the file"
        )
