"""The test helper that builds published tables from the dbt contracts covers what is published."""

from __future__ import annotations

from published_contracts import published_contracts

from munifund.publication import PUBLISHED_MARTS
from munifund.warehouse import Warehouse


def test_every_published_mart_has_an_enforced_contract() -> None:
    assert set(PUBLISHED_MARTS) <= set(published_contracts())


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
