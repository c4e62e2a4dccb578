"""Published rows of one test module, in the session's warehouse, and nothing left behind.

A published table that is missing is created from its dbt model contract and dropped at the
end; a table that exists (another test made it) only gets the module's rows, which are removed
at the end by fiscal year. Run records and quarantined rows are removed by run id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import psycopg
from published_contracts import missing_published_views, published_contracts

from munifund.review.declared import declared_tables
from munifund.review.queries import ORDER_BY
from munifund.warehouse import Warehouse, embedded_superuser_url

#: The published tables the pack reads.
TABLES = (*ORDER_BY, *(t.name for t in declared_tables()))


def _exists(conn: psycopg.Connection, table: str) -> bool:
    return bool(conn.execute("select to_regclass(%s)", [f"published.{table}"]).fetchone()[0])


def _cleanup(
    conn: psycopg.Connection, fiscal_year: int, run_ids: Sequence[str], created: list[str]
) -> None:
    for table in TABLES:
        if table in created:
            conn.execute(f"drop table if exists published.{table}")
        elif _exists(conn, table):
            conn.execute(f"delete from published.{table} where fiscal_year = %s", [fiscal_year])
    # the decision log and the approved copies are append-only, even for the administrator: a
    # test's own are removed as the tests' clear_schemas does, triggers off
    with psycopg.connect(embedded_superuser_url()) as admin:
        admin.execute("set local session_replication_role = replica")
        for table in ("ops.approved_district_allocation", "ops.review_decisions"):
            admin.execute(f"delete from {table} where run_id = any(%s)", [list(run_ids)])
    conn.execute("delete from ops.allocation_runs where run_id = any(%s)", [list(run_ids)])
    conn.execute("delete from ops.quarantine where run_id = any(%s)", [list(run_ids)])


@contextmanager
def published_rows(
    warehouse: Warehouse,
    fiscal_year: int,
    run_ids: Sequence[str],
    seed: Callable[[psycopg.Connection], None],
) -> Iterator[None]:
    """The rows ``seed`` writes (in one transaction), for the ``with`` block.

    ``fiscal_year`` and ``run_ids`` name the module's rows: a leftover of an interrupted earlier
    session is removed first, and everything is removed at the end.
    """
    created: list[str] = []
    with warehouse.connect(autocommit=True) as conn:
        _cleanup(conn, fiscal_year, run_ids, created)
        missing = missing_published_views(conn)
        assert not missing, f"the warehouse bootstrap did not create the views {missing}"
        contracts = published_contracts()
        for table in TABLES:
            if not _exists(conn, table):
                conn.execute(contracts[table].create_table())
                created.append(table)
        with conn.transaction():
            seed(conn)
    try:
        yield
    finally:
        with warehouse.connect(autocommit=True) as conn:
            _cleanup(conn, fiscal_year, run_ids, created)
