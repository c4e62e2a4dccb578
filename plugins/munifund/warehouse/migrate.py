"""The warehouse's own schema, versioned: alembic migrations in `warehouse/schema/versions/`.

Why alembic rather than numbered SQL files: it is already in the lock (Airflow migrates its own
metadata with it), it records the applied revision in the database (`public.alembic_version`),
orders revisions by their declared parents rather than by file names, and prints the SQL of an
upgrade for an administrator who must run it by hand (`munifund warehouse init --sql`).

What the migrations own: roles' grants, schemas, the raw tables (one per source contract), the
pipeline's bookkeeping in `ops`, the published tables' shells and the views over `ops`. What dbt
builds (staging, intermediate, audit) is dbt's. A migration runs only in an explicit step,
`munifund warehouse init` or `munifund run`, never when a task connects.
"""

from __future__ import annotations

import io
from pathlib import Path

import psycopg

from munifund.warehouse.access import Warehouse
from munifund.warehouse.embedded import WarehouseError

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"


def _config(connection=None, output=None):
    from alembic.config import Config

    cfg = Config(output_buffer=output) if output is not None else Config()
    cfg.set_main_option("script_location", str(SCHEMA_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head, "no migration in warehouse/schema/versions"
    return head


def current_revision(conn: psycopg.Connection) -> str | None:
    """The revision the database is at (None: never migrated)."""
    exists = conn.execute("select to_regclass('public.alembic_version')").fetchone()[0]  # type: ignore[index]
    if not exists:
        return None
    row = conn.execute("select version_num from public.alembic_version").fetchone()
    return row[0] if row else None


def require_current_schema(conn: psycopg.Connection) -> None:
    """Refuse to work on a warehouse whose schema is not the code's."""
    current, head = current_revision(conn), head_revision()
    if current != head:
        raise WarehouseError(
            f"the warehouse schema is at {current or 'nothing'}, this code needs {head}:"
            " run `munifund warehouse init` (it applies the migrations)"
        )


def migrate(warehouse: Warehouse, revision: str = "head") -> str:
    """Upgrade the warehouse to the newest revision (a no-op when it is there); return it.

    `revision` stops at an older one: the tests upgrade from it with data in place."""
    from alembic import command
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    with warehouse.connect() as conn:
        if current_revision(conn) == (head_revision() if revision == "head" else revision):
            return current_revision(conn)  # type: ignore[return-value]
    # the administrator when there is one: revisions that give objects to a role nobody logs
    # in as, or create roles, need it (each revision sets the role it builds as)
    url = warehouse.admin_url or warehouse.pipeline_url
    engine = create_engine(warehouse.sqlalchemy_url(url), poolclass=NullPool)
    try:
        with engine.begin() as connection:
            command.upgrade(_config(connection), revision)
    except Exception as err:  # alembic and SQLAlchemy wrap the driver's errors
        raise WarehouseError(f"migrating the warehouse failed: {err}") from err
    finally:
        engine.dispose()
    return head_revision() if revision == "head" else revision


def upgrade_sql(from_revision: str | None = None) -> str:
    """The SQL of the upgrade to the newest revision, for an administrator to run by hand."""
    from alembic import command

    out = io.StringIO()
    target = f"{from_revision}:head" if from_revision else "head"
    command.upgrade(_config(output=out), target, sql=True)
    return out.getvalue()
