"""The warehouse's schema comes from one place, the migrations, and reaches the same end whether
the database is new or was set up by the code before migrations existed."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from published_contracts import published_contracts

from munifund.catalog import published_tables
from munifund.ingest.contracts import CONTRACTS
from munifund.warehouse import Warehouse, WarehouseError, embedded_superuser_url
from munifund.warehouse.embedded import PIPELINE_ROLE, _bin
from munifund.warehouse.migrate import (
    current_revision,
    head_revision,
    migrate,
    require_current_schema,
    upgrade_sql,
)

LEGACY_SCHEMA = Path(__file__).with_name("legacy_schema.sql")
SCHEMAS = ("raw", "ops", "published", "staging", "intermediate", "audit")
LINEAGE = ["_extra", "_partition_date", "_file", "_line", "_run_id"]


@pytest.fixture(scope="module")
def superuser(warehouse: Warehouse) -> str:
    return embedded_superuser_url()


@pytest.fixture()
def new_database(superuser: str, warehouse: Warehouse) -> Iterator:
    """Makes empty databases owned by the pipeline's role, as a new warehouse is; drops them."""
    made: list[str] = []

    def make(name: str) -> Warehouse:
        with psycopg.connect(superuser, autocommit=True) as conn:
            conn.execute(sql.SQL("drop database if exists {}").format(sql.Identifier(name)))
            conn.execute(
                sql.SQL("create database {} owner {}").format(
                    sql.Identifier(name), sql.Identifier(PIPELINE_ROLE)
                )
            )
        made.append(name)
        url = warehouse.pipeline_url.rsplit("/", 1)[0] + "/" + name
        admin = superuser.rsplit("/", 1)[0] + "/" + name
        return Warehouse(pipeline_url=url, analyst_url="", embedded=True, admin_url=admin)

    yield make
    with psycopg.connect(superuser, autocommit=True) as conn:
        for name in made:
            conn.execute(
                sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
            )


def schema_snapshot(conn: psycopg.Connection) -> dict[str, list]:
    """What a reader or writer of the warehouse depends on, in comparable form: relations with
    owner and grants, columns, indexes, constraints (not-null ones by column, not by name), view
    definitions, default privileges, and the database's own grants."""
    q = {
        "relations": """
            select n.nspname, c.relname, c.relkind, pg_get_userbyid(c.relowner),
                   coalesce(c.relacl::text, '')
            from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = any(%(schemas)s) and c.relkind in ('r', 'v', 'i', 'S')
            order by 1, 2""",
        "columns": """
            select n.nspname, c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod),
                   a.attnotnull, a.attidentity, coalesce(pg_get_expr(d.adbin, d.adrelid), '')
            from pg_attribute a join pg_class c on c.oid = a.attrelid
            join pg_namespace n on n.oid = c.relnamespace
            left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
            where n.nspname = any(%(schemas)s) and a.attnum > 0 and not a.attisdropped
                and c.relkind in ('r', 'v')
            order by 1, 2, 3""",
        "indexes": """
            select schemaname, tablename, indexname, indexdef from pg_indexes
            where schemaname = any(%(schemas)s) order by 1, 2, 3""",
        "constraints": """
            select n.nspname, c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid)
            from pg_constraint k join pg_class c on c.oid = k.conrelid
            join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = any(%(schemas)s) and k.contype <> 'n' order by 1, 2, 3""",
        "views": """
            select schemaname, viewname, definition from pg_views
            where schemaname = any(%(schemas)s) order by 1, 2""",
        "sequences": """
            select schemaname, sequencename, start_value, cache_size from pg_sequences
            where schemaname = any(%(schemas)s) order by 1, 2""",
        "schemas": """
            select nspname, pg_get_userbyid(nspowner), coalesce(nspacl::text, '')
            from pg_namespace where nspname = any(%(schemas)s) or nspname = 'public'
            order by 1""",
        "default_privileges": """
            select pg_get_userbyid(defaclrole), n.nspname, defaclobjtype, defaclacl::text
            from pg_default_acl d left join pg_namespace n on n.oid = d.defaclnamespace
            order by 1, 2, 3""",
        "database": """
            select datacl::text from pg_database where datname = current_database()""",
        "triggers": """
            select n.nspname, c.relname, t.tgname, pg_get_triggerdef(t.oid)
            from pg_trigger t join pg_class c on c.oid = t.tgrelid
            join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = any(%(schemas)s) and not t.tgisinternal order by 1, 2, 3""",
        "functions": """
            select n.nspname, p.proname, pg_get_functiondef(p.oid), pg_get_userbyid(p.proowner)
            from pg_proc p join pg_namespace n on n.oid = p.pronamespace
            where n.nspname = any(%(schemas)s) order by 1, 2""",
    }
    return {
        name: conn.execute(query, {"schemas": list(SCHEMAS)}).fetchall()
        for name, query in q.items()
    }


def restore_legacy(superuser: str, database: str) -> None:
    url = superuser.rsplit("/", 1)[0] + "/" + database
    subprocess.run(
        [_bin("psql"), "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", str(LEGACY_SCHEMA)],
        check=True,
        capture_output=True,
        text=True,
    )


def test_a_new_and_a_pre_migration_warehouse_reach_the_same_schema(new_database, superuser) -> None:
    fresh = new_database("munifund_schema_fresh")
    legacy = new_database("munifund_schema_legacy")
    restore_legacy(superuser, "munifund_schema_legacy")
    with legacy.connect() as conn:
        assert current_revision(conn) is None
        with pytest.raises(WarehouseError, match="munifund warehouse init"):
            require_current_schema(conn)
    assert migrate(fresh) == migrate(legacy) == head_revision()
    with fresh.connect() as a, legacy.connect() as b:
        fresh_schema, legacy_schema = schema_snapshot(a), schema_snapshot(b)
        for part, rows in fresh_schema.items():
            assert rows == legacy_schema[part], f"{part} differ"
        assert current_revision(a) == current_revision(b) == head_revision()
        require_current_schema(a)


def test_migrating_again_changes_nothing(warehouse: Warehouse) -> None:
    with warehouse.connect() as conn:
        before = schema_snapshot(conn)
    migrate(warehouse)
    with warehouse.connect() as conn:
        assert schema_snapshot(conn) == before
        assert current_revision(conn) == head_revision()


def columns_of(conn: psycopg.Connection, schema: str, table: str) -> list[tuple[str, str, bool]]:
    return conn.execute(
        "select attname, format_type(atttypid, atttypmod), attnotnull from pg_attribute"
        " where attrelid = %s::regclass and attnum > 0 and not attisdropped order by attnum",
        [f"{schema}.{table}"],
    ).fetchall()


def test_every_raw_table_has_its_contract_columns(warehouse: Warehouse) -> None:
    """A new source or column in ingest/contracts.py needs a migration: this names which."""
    with warehouse.connect() as conn:
        for contract in CONTRACTS:
            names = [name for name, _, _ in columns_of(conn, "raw", contract.name)]
            assert names == [*contract.column_names, *LINEAGE], (
                f"raw.{contract.name} does not match its contract: add a migration"
            )


def test_every_published_table_matches_its_mart_contract(warehouse: Warehouse) -> None:
    """A column added to a published mart needs a migration of its published table."""
    aliases = {"timestamp with time zone": "timestamptz"}
    published = set(published_tables())
    contracts = {m: c for m, c in published_contracts().items() if m in published}
    assert set(contracts) == published
    with warehouse.connect() as conn:
        for mart, contract in contracts.items():
            expected = [
                (c.name, c.data_type.replace(" ", ""), c.not_null) for c in contract.columns
            ]
            actual = [
                (name, aliases.get(type_, type_).replace(" ", ""), not_null)
                for name, type_, not_null in columns_of(conn, "published", mart)
            ]
            assert actual == expected, (
                f"published.{mart} differs from its contract: add a migration"
            )


def test_the_printed_sql_builds_the_same_schema(new_database) -> None:
    """`munifund warehouse init --sql` is what an administrator runs by hand (as a superuser:
    revision 0014 gives the decision log to a role nobody logs in as): it must build what the
    migrations build (a `%` in it once came out doubled)."""
    migrated = new_database("munifund_schema_migrated")
    printed = new_database("munifund_schema_printed")
    migrate(migrated)
    psql = subprocess.run(
        [_bin("psql"), "-q", "-v", "ON_ERROR_STOP=1", "-d", printed.admin_url],
        input=upgrade_sql(), capture_output=True, text=True,
    )  # fmt: skip
    assert psql.returncode == 0, psql.stderr
    with migrated.connect() as a, printed.connect() as b:
        assert schema_snapshot(a) == schema_snapshot(b)
        assert current_revision(b) == head_revision()


def test_decisions_recorded_before_the_log_become_its_first_entries(new_database) -> None:
    """0002 upgrades a warehouse holding decisions: each becomes an entry of the log, and the
    approved copy is keyed by its approval."""
    db = new_database("munifund_schema_decided")
    migrate(db, "0001_baseline")
    reviewed = "2026-11-29 09:30:00+08"
    with db.connect() as conn:
        for run_id, status, reviewer in (
            ("run-approved", "approved", "王科长"),
            ("run-rejected", "rejected", "李处长"),
            ("run-draft", "draft", None),
        ):
            conn.execute(
                "insert into ops.allocation_runs (run_id, as_of_date, fiscal_year,"
                " input_fingerprints, dbt_version, airflow_version, row_counts, review_status,"
                " reviewer, reviewed_at, review_comment)"
                " values (%s, '2026-11-28', 2026, '[]', '1.11', '3.3', '{}', %s, %s, %s, %s)",
                [run_id, status, reviewer, reviewed if reviewer else None, reviewer and "意见"],
            )
        conn.execute(
            "insert into ops.approved_district_allocation (fiscal_year, as_of_date, run_id,"
            " district_code, standard_cost_yuan, share, base_yuan, cases_due, cases_on_time,"
            " own_investment_yuan, incentive_share_of_pool, incentive_yuan, total_yuan, pool_yuan,"
            " base_pool_yuan, incentive_pool_yuan, incentive_share, incentive_fell_back)"
            " values (2026, '2026-11-28', 'run-approved', '230102', 1, 1, 1, 0, 0, 0, 0, 0, 1, 1,"
            " 1, 0, 0, false)"
        )
    migrate(db)
    with db.connect() as conn:
        log = conn.execute(
            "select decision_id, run_id, decision, decided_by, comment, is_standing"
            " from published.review_decisions order by decision_id"
        ).fetchall()
        assert [row[1:] for row in log] == [
            ("run-approved", "approved", "王科长", "意见", True),
            ("run-rejected", "rejected", "李处长", "意见", True),
        ]
        assert conn.execute(
            "select run_id, review_decision_id from published.allocation_runs order by run_id"
        ).fetchall() == [
            ("run-approved", log[0][0]),
            ("run-draft", None),
            ("run-rejected", log[1][0]),
        ]
        assert conn.execute(
            "select run_id, decision_id, reviewer, reviewed_at = %s::timestamptz"
            " from published.approved_district_allocation",
            [reviewed],
        ).fetchall() == [("run-approved", log[0][0], "王科长", True)]


def test_runs_replaced_before_0007_are_back_filled_as_superseded(new_database) -> None:
    """On each date every run but the last published names the run published next after it;
    the undecided ones become `superseded`, a decided one keeps its decision."""
    db = new_database("munifund_schema_superseded")
    migrate(db, "0006_money_cycle")
    with db.connect() as conn:
        for run_id, as_of, published_at in (
            ("a-first", "2026-11-27", "2026-11-28 02:10+08"),
            ("a-second", "2026-11-27", "2026-11-28 09:00+08"),
            ("a-third", "2026-11-27", "2026-11-28 15:00+08"),
            ("b-rejected", "2026-11-28", "2026-11-29 02:10+08"),
            ("b-again", "2026-11-28", "2026-11-29 10:00+08"),
            ("c-alone", "2026-11-29", "2026-11-30 02:10+08"),
        ):
            conn.execute(
                "insert into ops.allocation_runs (run_id, as_of_date, fiscal_year,"
                " input_fingerprints, dbt_version, airflow_version, row_counts, published_at)"
                " values (%s, %s, 2026, '[]', '1.11', '3.3', '{}', %s)",
                [run_id, as_of, published_at],
            )
        (decision,) = conn.execute(
            "insert into ops.review_decisions (run_id, decision, decided_by, comment)"
            " values ('b-rejected', 'rejected', '李处长', '口径有误') returning decision_id"
        ).fetchone()
        conn.execute(
            "update ops.allocation_runs set review_status = 'rejected', reviewer = '李处长',"
            " review_decision_id = %s where run_id = 'b-rejected'",
            [decision],
        )
    migrate(db)
    with db.connect() as conn:
        assert conn.execute(
            "select run_id, review_status, superseded_by_run_id from published.allocation_runs"
            " order by as_of_date, published_at"
        ).fetchall() == [
            ("a-first", "superseded", "a-second"),
            ("a-second", "superseded", "a-third"),
            ("a-third", "draft", None),
            ("b-rejected", "rejected", "b-again"),
            ("b-again", "draft", None),
            ("c-alone", "draft", None),
        ]
        assert (
            conn.execute(
                "select col_description('published.allocation_runs'::regclass, attnum)"
                " from pg_attribute where attrelid = 'published.allocation_runs'::regclass"
                " and attname = 'superseded_by_run_id'"
            )
            .fetchone()[0]
            .startswith("The later run of the same as-of date")
        )


def test_every_published_relation_and_column_is_described(warehouse: Warehouse) -> None:
    """What `\\d+` shows analysts: every table and view of `published` and each of its columns
    carries a COMMENT ON (the migrations' for views; publication copies the marts' onto tables,
    and the migrations wrote them for the tables no run has published yet)."""
    with warehouse.connect() as conn:
        missing = conn.execute(
            "select c.relname, a.attname from pg_class c"
            " join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'published'"
            " left join pg_attribute a on a.attrelid = c.oid and a.attnum > 0"
            "  and not a.attisdropped and col_description(c.oid, a.attnum) is null"
            " where c.relkind = 'v'"
            "  and (obj_description(c.oid, 'pg_class') is null or a.attname is not null)"
            " order by 1, 2"
        ).fetchall()
    assert missing == [], f"undescribed in published (view, column): {missing}"


def test_0014_needs_the_administrator_and_says_so(new_database) -> None:
    """The pipeline's role cannot give the decision log away from itself: migrating to 0014
    without the administrator stops, naming what to set, and leaves the schema where it was."""
    db = new_database("munifund_schema_no_admin")
    migrate(db, "0009_superseded_runs")
    pipeline_only = Warehouse(pipeline_url=db.pipeline_url, analyst_url="", embedded=False)
    with pytest.raises(WarehouseError, match="needs the warehouse's administrator") as refused:
        migrate(pipeline_only)
    assert "MUNIFUND_ADMIN_URL" in str(refused.value)
    with db.connect() as conn:
        assert current_revision(conn) == "0009_superseded_runs"
    assert migrate(db) == head_revision()
    with db.connect() as conn:
        owners = dict(
            conn.execute(
                "select c.oid::regclass::text, pg_get_userbyid(c.relowner) from pg_class c"
                " where c.oid = any(array['ops.review_decisions', 'ops.approved_district_allocation',"
                " 'ops.reviewers', 'published.allocation_runs']::regclass[])"
            ).fetchall()
        )
    assert set(owners.values()) == {"munifund_decisions"}
    assert conn.closed


def test_0014_stops_rather_than_drop_a_column_it_does_not_know(new_database) -> None:
    """A column appended to published.allocation_runs by a revision merged before 0014 and left
    out of its ALLOCATION_RUNS_COLUMNS stops the upgrade, named, instead of vanishing."""
    db = new_database("munifund_schema_view_column")
    from alembic.script import ScriptDirectory

    from munifund.warehouse.migrate import _config

    before_0014 = (
        ScriptDirectory.from_config(_config()).get_revision("0014_decision_integrity").down_revision
    )
    migrate(db, before_0014)
    with db.connect() as conn:  # a column appended to the view as it stands before 0014
        definition = (
            conn.execute("select pg_get_viewdef('published.allocation_runs'::regclass)")
            .fetchone()[0]
            .rstrip()
            .rstrip(";")
        )
        conn.execute(
            "create or replace view published.allocation_runs as select current.*,"
            f" current.parameters ->> 'a_later_figure' as a_later_figure from ({definition}) current"
        )
    with pytest.raises(
        WarehouseError, match="columns that revision 0014 does not recreate: a_later_figure"
    ):
        migrate(db)
