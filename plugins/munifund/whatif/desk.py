"""What if at the desk: the what-if DAG's trigger form (its typed Params) turned into the
scenario `munifund whatif` computes, and run by the same functions (report.run_scenario).

The form's values arrive as JSON: numbers as floats or ints, empty fields as null. Each is
turned back into the text `--set NAME=VALUE` takes and checked by the same rules
(parameters.py): the form refuses what its schema can say (a negative pool, a share above 0.5),
the rules the rest (more than 2 decimals, say). A rates file is a path the workers can read, or
the text of one pasted into the form, written under $MUNIFUND_HOME/whatif/ to be read as a file.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from munifund.whatif.parameters import SETTABLE, ScenarioRefused

#: the form's fields, beside the parameters of `--set`
NAME, AS_OF_DATE, RATES_FILE, RATES_TEXT = "name", "as_of_date", "rates_file", "rates_text"


def _as_text(value: Any) -> str:
    """A form value as `--set` writes it: a float as its shortest decimal, never an exponent."""
    if isinstance(value, bool):  # a JSON true is no number here
        raise ScenarioRefused(f"{value!r} is not a number")
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    return str(value).strip()


def assignments(params: dict[str, Any]) -> list[str]:
    """The form's parameters as `NAME=VALUE`, only those given."""
    return [
        f"{name}={_as_text(params[name])}"
        for name in SETTABLE
        if params.get(name) is not None and _as_text(params[name]) != ""
    ]


def as_of_date(params: dict[str, Any], run_after: dt.datetime) -> dt.date:
    """The form's date, else the city's date of the run (as `munifund whatif` takes today)."""
    from munifund.dates import city_date

    given = (params.get(AS_OF_DATE) or "").strip()
    if not given:
        return dt.date.fromisoformat(city_date(run_after))
    try:
        return dt.date.fromisoformat(given)
    except ValueError:
        raise ScenarioRefused(f"as_of_date {given!r}: a date, YYYY-MM-DD") from None


def rates_path(params: dict[str, Any], name: str, run_id: str) -> Path | None:
    """The rates file the form names, or the pasted one written as a file; None without."""
    from munifund.config import load_settings

    path, text = (params.get(RATES_FILE) or "").strip(), params.get(RATES_TEXT) or ""
    if path and text.strip():
        raise ScenarioRefused("give a rates file's path or its text, not both")
    if path:
        return Path(path)
    if not text.strip():
        return None
    folder = load_settings().home / "whatif" / "".join(c if c.isalnum() else "_" for c in run_id)
    folder.mkdir(parents=True, exist_ok=True)
    pasted = folder / f"rates-{name}.csv"
    pasted.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    return pasted


def run_from_form(
    params: dict[str, Any], run_after: dt.datetime, run_id: str, by: str
) -> dict[str, str]:
    """The scenario of the form, computed and written; what the task returns (its page)."""
    from munifund.config import load_settings
    from munifund.warehouse import task_warehouse
    from munifund.web.links import pack_url
    from munifund.whatif.compute import Scenario
    from munifund.whatif.parameters import check_name, parse_overrides
    from munifund.whatif.rates import read_rates
    from munifund.whatif.report import run_scenario

    name = check_name(str(params.get(NAME) or "").strip())
    overrides = parse_overrides(assignments(params))
    rates = rates_path(params, name, run_id)
    scenario = Scenario(
        name,
        as_of_date(params, run_after),
        overrides,
        read_rates(rates) if rates is not None else None,
        by,
    )
    written = run_scenario(task_warehouse(), scenario, load_settings().reviews_dir)
    page = next(f for f in written.files if f.endswith(".html"))
    return {
        "as_of_date": scenario.as_of.isoformat(),
        "scenario": name,
        "page": pack_url(scenario.as_of, page),
        "summary": written.summary(),
    }
