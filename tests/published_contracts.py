"""The published tables as their dbt model contracts declare them, for tests that run no dbt.

Every mart under dbt_project/models/marts is published with an enforced contract: each column
with its ``data_type`` and its constraints. A test that needs an empty published table creates
it from that contract, so a column added to, renamed in or retyped in a published model reaches
the test without anyone copying DDL.

``published.allocation_runs`` and ``published.data_quality_issues`` are not models: they are
views over the pipeline's ops tables that the warehouse migrations create (``init_warehouse``),
so a test takes them from the session's warehouse as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import psycopg
import yaml
from psycopg import sql

MARTS = Path(__file__).resolve().parents[1] / "dbt_project" / "models" / "marts"
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
        return sql.SQL("create table {} ({})").format(
            sql.Identifier(schema, self.model), sql.SQL(", ").join(parts)
        )


def _types(spec: dict[str, Any]) -> set[str]:
    return {c.get("type") for c in spec.get("constraints") or []}


def _contract(model: dict[str, Any], path: Path) -> Contract:
    columns = []
    primary_key = [c["name"] for c in model["columns"] if "primary_key" in _types(c)]
    for constraint in model.get("constraints") or []:
        if constraint.get("type") == "primary_key":
            primary_key += constraint["columns"]
    for column in model["columns"]:
        if not column.get("data_type"):
            raise ValueError(
                f"{path}: {model['name']}.{column['name']} has no data_type, which an enforced"
                " contract needs; add it"
            )
        not_null = bool(_types(column) & {"not_null", "primary_key"})
        columns.append(ContractColumn(column["name"], column["data_type"], not_null))
    return Contract(model["name"], tuple(columns), tuple(primary_key))


@cache
def published_contracts() -> dict[str, Contract]:
    """Every mart with an enforced contract, by model name."""
    contracts = {}
    for path in sorted(MARTS.rglob("_*.yml")):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models") or []:
            if ((model.get("config") or {}).get("contract") or {}).get("enforced"):
                contracts[model["name"]] = _contract(model, path)
    return contracts


def missing_published_views(conn: psycopg.Connection) -> list[str]:
    """The views over ops that the warehouse migrations should have created and did not."""
    return [
        name
        for name in PUBLISHED_VIEWS
        if not conn.execute("select to_regclass(%s)", [f"published.{name}"]).fetchone()[0]
    ]
