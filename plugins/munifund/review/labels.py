"""The labels (中文 / English) of the codes the published tables carry, from one table.

``dbt_project/seeds/seed_code_labels.csv`` (vocabulary, code, label_zh, label_en) is the only place a
code's label is written: dbt loads it as a seed for analysts, and the review pack reads the same
file here, once per process.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from munifund.config import DBT_PROJECT_DIR

CODE_LABELS_CSV = DBT_PROJECT_DIR / "seeds" / "seed_code_labels.csv"
HEADER = ("vocabulary", "code", "label_zh", "label_en")


@dataclass(frozen=True)
class CodeLabel:
    vocabulary: str
    code: str
    zh: str
    en: str


class CodeLabelsError(ValueError):
    """The label table is not clean; the message names the file, the line and the fix."""


def read_code_labels(path: Path = CODE_LABELS_CSV) -> dict[str, dict[str, CodeLabel]]:
    """Every label in ``path``, by vocabulary then code; refuses a file that is not clean."""
    labels: dict[str, dict[str, CodeLabel]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = tuple(next(reader, ()))
        if header != HEADER:
            raise CodeLabelsError(
                f"{path}, line 1: the header must be {','.join(HEADER)}, not {','.join(header)}"
            )
        for row in reader:
            where = f"{path}, line {reader.line_num}"
            if len(row) != len(HEADER) or any(not v or v != v.strip() for v in row):
                raise CodeLabelsError(
                    f"{where}: write {len(HEADER)} values, none empty or padded with spaces;"
                    f" got {row}"
                )
            label = CodeLabel(*row)
            codes = labels.setdefault(label.vocabulary, {})
            if label.code in codes:
                raise CodeLabelsError(
                    f"{where}: ({label.vocabulary}, {label.code}) is labelled twice; keep one row"
                )
            codes[label.code] = label
    return labels


@cache
def labels_by_vocabulary() -> Mapping[str, Mapping[str, CodeLabel]]:
    """The label table of the repository's seed, read on first use."""
    return read_code_labels()


def label_zh(vocabulary: str, code: str) -> str | None:
    """The Chinese label of ``code`` in ``vocabulary``; None for a code the table lacks."""
    label = labels_by_vocabulary().get(vocabulary, {}).get(code)
    return label.zh if label else None
