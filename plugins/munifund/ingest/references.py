"""The keys a reference (district, asset, kiosk) may name: those delivered in partitions dated
on or before the row's own, so the outcome is the same whether partitions are taken night by
night or in one catch-up run; a reference seed's keys while nothing of its source is delivered.
"""

from __future__ import annotations

import csv
import datetime as dt

import polars as pl
import psycopg
from psycopg import sql

from munifund.config import DBT_PROJECT_DIR
from munifund.ingest.contracts import SourceContract
from munifund.ingest.validation import KEY_SEPARATOR, known_keys


def seed_keys() -> dict[str, list[str]]:
    """Keys of the reference seeds that other sources may name before any delivery of them."""
    seed = DBT_PROJECT_DIR / "seeds" / "seed_districts.csv"
    if not seed.exists():
        return {}
    with seed.open(encoding="utf-8", newline="") as handle:
        return {"districts": [row["district_code"] for row in csv.DictReader(handle)]}


def reference_keys(
    conn: psycopg.Connection,
    contract: SourceContract,
    partition: dt.date,
    seeds: dict[str, list[str]],
) -> dict[str, pl.Series]:
    """Per referenced source, the keys delivered in partitions dated on or before this one
    (or its seed while nothing of it has been delivered)."""
    known: dict[str, pl.Series] = {}
    for column in contract.columns:
        if not column.references:
            continue
        source, key = column.references
        values = [
            v
            for (v,) in conn.execute(
                sql.SQL("select distinct {} from {} where _partition_date <= %s").format(
                    sql.Identifier(key), sql.Identifier("raw", source)
                ),
                [partition],
            )
        ]
        if not values:  # nothing delivered yet (a key column is never empty in raw)
            values = seeds.get(source, [])
        known[source] = known_keys([v for v in values if v is not None])
    for reference in contract.key_references:
        joined = sql.SQL("concat_ws({}, {})").format(
            sql.Literal(KEY_SEPARATOR),
            sql.SQL(", ").join(
                sql.SQL("trim({})").format(sql.Identifier(c)) for c in reference.columns
            ),
        )
        rows = conn.execute(
            sql.SQL("select distinct {} from {} where _partition_date <= %s").format(
                joined, sql.Identifier("raw", reference.source)
            ),
            [partition],
        ).fetchall()
        known[reference.name] = known_keys([v for (v,) in rows if v is not None])
    for rule in contract.not_before:
        known[rule.name(contract)] = _latest_dates(
            conn, contract, rule.via, rule.source_column, partition
        )
    return known


def _latest_dates(
    conn: psycopg.Connection, contract: SourceContract, via: str, date_column: str,
    partition: dt.date,
) -> pl.Series:  # fmt: skip
    """Per key of the source that `via` references, its date as the latest version delivered
    on or before the partition holds it (the order of staging's latest_version)."""
    source, key = contract.column(via).references  # type: ignore[misc]
    rows = conn.execute(
        sql.SQL(
            "select distinct on (trim({key})) trim({key}), trim({date}) from {table}"
            " where _partition_date <= %s"
            " order by trim({key}), _partition_date desc, _file desc, _line desc"
        ).format(
            key=sql.Identifier(key), date=sql.Identifier(date_column),
            table=sql.Identifier("raw", source),
        ),
        [partition],
    ).fetchall()  # fmt: skip
    return pl.Series(
        [{"key": k, "date": d} for k, d in rows],
        dtype=pl.Struct({"key": pl.String, "date": pl.String}),
    )
