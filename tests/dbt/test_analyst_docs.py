"""`make docs`: what analysts can read, documented. `dbt docs generate` against the session's
warehouse (the catalog needs a connection; the migrations made every published table and view),
then the analysts' page (munifund.publication.analyst_docs): every relation of the schema
`published` is a documented source with every column described, the exposures name their owners,
and nothing the analyst role cannot read is on the page."""

from __future__ import annotations

import json
import re

import pytest

from munifund.dbt_project import run_dbt
from munifund.publication.analyst_docs import TARGET, analyst_artifacts, write_analyst_docs
from munifund.review.declared import declared_tables
from munifund.review.queries import ORDER_BY
from munifund.warehouse import Warehouse

EXPOSURES = ("exposure.munifund.review_pack", "exposure.munifund.analysts_warehouse")


@pytest.fixture(scope="module")
def published_relations(warehouse: Warehouse) -> list[str]:
    with warehouse.connect() as conn:
        return [
            name
            for (name,) in conn.execute(
                "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                " where n.nspname = 'published' and c.relkind in ('r', 'v', 'm', 'p')"
                " order by 1"
            ).fetchall()
        ]


@pytest.fixture(scope="module")
def generated(warehouse: Warehouse) -> tuple[dict, dict]:
    # `docs generate --no-compile` writes no manifest: the parse does (no database needed);
    # the catalog of the sources is what needs the warehouse. (`make docs` compiles too.)
    run_dbt(["parse", "--quiet"], warehouse.pipeline_url)
    run_dbt(
        ["docs", "generate", "--no-compile", "--select", "source:published", "source:raw"],
        warehouse.pipeline_url,
    )
    manifest = json.loads((TARGET / "manifest.json").read_text(encoding="utf-8"))
    catalog = json.loads((TARGET / "catalog.json").read_text(encoding="utf-8"))
    return manifest, catalog


def test_every_published_relation_is_a_documented_source(generated, published_relations) -> None:
    manifest, catalog = analyst_artifacts(*generated)
    assert len(published_relations) >= 19
    undocumented = []
    for name in published_relations:
        source = manifest["sources"].get(f"source.munifund.published.{name}")
        if source is None:
            undocumented.append(
                f"{name}: neither a mart with meta.publish nor in _published_sources.yml"
            )
            continue
        if not source["description"].strip():
            undocumented.append(f"{name}: no description")
        in_warehouse = catalog["sources"][source["unique_id"]]["columns"]
        assert set(source["columns"]) >= set(in_warehouse), name
        undocumented += [
            f"{name}.{column}: no description"
            for column, spec in source["columns"].items()
            if not spec["description"].strip()
        ]
    assert not undocumented, "\n".join(undocumented)


def test_the_exposures_name_their_owners_and_what_they_read(generated) -> None:
    manifest, _ = analyst_artifacts(*generated)
    for uid in EXPOSURES:
        exposure = manifest["exposures"][uid]
        assert exposure["description"].strip() and exposure["owner"]["name"], uid
        assert exposure["config"]["meta"]["owner"], uid
    pack = set(manifest["exposures"]["exposure.munifund.review_pack"]["depends_on"]["nodes"])
    read = {*ORDER_BY, "allocation_runs", "data_quality_issues"}
    read |= {t.name for t in declared_tables()}
    assert {f"source.munifund.published.{name}" for name in read} <= pack
    everything = manifest["exposures"]["exposure.munifund.analysts_warehouse"]["depends_on"]
    assert {u for u in manifest["sources"] if ".published." in u} <= set(everything["nodes"])


def test_the_analysts_page_holds_what_they_read_and_nothing_else(generated) -> None:
    page = write_analyst_docs()
    manifest, catalog = analyst_artifacts(*generated)
    assert not manifest["nodes"] and not manifest["macros"] and not catalog["nodes"]
    assert {s["source_name"] for s in manifest["sources"].values()} == {"published", "raw"}
    assert set(manifest["exposures"]) == set(EXPOSURES)
    # lineage: from the raw sources (through the marts, left out) to the published tables, and
    # from those to the exposures
    lineage = manifest["parent_map"]["exposure.munifund.analysts_warehouse"]
    assert "source.munifund.published.district_allocation" in lineage
    assert (
        "source.munifund.raw.assets"
        in manifest["parent_map"]["source.munifund.published.district_allocation"]
    )
    assert all(
        manifest["child_map"][p].count("exposure.munifund.analysts_warehouse") for p in lineage
    )
    text = page.read_text(encoding="utf-8")
    assert "MANIFEST.JSON INLINE DATA" not in text
    assert not re.search(r'"model\.munifund\.stg_', text)
    assert "source.munifund.published.allocation_runs" in text
