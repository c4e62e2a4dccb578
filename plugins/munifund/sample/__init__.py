"""The sample city: a deterministic Harbin written as landing partitions (``munifund sample``)."""

from __future__ import annotations

from munifund.sample.generator import (
    SampleSummary,
    generate_sample_city,
    write_reference_seeds,
)
from munifund.sample.landing import BadRow

__all__ = ["BadRow", "SampleSummary", "generate_sample_city", "write_reference_seeds"]
