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
    #: the tasks that failed, in the order they ran (not those that then did not run)
    failed_tasks: list[str] = field(default_factory=list)
    #: the first failed task's own error, as its exception said it (may hold several lines)
    cause: str = ""
    #: the log file where the rest is: the first failed task's own, else the run's
    cause_log: Path | None = None
    #: what the run was doing when it is not the date asked for (the sample's previous year)
    during: str = ""
