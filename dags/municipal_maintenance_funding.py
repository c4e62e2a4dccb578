"""
### Municipal maintenance funding (城市维护经费), nightly

Computes, as of the run's logical date A, how the city's maintenance pool for the fiscal year
containing A is split between its districts (by workload and unit-cost standards, with the
assessment incentive), the city's own cost, and whether districts spent kiosk fees on city
management; publishes it for the finance bureau's review.

**Schedule:** 02:00 Asia/Shanghai, no catch-up by default (a missed night is caught up by the
next run, which takes every landing partition dated on or before its date).

**Stages:** `ingest_landing` (landing partitions → `raw`, bad input → `ops.quarantine`; beside
the build, `send_receipts` writes each sender's receipt and mails it to its `contacts` address) →
`dbt_build` (one `dbt build` through Cosmos: staging → intermediate → marts in schema
`audit`, each model tested as it is built) →
`audit_allocation` (totals equal the pool, no missing rate, row counts sane) →
`publish_allocation` (one transaction into `published`) → `write_review_pack` →
`approve_allocation` (the finance bureau approves or rejects in the UI; recorded with the
run: `munifund review list`).

**When it fails**
- `ingest_landing` or `publish_allocation` says "another run holds the warehouse": a
  `munifund run` by hand (or another DAG run) is loading or publishing; the message names it
  (as-of date, who started it, since when, pid and host). The task retries; if the other run
  published in between, `publish_allocation` refuses a candidate it rebuilt: re-run the date.
- `ingest_landing`: the warehouse is unreachable (check the `warehouse` connection); bad rows
  never fail it: they are quarantined, counted in the summary and listed in the review pack's
  数据质量 / data quality section.
- `send_receipts`: the warehouse is unreachable. A receipt that cannot be written (the home
  full or not writable) or mailed is logged as an error and named in its result, and fails
  nothing; clear the task once fixed. Nothing of the allocation depends on it.
- `dbt_build`: a model or a test of error severity failed; the log's last lines and the error
  name each one. Nothing was published. A retry (or clearing the task) runs `dbt retry`: only
  the failed and skipped nodes run again.
- `audit_allocation`: the message says what does not add up (a missing rate names work type,
  asset class and date; a missing pool names the year). Fix the input, re-run the date.
- A task that runs past its `execution_timeout` (`TIMEOUTS` below, stated in the README) is
  failed and retried like any other failure: a hung warehouse connection or a dbt build stuck
  on a lock never holds the run lock or the night forever.
- `approve_allocation`: the decision was refused and not recorded (the person who started the
  run cannot approve it, under any spelling of their name; a rejection needs a comment; a run
  older than the year's approved plan in force is approved only with `munifund review approve
  --replaces-newer`; a run already decided in `munifund review` is changed only there, with
  `--revokes`). Clear the task for another person to answer.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from airflow.sdk import Asset, CronTriggerTimetable, dag, task

from munifund.config import FIRST_FISCAL_YEAR
from munifund.dates import city_date
from munifund.dbt_stage import dbt_build_task
from munifund.notify import approval_mail, failure_mail
from munifund.review.approval import RecordedApprovalOperator
from munifund.web.links import pack_url

PUBLISHED_ALLOCATION = Asset("munifund_published_allocation")
# the run's date and id reach dbt through the environment (dbt_project/macros/as_of.sql says why)
RUN_ENV = {
    "MUNIFUND_AS_OF_DATE": "{{ city_date(logical_date) }}",
    "MUNIFUND_RUN_ID": "{{ run_id }}",
}
# Every task's execution timeout (README, "Execution timeouts"): about ten times what the task
# takes on the sample city, so a slow night passes and a hung one fails and is retried. The
# approval waits for people: its timeout is the response time allowed, and a day more.
RESPONSE_TIMEOUT = dt.timedelta(days=14)
TIMEOUTS = {
    "ingest_landing": dt.timedelta(hours=1),
    "send_receipts": dt.timedelta(minutes=15),
    "dbt_build": dt.timedelta(hours=2),
    "audit_allocation": dt.timedelta(minutes=15),
    "publish_allocation": dt.timedelta(minutes=30),
    "write_review_pack": dt.timedelta(minutes=15),
    "approve_allocation": RESPONSE_TIMEOUT + dt.timedelta(days=1),
}


@dag(
    dag_id="municipal_maintenance_funding",
    schedule=CronTriggerTimetable("0 2 * * *", timezone="Asia/Shanghai"),
    # the first fiscal year's first day: any later date can be re-run; catchup is off, so
    # nothing runs by itself
    start_date=dt.datetime(FIRST_FISCAL_YEAR, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai")),
    catchup=False,
    max_active_runs=1,
    tags=["munifund", "finance", "dbt"],
    user_defined_macros={"city_date": city_date, "review_url": pack_url},
    doc_md=__doc__,
    default_args={
        "owner": "munifund",
        "retries": 2,
        "retry_delay": dt.timedelta(minutes=5),
        "on_failure_callback": failure_mail(),  # the operators (MUNIFUND_OPERATOR_EMAILS)
    },
)
def municipal_maintenance_funding() -> None:
    @task(execution_timeout=TIMEOUTS["ingest_landing"])
    def ingest_landing(logical_date=None, run_id: str | None = None, dag_run=None) -> dict:
        from munifund.tasks import ingest_landing_task, run_starter

        return ingest_landing_task(
            as_of=city_date(logical_date), run_id=run_id, started_by=run_starter(dag_run)
        )

    # each sender's receipt of what the run took, beside the build: it never holds the night
    @task(execution_timeout=TIMEOUTS["send_receipts"])
    def send_receipts(ingested: dict, logical_date=None, run_id: str | None = None, **context):
        from munifund.tasks import receipts_task

        return receipts_task(as_of=city_date(logical_date), run_id=run_id, context=context)

    # One `dbt build` (models and their tests, dbt's own threads) in schema `audit`; a retry
    # re-runs only what failed (munifund.dbt_stage says why one task and not one per model).
    dbt_build = dbt_build_task(env=RUN_ENV, execution_timeout=TIMEOUTS["dbt_build"])

    @task(execution_timeout=TIMEOUTS["audit_allocation"])
    def audit_allocation(logical_date=None, run_id: str | None = None) -> dict:
        from munifund.tasks import audit_task

        return audit_task(as_of=city_date(logical_date), run_id=run_id)

    @task(outlets=[PUBLISHED_ALLOCATION], execution_timeout=TIMEOUTS["publish_allocation"])
    def publish_allocation(
        ingested: dict, audited: dict, logical_date=None, run_id: str | None = None, dag_run=None
    ) -> dict:
        from munifund.tasks import publish_task, run_starter

        return publish_task(
            as_of=city_date(logical_date), run_id=run_id, ingested=ingested, audited=audited,
            started_by=run_starter(dag_run),
        )  # fmt: skip

    @task(execution_timeout=TIMEOUTS["write_review_pack"])
    def write_review_pack(published: dict, logical_date=None) -> str:
        from munifund.tasks import review_pack_task

        return review_pack_task(as_of=city_date(logical_date), published=published)

    approve_allocation = RecordedApprovalOperator(
        task_id="approve_allocation",
        subject="审核 / Review the maintenance allocation as of {{ city_date(logical_date) }}",
        body=(
            "The allocation of fiscal year {{ city_date(logical_date)[:4] }} as of"
            " {{ city_date(logical_date) }} is published as a draft (run {{ run_id }})."
            " 审核页 / Review page: {{ review_url(city_date(logical_date)) }} (or this run's"
            " 审核 / Review tab). Approve or reject, with a comment."
        ),
        # the bureau's decision may take days; the run stays open, not failed
        response_timeout=RESPONSE_TIMEOUT,
        execution_timeout=TIMEOUTS["approve_allocation"],
        retries=0,
        notifiers=[approval_mail()],  # the finance bureau (MUNIFUND_BUREAU_EMAILS)
    )

    ingested = ingest_landing()
    audited = audit_allocation()
    ingested >> dbt_build >> audited
    send_receipts(ingested)
    write_review_pack(publish_allocation(ingested, audited)) >> approve_allocation


municipal_maintenance_funding()
