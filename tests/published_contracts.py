"""The published tables as their dbt model contracts declare them, for tests that run no dbt.

Every published table is a mart declared in the catalog (``munifund.catalog``, read from dbt's
manifest): each column with its ``data_type`` and its constraints. A test that needs an empty published table creates
it from that contract, so a column added to, renamed in or retyped in a published model reaches
the test without anyone copying DDL.

``published.allocation_runs`` and ``published.data_quality_issues`` are not models: they are
views over the pipeline's ops tables that the warehouse migrations create (``init_warehouse``),
so a test takes them from the session's warehouse as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import psycopg
from psycopg import sql

from munifund.catalog import published_tables

PUBLISHED_VIEWS = ("allocation_runs", "data_quality_issues")


@dataclass(frozen=True)
class ContractColumn:
    name: str
    data_type: str
    not_null: bool


@dataclass(frozen=True)
class Contract:
    model: str
    columns: tuple[ContractColumn, ...]
    primary_key: tuple[str, ...]
    key: tuple[str, ...] = ()

    def create_table(self, schema: str = "published") -> sql.Composed:
        """``create table <schema>.<model>`` with the contract's columns, types and keys."""
        parts = [
            sql.SQL("{} {}{}").format(
                sql.Identifier(c.name),
                sql.SQL(c.data_type),
                sql.SQL(" not null" if c.not_null else ""),
            )
            for c in self.columns
        ]
        if self.primary_key:
            keys = sql.SQL(", ").join(sql.Identifier(k) for k in self.primary_key)
            parts.append(sql.SQL("primary key ({})").format(keys))
        elif self.key:
            keys = sql.SQL(", ").join(sql.Identifier(k) for k in self.key)
            parts.append(sql.SQL("unique nulls not distinct ({})").format(keys))
        return sql.SQL("create table {} ({})").format(
            sql.Identifier(schema, self.model), sql.SQL(", ").join(parts)
        )


@cache
def published_contracts() -> dict[str, Contract]:
    """Every published table's contract, by name, from the catalog (munifund.catalog)."""
    return {
        name: Contract(
            name,
            tuple(ContractColumn(c.name, c.data_type, c.not_null) for c in table.columns),
            table.primary_key,
            table.key,
        )
        for name, table in published_tables().items()
    }


def missing_published_views(conn: psycopg.Connection) -> list[str]:
    """The views over ops that the warehouse migrations should have created and did not."""
    return [
        name
        for name in PUBLISHED_VIEWS
        if not conn.execute("select to_regclass(%s)", [f"published.{name}"]).fetchone()[0]
    ]
