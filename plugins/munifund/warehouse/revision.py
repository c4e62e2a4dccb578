"""`munifund warehouse revision -m NAME`: the alembic revision a contract change needs, written
from the catalog (munifund.catalog) against the schema the migrations give now.

A published table is declared once, by its mart's contract; its table in `published` is the
warehouse's, versioned. This module closes the gap between the two without anyone copying DDL:
it compares every published table of the catalog with the migrated warehouse and writes a new
revision file holding the SQL that makes them agree, as literal statements (a landed revision
never changes when a contract changes later). What it writes:

- a table the catalog has and the warehouse lacks: created with the contract's columns, types,
  primary key (or its meta.key, unique with nulls not distinct), comments, and read access for
  the analyst;
- a column the contract appends: added at the end, commented; `not null` only where no published
  row lacks it (rows published before the column existed keep a null);

Descriptions of what exists already are not a revision's: publication copies every mart's text
onto its table as COMMENT ON (munifund.publication.publish).

What it refuses, with the reason (a person decides): a column dropped, renamed, retyped or put
anywhere but at the end (publication copies columns by position and keeps every past run).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from munifund.catalog import PublishedTable, published_tables

VERSIONS = Path(__file__).resolve().parent / "schema" / "versions"
ANALYST = "analyst"


class RevisionRefused(ValueError):
    """The contracts differ from the warehouse in a way no generated revision should decide."""


@dataclass(frozen=True)
class WarehouseColumn:
    name: str
    data_type: str
    not_null: bool


def _normal(data_type: str) -> str:
    aliases = {"timestamptz": "timestamp with time zone", "int": "integer", "bool": "boolean"}
    return aliases.get(data_type.strip().lower(), data_type.strip().lower()).replace(" ", "")


def _columns(conn: psycopg.Connection, table: str) -> list[WarehouseColumn] | None:
    rows = conn.execute(
        "select a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull from pg_attribute a"
        " where a.attrelid = to_regclass(%s) and a.attnum > 0 and not a.attisdropped"
        " order by a.attnum",
        [f"published.{table}"],
    ).fetchall()
    exists = conn.execute("select to_regclass(%s)", [f"published.{table}"]).fetchone()[0]  # type: ignore[index]
    return [WarehouseColumn(*row) for row in rows] if exists else None


def _warehouse_key(conn: psycopg.Connection, table: str) -> list[str]:
    """The columns of the table's primary key, else of its one unique constraint."""
    row = conn.execute(
        "select array(select a.attname from unnest(c.conkey) with ordinality k(attnum, n)"
        " join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum order by k.n)"
        " from pg_constraint c where c.conrelid = to_regclass(%s) and c.contype in ('p', 'u')"
        " order by c.contype limit 1",
        [f"published.{table}"],
    ).fetchone()
    return list(row[0]) if row else []


def _literal(conn: psycopg.Connection, text: str) -> str:
    return sql.Literal(text).as_string(conn)


def _ident(conn: psycopg.Connection, *names: str) -> str:
    return sql.Identifier(*names).as_string(conn)


def _create(conn: psycopg.Connection, table: PublishedTable) -> list[str]:
    columns = [
        f"{_ident(conn, c.name)} {c.data_type}{' not null' if c.not_null else ''}"
        for c in table.columns
    ]
    key = ", ".join(_ident(conn, k) for k in table.key)
    columns.append(
        f"primary key ({key})" if table.primary_key else f"unique nulls not distinct ({key})"
    )
    target = _ident(conn, "published", table.name)
    statements = [f"create table {target} (\n    " + ",\n    ".join(columns) + "\n)"]
    statements += _describe(conn, table, {})
    statements.append(f"grant select on {target} to {ANALYST}")
    return statements


def _describe(
    conn: psycopg.Connection, table: PublishedTable, now: dict[str | None, str | None]
) -> list[str]:
    target = _ident(conn, "published", table.name)
    statements = []
    if table.description and now.get(None) != table.description:
        statements.append(f"comment on table {target} is {_literal(conn, table.description)}")
    for column in table.columns:
        if column.description and now.get(column.name) != column.description:
            statements.append(
                f"comment on column {_ident(conn, 'published', table.name, column.name)}"
                f" is {_literal(conn, column.description)}"
            )
    return statements


def _alter(
    conn: psycopg.Connection, table: PublishedTable, present: list[WarehouseColumn]
) -> list[str]:
    declared = list(table.columns)
    names = [c.name for c in present]
    if names != [c.name for c in declared[: len(names)]]:
        raise RevisionRefused(
            f"published.{table.name} has the columns {names}; its contract declares"
            f" {[c.name for c in declared]}: a column was dropped, renamed or inserted before the"
            " end. Published runs keep every column: add new columns at the end of the mart, or"
            " write this revision by hand"
        )
    for have, want in zip(present, declared, strict=False):
        if _normal(have.data_type) != _normal(want.data_type):
            raise RevisionRefused(
                f"published.{table.name}.{want.name} is {have.data_type} in the warehouse and"
                f" {want.data_type} in the contract: a type change of published data is written"
                " by hand"
            )
    key = _warehouse_key(conn, table.name)
    if key != list(table.key):
        raise RevisionRefused(
            f"published.{table.name} is keyed by {key} in the warehouse and by"
            f" {list(table.key)} in its contract: a key change of published data is written by hand"
        )
    target = _ident(conn, "published", table.name)
    statements = []
    for column in declared[len(names) :]:
        name = _ident(conn, column.name)
        statements.append(f"alter table {target} add column {name} {column.data_type}")
        if column.not_null:
            # rows published before the column existed have no value for it: keep them, and
            # make the column not null only where none is missing
            statements.append(
                f"do $$ begin if not exists (select from {target} where {name} is null) then"
                f" alter table {target} alter column {name} set not null; end if; end $$"
            )
    # only the new columns' descriptions: an existing column's COMMENT ON follows its mart's text
    # at every publication (munifund.publication.publish copies it), no revision needed
    appended = dataclasses.replace(table, description="", columns=tuple(declared[len(names) :]))
    return statements + _describe(conn, appended, {})


def contract_changes(
    conn: psycopg.Connection, tables: dict[str, PublishedTable] | None = None
) -> list[str]:
    """The SQL that makes the warehouse's published tables what the catalog declares."""
    statements: list[str] = []
    for table in (tables or published_tables()).values():
        present = _columns(conn, table.name)
        statements += _create(conn, table) if present is None else _alter(conn, table, present)
    return statements


def _slug(message: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")
    if not slug:
        raise RevisionRefused(f"-m {message!r}: say in a few words what the revision does")
    return slug[:60]


def write_revision(
    statements: list[str], message: str, head: str, versions: Path = VERSIONS
) -> Path:
    """A new revision after `head`, numbered after the newest file, holding `statements`."""
    numbers = [int(p.name[:4]) for p in versions.glob("[0-9][0-9][0-9][0-9]_*.py")]
    revision = f"{max(numbers, default=0) + 1:04d}_{_slug(message)}"
    body = "\n".join(f"    op.execute({statement!r})" for statement in statements)
    path = versions / f"{revision}.py"
    path.write_text(
        f'''"""{message}

Written by `munifund warehouse revision` on {dt.date.today().isoformat()} from the published tables'
contracts (munifund.catalog); review it before committing, never edit it once landed.

Revision ID: {revision}
Revises: {head}
"""

from alembic import op

revision = "{revision}"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("set local role munifund_pipeline")
{body}


def downgrade() -> None:
    raise NotImplementedError("the warehouse schema is not downgraded")
''',
        encoding="utf-8",
    )
    return path
