"""The documentation analysts read: dbt's docs site cut down to what the `analyst` role reads.

`munifund dbt docs generate` documents the whole project, staging, intermediate and audit
included, none of which an analyst can query. `write_analyst_docs` takes what it generated
(target/manifest.json and target/catalog.json) and writes one self-contained page, dbt's own
docs site with the data inlined (as `dbt docs generate --static` does), that holds only:

- the published tables: the catalog's marts (munifund.catalog), each shown as the table of
  `published` it is copied into, with the mart's descriptions (which publication copies onto
  the table as COMMENT ON); and the dbt source `published` (the views over the pipeline's
  records), every column described: the source's own text, else the mart named by its
  `meta.columns_from` (a view over a copy of it), else the warehouse's COMMENT ON;
- the exposures that read them (the review pack, the analysts' warehouse: the whole schema),
  owners included;
- the raw sources, where the figures come from, with the lineage collapsed onto what is kept:
  raw sources → exposure (through the marts, left out) and published tables → exposure.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from munifund.catalog import catalog_from_manifest
from munifund.config import DBT_PROJECT_DIR

PUBLISHED_SOURCE = "published"
KEPT_SOURCES = (PUBLISHED_SOURCE, "raw")
ANALYSTS_EXPOSURE = "exposure.munifund.analysts_warehouse"
REVIEW_PACK_EXPOSURE = "exposure.munifund.review_pack"
TARGET = DBT_PROJECT_DIR / "target"
ANALYST_DOCS = TARGET / "analyst_docs" / "index.html"


def analyst_artifacts(
    manifest: dict[str, Any], catalog: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The manifest and catalog of the analysts' page, from the whole project's."""
    manifest, catalog = copy.deepcopy(manifest), copy.deepcopy(catalog)
    sources = {
        uid: source
        for uid, source in manifest["sources"].items()
        if source["source_name"] in KEPT_SOURCES
    }
    parent_map = _publish_marts_as_sources(manifest, catalog, sources)
    exposures = manifest["exposures"]
    keep = {*sources, *exposures}
    parents = _collapsed_parents(parent_map, keep)
    published = sorted(u for u, s in sources.items() if s["source_name"] == PUBLISHED_SOURCE)
    in_the_pack = {
        f"source.munifund.{PUBLISHED_SOURCE}.{name}"
        for name, table in catalog_from_manifest(manifest).items()
        if table.review is not None
    }
    for uid, exposure in exposures.items():
        reads_everything = exposure.get("config", {}).get("meta", {}).get("reads_schema")
        if uid == ANALYSTS_EXPOSURE and reads_everything == PUBLISHED_SOURCE:
            parents[uid] = sorted({*parents[uid], *published})
        if uid == REVIEW_PACK_EXPOSURE:  # and the tables it shows from their declarations
            parents[uid] = sorted({*parents[uid], *in_the_pack})
        exposure["depends_on"]["nodes"] = parents[uid]
    for uid, source in sources.items():
        if source["source_name"] == PUBLISHED_SOURCE:
            _describe_columns(source, manifest["nodes"], catalog["sources"].get(uid))
    children: dict[str, list[str]] = {uid: [] for uid in keep}
    for uid, ups in parents.items():
        for parent in ups:
            children[parent].append(uid)
    manifest.update(
        nodes={},
        sources=sources,
        macros={},
        parent_map=parents,
        child_map={uid: sorted(kids) for uid, kids in children.items()},
    )
    for key in ("metrics", "semantic_models", "saved_queries", "unit_tests", "groups"):
        if key in manifest:
            manifest[key] = {}
    manifest.pop("group_map", None)
    catalog["nodes"] = {}
    catalog["sources"] = {uid: c for uid, c in catalog["sources"].items() if uid in sources}
    return manifest, catalog


def _publish_marts_as_sources(
    manifest: dict[str, Any], catalog: dict[str, Any], sources: dict[str, Any]
) -> dict[str, list[str]]:
    """Each published mart of the catalog as the published table analysts read: a source of
    `published` made from the mart's node (its description and columns), standing in for the mart
    in the lineage. Returns the parent map with the marts renamed."""
    template = next(s for s in sources.values() if s["source_name"] == PUBLISHED_SOURCE)
    renamed: dict[str, str] = {}
    for name, table in catalog_from_manifest(manifest).items():
        node = next(
            n for n in manifest["nodes"].values()
            if n["resource_type"] == "model" and n["name"] == name
        )  # fmt: skip
        uid = f"source.{template['package_name']}.{PUBLISHED_SOURCE}.{name}"
        source = copy.deepcopy(template)
        source.update(
            unique_id=uid, name=name, identifier=name, description=table.description,
            fqn=[template["package_name"], PUBLISHED_SOURCE, name],
            columns=copy.deepcopy(node["columns"]), meta={}, original_file_path=node["original_file_path"],
        )  # fmt: skip
        source["config"] = {**source.get("config", {}), "meta": {}}
        sources[uid] = source
        renamed[node["unique_id"]] = uid
        catalog["sources"][uid] = {
            "unique_id": uid,
            "metadata": {
                "type": "BASE TABLE", "schema": PUBLISHED_SOURCE, "name": name,
                "database": template.get("database"), "comment": table.description, "owner": None,
            },
            "columns": {
                c.name: {"type": c.data_type, "index": i, "name": c.name, "comment": c.description}
                for i, c in enumerate(table.columns, start=1)
            },
            "stats": {},
        }  # fmt: skip
    return {
        renamed.get(uid, uid): [renamed.get(p, p) for p in parents]
        for uid, parents in manifest["parent_map"].items()
    }


def _collapsed_parents(parent_map: dict[str, list[str]], keep: set[str]) -> dict[str, list[str]]:
    """Each kept node's nearest kept ancestors: the lineage through what is left out."""

    def nearest(uid: str, seen: set[str]) -> set[str]:
        found: set[str] = set()
        for parent in parent_map.get(uid, []):
            if parent in seen:
                continue
            seen.add(parent)
            found |= {parent} if parent in keep else nearest(parent, seen)
        return found

    return {uid: sorted(nearest(uid, set())) for uid in keep}


def _describe_columns(
    source: dict[str, Any], nodes: dict[str, Any], catalog_entry: dict[str, Any] | None
) -> None:
    """Every column the table has, described: the source's text, the mart's, the warehouse's."""
    meta = {**source.get("meta", {}), **source.get("config", {}).get("meta", {})}
    model = meta.get("columns_from", source["name"])  # a view over a copy of another mart
    mart = nodes.get(f"model.{source['package_name']}.{model}") or {}
    mart_columns = mart.get("columns", {})
    in_catalog = sorted(
        (catalog_entry or {}).get("columns", {}).values(), key=lambda c: c.get("index", 0)
    )
    names = [c["name"] for c in in_catalog] or list(mart_columns) or list(source["columns"])
    names += [n for n in source["columns"] if n not in names]
    comments = {c["name"]: c.get("comment") for c in in_catalog}
    columns = {}
    for name in names:
        column = copy.deepcopy(source["columns"].get(name) or mart_columns.get(name) or {})
        column.setdefault("name", name)
        column.setdefault("meta", {})
        column.setdefault("tags", [])
        column["description"] = (
            (source["columns"].get(name) or {}).get("description")
            or (mart_columns.get(name) or {}).get("description")
            or comments.get(name)
            or ""
        )
        columns[name] = column
    source["columns"] = columns
    if not source.get("description"):
        source["description"] = mart.get("description") or (
            ((catalog_entry or {}).get("metadata") or {}).get("comment") or ""
        )


def static_page(manifest: dict[str, Any], catalog: dict[str, Any]) -> str:
    """dbt's docs site with the data inlined, readable from a file or any static server."""
    import dbt.task.docs

    index = Path(dbt.task.docs.__file__).with_name("index.html").read_text(encoding="utf-8")
    return index.replace('"MANIFEST.JSON INLINE DATA"', json.dumps(manifest)).replace(
        '"CATALOG.JSON INLINE DATA"', json.dumps(catalog)
    )


def write_analyst_docs(target: Path = TARGET, out: Path = ANALYST_DOCS) -> Path:
    """The analysts' page from what `dbt docs generate` wrote into `target`."""
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    catalog = json.loads((target / "catalog.json").read_text(encoding="utf-8"))
    manifest, catalog = analyst_artifacts(manifest, catalog)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(static_page(manifest, catalog), encoding="utf-8")
    return out


if __name__ == "__main__":  # pragma: no cover - `make docs`
    print(write_analyst_docs())
