"""The catalog of published tables, read from dbt's manifest: the one place that says which
tables `published` holds, how each is keyed, its columns, types, descriptions and labels.

A published table is declared once, by its mart: the SQL and the yml entry with an enforced
contract (columns, ``data_type``, descriptions, the primary key as a constraint) and
``config.meta``:

- ``publish: run_stamped`` (every row stamped with fiscal_year, as_of_date and run_id; a run
  replaces its as-of date) or ``publish: reference`` (not stamped; replaced whole by each
  publication); a mart without ``publish`` is not published (the audit's own, say);
- ``label: {zh: …, en: …}`` for the table, and ``meta.label`` on a column for its header;
- ``row_count_stable: true`` where the row count follows the city (the audit's drop check);
- ``review: {order, sheet, page_columns, order_by, totals, empty: {zh, en}, note: {zh, en}}`` for a plain table section of the
  review pack and a sheet of its workbook (``munifund.review.declared``); a column's
  ``meta.kind`` says how it is shown when its type does not (a status code, a signed amount).

Publication, the warehouse's generated revisions (``munifund warehouse revision``), the analysts'
docs and the tests read the catalog; nothing else parses the manifest for these facts.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from munifund.config import DBT_PROJECT_DIR

Publish = Literal["run_stamped", "reference"]
PUBLISH_KINDS: tuple[Publish, ...] = ("run_stamped", "reference")
MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"


@dataclass(frozen=True)
class PublishedColumn:
    name: str
    data_type: str
    not_null: bool
    description: str
    label_zh: str | None = None
    label_en: str | None = None
    #: how the review pack shows a value (munifund.review.columns.Kind), when the type does not say
    kind: str | None = None


@dataclass(frozen=True)
class ReviewPlacement:
    """Where and how the review pack shows a table declared for it (``meta.review``)."""

    order: int
    #: the workbook's sheet (default: the table's label)
    sheet: str | None = None
    #: the page's columns, in order (default: every column but the run stamp)
    page_columns: tuple[str, ...] = ()
    #: the order of the rows (default: the key)
    order_by: tuple[str, ...] = ()
    #: the columns summed in a total row, on the page and in the workbook
    totals: tuple[str, ...] = ()
    #: the note shown when the table has no rows for the date
    empty_zh: str = "本截止日无数据"
    empty_en: str = "No rows for this as-of date."
    #: what the section explains above its table (how its figures are made), when it says
    note_zh: str = ""
    note_en: str = ""


@dataclass(frozen=True)
class PublishedTable:
    name: str
    publish: Publish
    description: str
    columns: tuple[PublishedColumn, ...]
    #: the primary key constraint; empty when a key column may be null (then `key` is unique with
    #: nulls not distinct in the warehouse)
    primary_key: tuple[str, ...]
    #: what identifies a row: the primary key, else meta.key
    key: tuple[str, ...]
    label_zh: str | None = None
    label_en: str | None = None
    #: its row count follows the city's structure; the audit refuses a run that loses half of it
    row_count_stable: bool = False
    #: a plain table section of the review pack and a sheet of its workbook, when declared
    review: ReviewPlacement | None = None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> PublishedColumn:
        return next(c for c in self.columns if c.name == name)


class CatalogError(ValueError):
    """A mart's declaration cannot be published as it stands (the message says what to fix)."""


def _constraint_types(spec: dict[str, Any]) -> set[str]:
    return {c.get("type") for c in spec.get("constraints") or []}


def _table(node: dict[str, Any]) -> PublishedTable:
    name, meta = node["name"], node.get("config", {}).get("meta") or {}
    where = node.get("original_file_path", name)
    if meta["publish"] not in PUBLISH_KINDS:
        raise CatalogError(
            f"{where}: {name}: meta.publish is {meta['publish']!r}, not one of {PUBLISH_KINDS}"
        )
    if not node.get("config", {}).get("contract", {}).get("enforced"):
        raise CatalogError(f"{where}: {name} is published, so its contract must be enforced")
    columns, key = [], []
    for column in node["columns"].values():
        if not column.get("data_type"):
            raise CatalogError(f"{where}: {name}.{column['name']} has no data_type")
        types = _constraint_types(column)
        if "primary_key" in types:
            key.append(column["name"])
        column_meta = {**(column.get("meta") or {}), **(column.get("config", {}).get("meta") or {})}
        label = column_meta.get("label") or {}
        columns.append(
            PublishedColumn(
                name=column["name"],
                data_type=column["data_type"],
                not_null=bool(types & {"not_null", "primary_key"}),
                description=" ".join((column.get("description") or "").split()),
                label_zh=label.get("zh"),
                label_en=label.get("en"),
                kind=column_meta.get("kind"),
            )
        )
    for constraint in node.get("constraints") or []:
        if constraint.get("type") == "primary_key":
            key += constraint.get("columns") or []
    # a key with a nullable column (a district row's street_code) cannot be a primary key: such a
    # table names its key in meta.key, and the warehouse keeps it unique with nulls not distinct
    if not (key or meta.get("key")):
        raise CatalogError(
            f"{where}: {name} is published without a key: a primary key constraint, or meta.key"
        )
    label = meta.get("label") or {}
    return PublishedTable(
        name=name,
        publish=meta["publish"],
        description=" ".join((node.get("description") or "").split()),
        columns=tuple(columns),
        primary_key=tuple(key),
        key=tuple(key or meta["key"]),
        label_zh=label.get("zh"),
        label_en=label.get("en"),
        row_count_stable=bool(meta.get("row_count_stable")),
        review=_review(meta.get("review"), where, name, [c.name for c in columns]),
    )


def _review(
    spec: dict[str, Any] | None, where: str, name: str, columns: list[str]
) -> ReviewPlacement | None:
    if not spec:
        return None
    empty, note = spec.get("empty") or {}, spec.get("note") or {}
    placement = ReviewPlacement(
        order=int(spec.get("order", 100)),
        sheet=spec.get("sheet"),
        order_by=tuple(spec.get("order_by") or ()),
        page_columns=tuple(spec.get("page_columns") or ()),
        totals=tuple(spec.get("totals") or ()),
        empty_zh=empty.get("zh", ReviewPlacement.empty_zh),
        empty_en=empty.get("en", ReviewPlacement.empty_en),
        note_zh=note.get("zh", ""),
        note_en=note.get("en", ""),
    )
    named = (*placement.page_columns, *placement.totals, *placement.order_by)
    unknown = [c for c in named if c not in columns]
    if unknown:
        raise CatalogError(
            f"{where}: {name}: meta.review names columns it does not have: {unknown}"
        )
    return placement


def catalog_from_manifest(manifest: dict[str, Any]) -> dict[str, PublishedTable]:
    """The published tables a manifest declares, by name, in the manifest's order."""
    tables = {}
    for node in manifest["nodes"].values():
        if node.get("resource_type") == "model" and (node.get("config", {}).get("meta") or {}).get(
            "publish"
        ):
            tables[node["name"]] = _table(node)
    return dict(sorted(tables.items()))


@cache
def _cached(path: Path, state: float) -> dict[str, PublishedTable]:
    return catalog_from_manifest(_read_manifest(path))


@cache
def _of_project(state: float) -> dict[str, PublishedTable]:
    from munifund.dbt_project import ensure_manifest

    try:
        return catalog_from_manifest(_read_manifest(ensure_manifest()))
    except json.JSONDecodeError:
        # the shared target folder was written by two dbt commands at once (tests run several
        # processes): a parse of our own, in a folder nobody else writes
        import tempfile

        from munifund.dbt_project import run_dbt

        with tempfile.TemporaryDirectory(prefix="munifund-catalog-") as target:
            run_dbt(["parse", "--quiet", "--target-path", target])
            return catalog_from_manifest(_read_manifest(Path(target) / "manifest.json"))


def _read_manifest(path: Path, attempts: int = 20) -> dict[str, Any]:
    """The manifest as JSON. dbt writes it in place, and every dbt command of any process writes
    the project's target folder: a reader can meet it half written, so it reads again until the
    writer is done (5 s at most)."""
    for attempt in range(attempts):
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, FileNotFoundError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.25)
    raise AssertionError("unreachable")


def published_tables(manifest: Path | None = None) -> dict[str, PublishedTable]:
    """Every published table, by name. The manifest is dbt's parse of the project (made by
    `make setup` and kept fresh by every dbt command); parsed now when it is missing or older
    than the project's files. Read once per state of the project's files: other processes'
    dbt commands rewrite the manifest without changing what it declares."""
    if manifest is None:
        from munifund.dbt_project import project_state

        return _of_project(project_state())
    stat = manifest.stat()
    return _cached(manifest, stat.st_mtime + stat.st_size)


def run_stamped_tables(manifest: Path | None = None) -> tuple[str, ...]:
    """The tables each run publishes rows of, stamped with its fiscal year, date and run."""
    return tuple(n for n, t in published_tables(manifest).items() if t.publish == "run_stamped")


def reference_tables(manifest: Path | None = None) -> tuple[str, ...]:
    """The tables each publication replaces whole (not stamped with a run)."""
    return tuple(n for n, t in published_tables(manifest).items() if t.publish == "reference")
