"""
### Municipal maintenance funding (城市维护经费): what if (测算), at the desk

Computes what the allocation published for a date would be with another pool, incentive share,
score threshold, incentive basis or unit-cost table, beside the published one, district by
district: `munifund whatif`, triggered from Airflow's own form ("Trigger DAG" shows a field per
parameter, typed and checked before the run starts). Publishes no allocation and approves
nothing: it writes the scenario's rows in `published` and its page and workbook beside
the date's review pack (`/munifund/reviews/<as_of>/whatif-<name>.html`, also listed on the
date's review page), whose address the task returns and logs.

**Schedule:** none; triggered by hand.

**Parameters:** the scenario's `name` (computing a name again for the same date replaces it);
`as_of_date` (empty: today in the city; an allocation must be published for it); then only what
changes: `pool_yuan`, `incentive_share` (0 to 0.5), `incentive_score_threshold` (0 to 100),
`incentive_basis` (`increase` or `level`); a rates file as a path the workers read
(`rates_file`) or its CSV text pasted (`rates_text`), carrying only the rates it changes (the
others stay as known on the date; `munifund whatif rates-template` writes the whole table to
start from). Empty fields stay as published.

**When it fails**
- The form refuses a value before any run starts (a negative pool, a share above 0.5, a basis
  that is not one of the two): correct the field.
- `compute_whatif` fails with one line saying what was wrong: no allocation published for the
  date (run the nightly for it first), a value the rules refuse (more than 2 decimals, a name
  that is not 1-64 letters, digits, - or _), a rates file's line and column, a rate missing for
  a day of the year. Nothing was written: correct the form and trigger again.
- "was published ... while the scenario was computed": a nightly published the date meanwhile;
  trigger again to compare with the new run.
- A warehouse or dbt error: as for the nightly DAG (check the `warehouse` connection).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from airflow.sdk import Param, dag, task

from munifund.config import FIRST_FISCAL_YEAR

# ten times a scenario's full dbt build on the sample city
EXECUTION_TIMEOUT = dt.timedelta(minutes=30)


@dag(
    dag_id="municipal_maintenance_whatif",
    schedule=None,
    start_date=dt.datetime(FIRST_FISCAL_YEAR, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai")),
    catchup=False,
    # scenarios take turns in schema whatif anyway (compute.py's lock): one run at a time
    max_active_runs=1,
    tags=["munifund", "finance", "whatif"],
    doc_md=__doc__,
    default_args={
        "owner": "munifund",
        # a refused scenario fails at once (AirflowFailException); one retry for a warehouse
        # that blinked
        "retries": 1,
        "retry_delay": dt.timedelta(seconds=30),
    },
    params={
        "name": Param(
            "desk",
            type="string",
            pattern=r"^[\w-]{1,64}$",
            title="测算名称 / Scenario name",
            description="1-64 letters, digits, - or _; names the page whatif-<name>.html.",
        ),
        "as_of_date": Param(
            None,
            type=["null", "string"],
            format="date",
            title="截止日 / As-of date",
            description="A date with a published allocation; empty: today in the city.",
        ),
        "pool_yuan": Param(
            None,
            type=["null", "number"],
            minimum=0,
            title="资金池（元）/ Pool (yuan)",
            description="Empty: the delivered pool. At most 2 decimals.",
        ),
        "incentive_share": Param(
            None,
            type=["null", "number"],
            minimum=0,
            maximum=0.5,
            title="奖励比例 / Incentive share",
            description="0 to 0.5; empty: the delivered share.",
        ),
        "incentive_score_threshold": Param(
            None,
            type=["null", "number"],
            minimum=0,
            maximum=100,
            title="奖励考核得分门槛 / Incentive score threshold",
            description="0 to 100; empty: the published run's threshold.",
        ),
        "incentive_basis": Param(
            None,
            type=["null", "string"],
            enum=[None, "increase", "level"],
            title="奖励依据 / Incentive basis",
            description="increase (the default rule) or level; empty: the published run's.",
        ),
        "rates_file": Param(
            None,
            type=["null", "string"],
            title="经费标准文件 / Rates file (path)",
            description="A .csv or .xlsx the workers can read (the unit_cost_standards contract).",
        ),
        "rates_text": Param(
            None,
            type=["null", "string"],
            format="multiline",
            title="经费标准（粘贴）/ Rates (pasted CSV)",
            description="The CSV text of a rates file, header first; only the rows it changes.",
        ),
    },
)
def municipal_maintenance_whatif() -> None:
    @task(execution_timeout=EXECUTION_TIMEOUT)
    def compute_whatif(params=None, run_id: str | None = None, dag_run=None) -> dict:
        import logging

        from airflow.sdk.exceptions import AirflowFailException

        from munifund.tasks import run_starter
        from munifund.whatif.desk import run_from_form
        from munifund.whatif.parameters import ScenarioRefused

        try:
            done = run_from_form(dict(params), dag_run.run_after, str(run_id), run_starter(dag_run))
        except ScenarioRefused as refused:  # the same inputs are refused again: no retry
            raise AirflowFailException(str(refused)) from None
        logging.getLogger(__name__).info("%s\npage: %s", done["summary"], done["page"])
        return done

    compute_whatif()


municipal_maintenance_whatif()
