"""What a `munifund run` ends with: published or not, and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class RunFailed(RuntimeError):
    pass


@dataclass
class RunOutcome:
    published: bool
    run_id: str | None
    reason: str = ""
    #: the models and tests that failed, when dbt_build did
    failed_dbt_nodes: list[str] = field(default_factory=list)
    logs: Path | None = None
