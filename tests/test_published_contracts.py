"""The test helper that builds published tables from the dbt contracts covers what is published."""

from __future__ import annotations

import json

import pytest
from published_contracts import published_contracts

from munifund.catalog import CatalogError, catalog_from_manifest, published_tables
from munifund.warehouse import Warehouse


def test_the_catalog_holds_every_published_table() -> None:
    tables = published_tables()
    assert {"district_allocation", "allocation_spending", "code_labels"} <= set(tables)
    assert tables["code_labels"].publish == "reference"
    assert tables["district_allocation"].primary_key == (
        "fiscal_year",
        "as_of_date",
        "district_code",
    )
    assert tables["district_allocation"].label_zh
    assert tables["assessment_results"].primary_key == ()  # a district row has no street_code
    assert tables["assessment_results"].key[-2:] == ("street_code", "category")
    assert "allocation_blockers" not in tables  # the audit's own: no meta.publish
    assert set(published_contracts()) == set(tables)


def _manifest(**node_overrides) -> dict:
    node = {
        "resource_type": "model",
        "name": "t",
        "original_file_path": "models/marts/_t.yml",
        "config": {"contract": {"enforced": True}, "meta": {"publish": "run_stamped"}},
        "columns": {
            "k": {"name": "k", "data_type": "text", "constraints": [{"type": "primary_key"}]}
        },
        "constraints": [],
    }
    node.update(node_overrides)
    return {"nodes": {"model.munifund.t": node}}


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        (
            {"config": {"contract": {"enforced": False}, "meta": {"publish": "run_stamped"}}},
            "enforced",
        ),
        (
            {"config": {"contract": {"enforced": True}, "meta": {"publish": "daily"}}},
            "meta.publish",
        ),
        ({"columns": {"k": {"name": "k", "data_type": "text"}}}, "primary key"),
        ({"columns": {"k": {"name": "k", "constraints": [{"type": "primary_key"}]}}}, "data_type"),
    ],
)
def test_a_declaration_that_cannot_be_published_is_refused(overrides, says) -> None:
    assert catalog_from_manifest(_manifest())["t"].primary_key == ("k",)
    with pytest.raises(CatalogError, match=says):
        catalog_from_manifest(_manifest(**overrides))


def test_every_contract_creates_its_table(warehouse: Warehouse) -> None:
    with warehouse.connect() as conn:
        try:
            for contract in published_contracts().values():
                conn.execute(contract.create_table(schema="pg_temp"))
                columns = [
                    row[0]
                    for row in conn.execute(
                        "select attname from pg_attribute where attrelid = %s::regclass"
                        " and attnum > 0 and not attisdropped order by attnum",
                        [f"pg_temp.{contract.model}"],
                    )
                ]
                assert columns == [c.name for c in contract.columns], contract.model
        finally:
            conn.rollback()


def test_a_manifest_two_dbt_commands_wrote_at_once_is_parsed_again_apart(
    tmp_path, monkeypatch
) -> None:
    """Tests run dbt in several processes that share the project's target folder: a manifest
    they garbled is not read as the catalog; the catalog parses the project in a folder of its
    own."""
    import munifund.catalog as catalog
    import munifund.dbt_project as dbt_project

    garbled = tmp_path / "manifest.json"
    garbled.write_text('{"nodes": {}}{"nodes"', encoding="utf-8")
    monkeypatch.setattr(dbt_project, "ensure_manifest", lambda: garbled)
    monkeypatch.setattr(catalog, "_read_manifest", lambda path, attempts=1: json.loads(
        path.read_text(encoding="utf-8")))  # fmt: skip
    tables = catalog._of_project.__wrapped__(0.0)
    assert tables == published_tables()
