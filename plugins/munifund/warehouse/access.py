"""One way to the warehouse: the Airflow connection `warehouse`.

Inside a task, `task_warehouse()` reads that connection through the Postgres provider's hook,
as Cosmos does for dbt, so a task and dbt can never talk to two databases.

Outside Airflow (`munifund` commands, tests, benchmarks), `open_warehouse()` resolves the same
database: the embedded server under ``$MUNIFUND_HOME`` (started when needed), or the server
named by ``MUNIFUND_WAREHOUSE_URL``. `munifund run` hands that URL to Airflow as
``AIRFLOW_CONN_WAREHOUSE`` (`munifund.airflow_env`), so the connection a task reads is the URL the
command resolved.

Neither runs any DDL: the schema is the migrations' (`munifund.warehouse.migrate`), applied by
`munifund warehouse init` and by `munifund run` before it starts the DAG.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import psycopg

from munifund.config import Settings, load_settings
from munifund.warehouse.embedded import (
    ANALYST_ROLE,
    PIPELINE_ROLE,
    SUPERUSER,
    WarehouseError,
    postgres_url,
    start_embedded,
)

WAREHOUSE_CONN_ID = "warehouse"


@dataclass(frozen=True)
class Warehouse:
    pipeline_url: str
    analyst_url: str
    embedded: bool
    #: the warehouse's administrator (the embedded server's superuser, or MUNIFUND_ADMIN_URL):
    #: migrations that move ownership or create roles, and `munifund reviewer add`
    admin_url: str | None = None

    def connect(self, **kwargs: object) -> psycopg.Connection:
        return psycopg.connect(self.pipeline_url, **kwargs)

    def sqlalchemy_url(self, url: str | None = None) -> str:
        """The pipeline's URL (or the one given) for SQLAlchemy 2 with psycopg 3 (alembic,
        pandas)."""
        return "postgresql+psycopg://" + (url or self.pipeline_url).split("://", 1)[1]

    def login_url(self, role: str, password: str) -> str:
        """The warehouse's URL for another login role (a reviewer's)."""
        parts = urlsplit(self.pipeline_url)
        netloc = f"{quote(role, safe='')}:{quote(password, safe='')}@{parts.hostname}"
        netloc += f":{parts.port}" if parts.port else ""
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def open_warehouse(settings: Settings | None = None) -> Warehouse:
    """The warehouse in use, reachable (the embedded server started when needed); no DDL."""
    settings = settings or load_settings()
    if settings.is_embedded:
        server = start_embedded(settings)
        return Warehouse(
            server.url(PIPELINE_ROLE), server.url(ANALYST_ROLE), embedded=True,
            admin_url=server.url(SUPERUSER),
        )  # fmt: skip
    return _external(settings.warehouse_url or "")


def _external(url: str) -> Warehouse:
    if not url.startswith(("postgresql://", "postgres://")):
        raise WarehouseError(
            f"MUNIFUND_WAREHOUSE_URL must be a postgresql:// URL, got {url.split('@')[-1]!r}"
        )
    parts = urlsplit(url)
    password = os.environ.get("MUNIFUND_ANALYST_PASSWORD")
    auth = ANALYST_ROLE + (f":{quote(password, safe='')}" if password else "")
    netloc = f"{auth}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    analyst_url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    admin_url = os.environ.get("MUNIFUND_ADMIN_URL") or None
    return Warehouse(pipeline_url=url, analyst_url=analyst_url, embedded=False, admin_url=admin_url)


def task_warehouse(conn_id: str = WAREHOUSE_CONN_ID) -> Warehouse:
    """Inside an Airflow task: the warehouse of the Airflow connection (the pipeline's role)."""
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    conn = PostgresHook(postgres_conn_id=conn_id).connection
    url = postgres_url(
        conn.login or PIPELINE_ROLE, conn.password, conn.host or "127.0.0.1", conn.port or 5432,
        conn.schema or "munifund",
    )  # fmt: skip
    return _external(url)


def connection_fields(pipeline_url: str) -> dict[str, object]:
    """The URL as an Airflow connection's fields (a TCP host, as Cosmos needs)."""
    parts = urlsplit(pipeline_url)
    return {
        "conn_type": "postgres",
        "host": parts.hostname,
        "port": parts.port or 5432,
        "login": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "schema": parts.path.lstrip("/"),
    }
