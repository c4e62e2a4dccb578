"""`munifund sample`: writes the sample city, says in one line what it wrote, and exits 0.

What the line must say is recomputed from the manifest and the files, not from the summary the
command printed it from.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from munifund.cli import app
from munifund.ingest.contracts import BY_NAME


def test_sample_writes_the_city_and_says_what_it_wrote(tmp_path: Path) -> None:
    out = tmp_path / "landing"
    result = CliRunner().invoke(app, ["sample", "--out", str(out), "--year", "2026"])

    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "_manifest.json").read_text("utf-8"))
    entries = [e for by_partition in manifest["sources"].values() for e in by_partition.values()]
    rows = sum(e["rows"] for e in entries)
    bad = len(manifest["bad_rows"])
    assert result.stdout == (
        f"wrote {rows:,} rows ({bad} deliberately bad) in {len(entries)} files to {out} "
        "(fiscal year 2026, scale 1, seed 42)\n"
    )
    assert all((out / e["file"]).is_file() for e in entries)
    assert {p.name for p in out.iterdir() if p.is_dir()} == set(BY_NAME)


def test_sample_refuses_a_foreign_folder_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", "utf-8")
    result = CliRunner().invoke(app, ["sample", "--out", str(tmp_path), "--year", "2026"])

    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)  # a message, not a crash
    assert "write the sample to an empty or new folder" in " ".join(result.stderr.split())
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
