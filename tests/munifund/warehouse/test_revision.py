"""`munifund warehouse revision`: the migrated schema equals the published tables' contracts, and a
contract change is written as a revision that makes them equal again (against a real warehouse).
"""

from __future__ import annotations

import dataclasses
import importlib.util

import pytest

from munifund.catalog import PublishedColumn, published_tables
from munifund.warehouse import Warehouse
from munifund.warehouse.revision import RevisionRefused, contract_changes, write_revision


def test_the_migrated_warehouse_equals_the_contracts(warehouse: Warehouse) -> None:
    """Fails when a mart's contract changed without its revision (run `munifund warehouse
    revision -m WHAT`)."""
    with warehouse.connect() as conn:
        assert contract_changes(conn) == []


def _changed_catalog() -> dict:
    tables = dict(published_tables())
    allocation = tables["district_allocation"]
    appended = PublishedColumn("reviewed_note", "text", True, "A note, appended by a test.")
    tables["district_allocation"] = dataclasses.replace(
        allocation, columns=(*allocation.columns, appended)
    )
    tables["test_new_table"] = dataclasses.replace(
        tables["kiosk_arrears"], name="test_new_table", description="A table a test declares."
    )
    return tables


def test_a_new_table_and_an_appended_column_are_written_and_then_match(
    warehouse: Warehouse,
) -> None:
    tables = _changed_catalog()
    with warehouse.connect() as conn:
        try:
            statements = contract_changes(conn, tables)
            assert any(
                s.startswith('create table "published"."test_new_table"') for s in statements
            )
            assert any('add column "reviewed_note" text' in s for s in statements)
            assert any(s.startswith("grant select") for s in statements)
            for statement in statements:
                conn.execute(statement)
            assert contract_changes(conn, tables) == []
            comment = conn.execute(
                "select obj_description('published.test_new_table'::regclass, 'pg_class')"
            ).fetchone()[0]
            assert comment == "A table a test declares."
        finally:
            conn.rollback()


def test_a_column_inserted_before_the_end_or_retyped_is_refused(warehouse: Warehouse) -> None:
    tables = dict(published_tables())
    allocation = tables["district_allocation"]
    inserted = PublishedColumn("early", "text", False, "")
    tables["district_allocation"] = dataclasses.replace(
        allocation, columns=(inserted, *allocation.columns)
    )
    with warehouse.connect() as conn, pytest.raises(RevisionRefused, match="at the end"):
        contract_changes(conn, tables)
    first = allocation.columns[0]
    retyped = dataclasses.replace(first, data_type="bigint")
    tables["district_allocation"] = dataclasses.replace(
        allocation, columns=(retyped, *allocation.columns[1:])
    )
    with warehouse.connect() as conn, pytest.raises(RevisionRefused, match="by hand"):
        contract_changes(conn, tables)
    tables["district_allocation"] = dataclasses.replace(allocation, key=("district_code",))
    with warehouse.connect() as conn, pytest.raises(RevisionRefused, match="key change"):
        contract_changes(conn, tables)


def test_the_written_revision_is_a_loadable_alembic_revision(tmp_path) -> None:
    (tmp_path / "0009_previous.py").write_text("")
    path = write_revision(
        ["create table published.x (a text)", "comment on table published.x is 'it''s'"],
        "Budget plan: the plan in force",
        "0009_previous",
        versions=tmp_path,
    )
    assert path.name == "0010_budget_plan_the_plan_in_force.py"
    spec = importlib.util.spec_from_file_location("generated", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.revision == "0010_budget_plan_the_plan_in_force"
    assert module.down_revision == "0009_previous"
    assert "comment on table published.x is 'it''s'" in path.read_text()
