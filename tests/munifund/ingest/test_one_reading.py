"""One reading per delivered file: a local file is opened at most twice (its survey, then its
load), whatever path loads it; an object-store file is fetched once."""

from __future__ import annotations

import builtins
import io
import os
from collections import Counter
from pathlib import Path

import openpyxl
from deliveries import ASSETS_HEADER, D1, D2, deliver

from munifund.ingest.loader import ingest

GOOD = "A1,expressway,ok,230102,,,2020-01-01,\n"
FILES: dict[str, bytes] = {
    "plain.csv": (ASSETS_HEADER + GOOD).encode(),  # the fast path
    "gb.csv": (ASSETS_HEADER + "G1,expressway,道路,230102,,,2020-01-01,\n").encode("gb18030"),
    "quoted.csv": (ASSETS_HEADER + 'Q1,expressway,"two\nlines",230102,,,2020-01-01,\n').encode(),
    # the fast path hands over to streaming half way: a ragged line
    "ragged.csv": (ASSETS_HEADER + GOOD.replace("A1", "R1") + "R2,back_lane\n").encode(),
    # a key repeated: the repeat check reads the file again
    "repeat.csv": (ASSETS_HEADER + GOOD.replace("A1", "K1") * 2).encode(),
    "spaces.csv": (ASSETS_HEADER + " S1 ,expressway,ok,230102,,,2020-01-01,\n").encode(),
    "latin1.csv": (ASSETS_HEADER + "L1,expressway,Müller,230102,,,2020-01-01,\n").encode("latin-1"),
    "notes.txt": b"not a delivery",
}


def _workbook() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(ASSETS_HEADER.strip().split(","))
    book.active.append(["X1", "expressway", "ok", "230102", None, None, "2020-01-01"])
    book.active.append(["X1", "expressway", "again", "230102", None, None, "2020-01-01"])
    content = io.BytesIO()
    book.save(content)
    return content.getvalue()


def count_opens(monkeypatch, under: Path) -> Counter[str]:
    """Every open of a file under `under`, by file name (pathlib's open goes through io.open)."""
    opened: Counter[str] = Counter()
    real_open = io.open

    def counting(file, *args, **kwargs):
        if isinstance(file, str | os.PathLike) and str(file).startswith(str(under)):
            opened[Path(file).name] += 1
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", counting)
    monkeypatch.setattr(io, "open", counting)
    return opened


def test_a_local_file_is_opened_at_most_twice_whatever_path_loads_it(
    empty_warehouse, landing, monkeypatch
) -> None:
    for name, content in FILES.items():
        deliver(landing, "assets", D1, name, content)
    deliver(landing, "assets", D1, "book.xlsx", _workbook())
    opened = count_opens(monkeypatch, landing)
    with empty_warehouse.connect() as conn:
        report = ingest(conn, landing, D1, "run-1")
        first = dict(opened)
        opened.clear()
        ingest(conn, landing, D1, "run-2")
        again = dict(opened)
        path = landing / "assets" / D1.isoformat() / "plain.csv"
        os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 60))
        opened.clear()
        ingest(conn, landing, D2, "run-3")
        touched = dict(opened)
        loaded = {r[0] for r in conn.execute("select asset_id from raw.assets").fetchall()}
    assert {"A1", "G1", "Q1", "R1", "K1", "S1", "X1"} <= loaded
    assert len(report.files) == 1 + len(FILES) + 1  # the districts, these, the workbook
    assert first == dict.fromkeys([*FILES, "book.xlsx", "districts.csv"], 2)
    assert again == {}  # untouched: not read at all
    assert touched == {"plain.csv": 1}  # touched: read once to tell it has the same bytes


def test_an_object_store_file_is_fetched_once(empty_warehouse, monkeypatch) -> None:
    import fsspec
    from airflow.sdk import ObjectStoragePath
    from airflow.sdk.io import attach
    from fsspec.implementations.memory import MemoryFileSystem

    attach(protocol="memory", fs=fsspec.filesystem("memory"))
    root = ObjectStoragePath("memory://one-reading")
    contents = {"districts.csv": b"district_code,name_zh,name_en\n230102,x,y\n", **FILES}
    contents["book.xlsx"] = _workbook()
    for name, content in contents.items():
        source = "districts" if name == "districts.csv" else "assets"
        target = root / source / D1.isoformat() / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as handle:
            handle.write(content)
    fetched: Counter[str] = Counter()
    real_open = MemoryFileSystem._open

    def counting(self, path, mode="rb", *args, **kwargs):
        if "r" in mode:
            fetched[path.rsplit("/", 1)[-1]] += 1
        return real_open(self, path, mode, *args, **kwargs)

    monkeypatch.setattr(MemoryFileSystem, "_open", counting)
    try:
        with empty_warehouse.connect() as conn:
            report = ingest(conn, root, D1, "run-1")
    finally:
        fsspec.filesystem("memory").rm("/one-reading", recursive=True)
    assert len(report.files) == len(contents)
    assert fetched == dict.fromkeys(contents, 1)
