"""The sample city's partitions, delivered across a year, load with the counts the generator
wrote: every good row in raw, every deliberately bad one in quarantine, named where it is."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from munifund.ingest.loader import ingest
from munifund.sample import generate_sample_city


def test_the_sample_city_loads_with_the_generators_counts(empty_warehouse, tmp_path: Path) -> None:
    landing = tmp_path / "sample"
    generate_sample_city(landing, year=2026, scale=1, seed=11)
    manifest = json.loads((landing / "_manifest.json").read_text())
    last_partition = max(p for parts in manifest["sources"].values() for p in parts)
    with empty_warehouse.connect() as conn:
        report = ingest(conn, landing, dt.date.fromisoformat(last_partition), "sample-run")
        for source, partitions in manifest["sources"].items():
            written = sum(p["rows"] - len(p["bad_rows"]) for p in partitions.values())
            loaded = conn.execute(f"select count(*) from raw.{source}").fetchone()[0]
            assert loaded == written, source
        quarantined = conn.execute(
            "select source, partition_date::text, file, line, column_name from ops.quarantine"
            " order by source, line"
        ).fetchall()
        again = ingest(conn, landing, dt.date.fromisoformat(last_partition), "sample-run-2")
    expected = sorted(
        (b["source"], b["partition"], Path(b["file"]).name, b["line"], b["column"])
        for b in manifest["bad_rows"]
    )
    assert sorted(quarantined) == expected
    assert report.unreadable_files == []
    assert again.files == []  # taking the same partitions again changes nothing
