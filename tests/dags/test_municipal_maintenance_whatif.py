"""The what-if DAG imports through Airflow itself, follows the DAG policy (the nightly's module
checks every DAG of the folder), parses light, and its Params give Airflow's trigger form the
scenario's fields, refusing what the rules refuse before any run starts. Its run on a published
sample city: tests/munifund/whatif/test_whatif_dag.py."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from munifund.config import DAGS_FOLDER

DAG_ID = "municipal_maintenance_whatif"


@pytest.fixture(scope="module")
def dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_FOLDER / f"{DAG_ID}.py"))
    assert bag.import_errors == {}
    return bag.dags[DAG_ID]


def test_it_runs_only_when_triggered(dag) -> None:
    assert type(dag.timetable).__name__ == "NullTimetable"
    assert dag.catchup is False and dag.max_active_runs == 1
    assert [t.task_id for t in dag.tasks] == ["compute_whatif"]
    assert "When it fails" in dag.doc_md


def test_the_form_has_a_typed_field_per_parameter(dag) -> None:
    schema = {name: param.schema for name, param in dag.params.items()}
    assert set(schema) == {
        "name", "as_of_date", "pool_yuan", "incentive_share", "incentive_score_threshold",
        "incentive_basis", "rates_file", "rates_text",
    }  # fmt: skip
    assert schema["pool_yuan"]["type"] == ["null", "number"] and schema["pool_yuan"]["minimum"] == 0
    assert schema["incentive_share"]["maximum"] == 0.5
    assert schema["incentive_basis"]["enum"] == [None, "increase", "level"]
    assert schema["as_of_date"]["format"] == "date"
    assert schema["rates_text"]["format"] == "multiline"
    # the parameters of the form are those `munifund whatif --set` takes
    from munifund.whatif.parameters import SETTABLE

    assert set(SETTABLE) <= set(schema)


def _validate(dag, **conf):
    """The Params with a trigger's conf, validated as Airflow validates them."""
    import copy

    params = copy.deepcopy(dag.params)
    params.update(conf)
    return params.validate()


@pytest.mark.parametrize(
    "conf",
    [
        {"pool_yuan": -5},
        {"pool_yuan": "lots"},
        {"incentive_share": 0.7},
        {"incentive_share": -0.1},
        {"incentive_score_threshold": 101},
        {"incentive_basis": "growth"},
        {"name": "../x"},
        {"name": ""},
        {"as_of_date": "2026-02-30"},
    ],
)
def test_the_form_refuses_what_the_rules_refuse(dag, conf) -> None:
    from airflow.sdk.exceptions import ParamValidationError

    with pytest.raises(ParamValidationError):
        _validate(dag, **conf)


def test_the_form_takes_a_scenario_and_leaves_the_rest_empty(dag) -> None:
    values = _validate(dag, name="低成本", pool_yuan=150000000.5, incentive_basis="level")
    assert values["pool_yuan"] == 150000000.5 and values["incentive_share"] is None
    assert _validate(dag)["name"] == "desk"


def test_a_negative_pool_is_refused_by_airflow_before_the_run(dag) -> None:
    """dag.test() creates the run as a trigger does: the conf is validated against the Params
    first, and nothing runs."""
    from airflow.sdk.exceptions import ParamValidationError

    from munifund.airflow_env import migrate_metadata_db

    migrate_metadata_db()
    for task in dag.tasks:
        task.retries = 0
    with pytest.raises(ParamValidationError, match="pool_yuan"):
        dag.test(
            logical_date=dt.datetime(2026, 11, 28, 2, tzinfo=dt.UTC),
            run_conf={"name": "negative", "pool_yuan": -5},
        )


def test_the_form_s_numbers_reach_the_rules_as_their_decimal_text() -> None:
    from munifund.whatif.desk import assignments
    from munifund.whatif.parameters import parse_overrides

    given = {"pool_yuan": 150000000.1, "incentive_share": 0.25, "incentive_score_threshold": 70,
             "incentive_basis": "level", "name": "x"}  # fmt: skip
    assert assignments(given) == [
        "pool_yuan=150000000.1", "incentive_share=0.25", "incentive_score_threshold=70",
        "incentive_basis=level",
    ]  # fmt: skip
    assert parse_overrides(assignments({"pool_yuan": 1e15})).pool_yuan == 10**15  # no exponent


def test_the_dag_file_parses_without_heavy_imports() -> None:
    heavy = ("cosmos.operators", "dbt.cli", "pandas", "psycopg", "polars", "matplotlib", "openpyxl")
    code = (
        "import sys, runpy; import airflow.sdk;"
        f" runpy.run_path({str(DAGS_FOLDER / (DAG_ID + '.py'))!r});"
        f" print(' '.join(m for m in {heavy!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"the DAG file's parse imported {out.stdout.strip()}"
