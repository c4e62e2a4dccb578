"""A scenario's name and the parameters it changes (`--set NAME=VALUE`), checked before anything
is computed.

The pool and the incentive share are checked by the very rules that check a delivered
`budget_pools` row (ingest/contracts.py, ingest/validation.py): a scenario can hold no value a
delivery could not. Numbers are ASCII digits (ingest/values.py): `pool_yuan=１０００` is refused,
where Decimal would read it as 1000.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import polars as pl

from munifund.ingest.contracts import CONTRACTS
from munifund.ingest.validation import column_problem

#: What `--set` may change; each is one of the rules' parameters (README, Rules and parameters).
SETTABLE = ("pool_yuan", "incentive_share", "incentive_score_threshold", "incentive_basis")
INCENTIVE_BASES = ("level", "increase")
# A name becomes part of a file name (whatif-<name>.html): letters (any script), digits, - and _.
NAME_SHAPE = re.compile(r"^[\w-]{1,64}$")
# ASCII digits only, as every number (ingest/values.py): Decimal would read a full-width ５
THRESHOLD_SHAPE = re.compile(r"^[0-9]{1,3}(\.[0-9]{1,2})?$")


class ScenarioRefused(ValueError):
    """A scenario that cannot be computed as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Overrides:
    """The parameters a scenario changes, as checked values; None: as published."""

    pool_yuan: Decimal | None = None
    incentive_share: Decimal | None = None
    incentive_score_threshold: Decimal | None = None
    incentive_basis: str | None = None

    def as_given(self) -> dict[str, str]:
        """The changed parameters as text, for the record (`changed_parameters`)."""
        return {name: str(value) for name in SETTABLE if (value := getattr(self, name)) is not None}


def check_name(name: str) -> str:
    if not NAME_SHAPE.match(name):
        raise ScenarioRefused(
            f"--name {name!r}: a scenario name is 1 to 64 letters, digits, - or _"
            " (it names the files whatif-<name>.html and .xlsx)"
        )
    return name


def _budget_pool_problem(column_name: str, value: str) -> str | None:
    contract = next(c for c in CONTRACTS if c.name == "budget_pools")
    frame = pl.DataFrame({column_name: [value]}, schema={column_name: pl.String})
    return frame.select(column_problem(contract.column(column_name), {})).item()


def _decimal(name: str, value: str) -> Decimal:
    problem = _budget_pool_problem(name, value)
    if problem:
        raise ScenarioRefused(f"--set {name}={value}: {problem} (as budget_pools would refuse it)")
    return Decimal(value.strip())


def _threshold(value: str) -> Decimal:
    text = value.strip()
    if not THRESHOLD_SHAPE.match(text) or Decimal(text) > 100:
        raise ScenarioRefused(
            f"--set incentive_score_threshold={value}: a score from 0 to 100, at most 2 decimals"
        )
    return Decimal(text)


def _basis(value: str) -> str:
    if value.strip() not in INCENTIVE_BASES:
        raise ScenarioRefused(f"--set incentive_basis={value}: {' or '.join(INCENTIVE_BASES)}")
    return value.strip()


def parse_overrides(assignments: list[str]) -> Overrides:
    """`NAME=VALUE` pairs into checked overrides; the first bad one is refused."""
    values: dict[str, object] = {}
    for assignment in assignments:
        name, equals, value = assignment.partition("=")
        name = name.strip()
        if not equals or not value.strip():
            raise ScenarioRefused(
                f"--set {assignment!r}: write NAME=VALUE, e.g. pool_yuan=150000000"
            )
        if name not in SETTABLE:
            raise ScenarioRefused(f"--set {name}: unknown parameter; one of {', '.join(SETTABLE)}")
        if name in values:
            raise ScenarioRefused(f"--set {name} is given twice")
        try:
            if name in ("pool_yuan", "incentive_share"):
                values[name] = _decimal(name, value)
            elif name == "incentive_score_threshold":
                values[name] = _threshold(value)
            else:
                values[name] = _basis(value)
        except InvalidOperation:  # pragma: no cover - the shapes above admit only decimals
            raise ScenarioRefused(f"--set {assignment}: not a number") from None
    return Overrides(**values)  # type: ignore[arg-type]
