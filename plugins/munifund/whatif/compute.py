"""Computing a scenario: the allocation models of dbt, computed with the scenario's parameters into
schema `whatif`, then compared district by district with the published allocation of the date
into `published.scenario_allocation`. Parameters only: just the models that read them, from the
nightly's tables of the published run when they are the date's (nightly_tables.py, under a
second); else, or with a rates file, every allocation model with `dbt run` (`_build`).

Nothing a run reads or writes is touched: the scenario's models go to `whatif` (dbt var
`scenario_schema`, macros/generate_schema_name.sql), its parameters to `whatif.parameters` and
its rates to `whatif.unit_cost_standards` (macros/scenario.sql reads both),
and dbt's artifacts to a target folder of their own, so the nightly manifest that Cosmos renders
from stays as it was. Only `published.scenario_allocation` changes in `published`, in one
transaction: the rows of this scenario's name and date, compared with the run published when
the scenario began; if a night published the date again meanwhile, nothing is written and the
scenario is refused in one line (compute it again).

Scenarios share schema `whatif`, so they take turns: an advisory lock in the warehouse (as the
run lock, warehouse/run_lock.py) queues a second scenario behind the first one, a few seconds.
They never wait for a nightly run (a nightly that replaces a table a scenario is reading waits
for it, a fraction of a second; a scenario that finds them being replaced takes the full build).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

import psycopg
import yaml

from munifund.config import DBT_PROJECT_DIR
from munifund.dbt_project import run_dbt
from munifund.warehouse import Warehouse
from munifund.whatif import nightly_tables
from munifund.whatif.parameters import Overrides, ScenarioRefused
from munifund.whatif.rates import RatesFile, standards_select

log = logging.getLogger(__name__)

SCHEMA = "whatif"
#: where a scenario's comparison is written, the one table of `published` a scenario changes
SCENARIO_TABLE = "published.scenario_allocation"
# (munifund, "what"): the run lock's first key, another second key (warehouse/run_lock.py)
SCENARIO_LOCK = (0x6D756E69, 0x77686174)
# The models the pool split needs, and nothing else: no mart, no kiosk fee, no money cycle.
SELECTION = "+int_district_allocations_split"
TARGET_PATH = DBT_PROJECT_DIR / "target" / "whatif"
# stamped on nothing published; one value for every scenario (see dbt_vars)
RUN_ID = "whatif"


@dataclass(frozen=True)
class Scenario:
    """What to compute: a name, a date, the changed parameters, and who asks."""

    name: str
    as_of: dt.date
    overrides: Overrides
    rates: RatesFile | None = None
    computed_by: str | None = None


@dataclass(frozen=True)
class Published:
    """The published allocation a scenario is compared with."""

    run_id: str
    incentive_basis: str


@cache
def default_threshold() -> Decimal:
    """The threshold a run uses (dbt_project.yml's var: the nightly DAG does not set it)."""
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return Decimal(str(project["vars"]["score_threshold"]))


def published_allocation(conn: psycopg.Connection, as_of: dt.date) -> Published:
    """The run published for the date; ScenarioRefused when there is none to compare with."""
    row = conn.execute(
        "select min(run_id), min(incentive_basis) from published.district_allocation"
        " where as_of_date = %s",
        [as_of],
    ).fetchone()
    if not row or row[0] is None:
        raise ScenarioRefused(
            f"no allocation is published for {as_of}: a scenario is compared with it;"
            f" run `munifund run --date {as_of}` first"
        )
    return Published(run_id=row[0], incentive_basis=row[1] or "increase")


def dbt_vars(scenario: Scenario) -> dict[str, object]:
    """The vars of the scenario's dbt build: the same for every scenario of a date, so that dbt
    parses the project once for them (the parameters go to whatif.parameters instead)."""
    return {
        "as_of_date": scenario.as_of.isoformat(),
        "run_id": RUN_ID,
        "scenario_schema": SCHEMA,
    }


def parameter_values(scenario: Scenario, published: Published) -> dict[str, object]:
    """The row of whatif.parameters: what the scenario sets, else the published run's
    threshold and basis; pool and share null keep the delivered ones."""
    o = scenario.overrides
    threshold = o.incentive_score_threshold
    return {
        "pool_yuan": o.pool_yuan,
        "incentive_share": o.incentive_share,
        # a threshold of 0 is a threshold: compared with None, not by truth
        "incentive_score_threshold": default_threshold() if threshold is None else threshold,
        "incentive_basis": o.incentive_basis or published.incentive_basis,
    }


@contextmanager
def scenario_turn(warehouse: Warehouse) -> Iterator[None]:
    """Hold schema `whatif` for one scenario; released with the session, even when killed."""
    with warehouse.connect(autocommit=True) as conn:
        conn.execute("set application_name = 'munifund whatif'")
        conn.execute("select pg_advisory_lock(%s, %s)", SCENARIO_LOCK)
        yield


def _load_inputs(
    conn: psycopg.Connection, values: dict, scenario: Scenario, pipeline_url: str
) -> None:
    """The scenario's parameters and rates, where its models read them (macros/scenario.sql).

    The rates: the file's rows, then every standard known on the date that no row of the file
    replaces (same work type, asset class and valid_from; rates.py), so that a file may carry
    only the rates it changes."""
    # dbt's SQL of the date's standards, compiled (when the project changed) before the turn's
    # transaction begins
    standards = standards_select(pipeline_url) if scenario.rates is not None else ""
    with conn.transaction():
        conn.execute("truncate whatif.parameters, whatif.unit_cost_standards")
        conn.execute(
            "insert into whatif.parameters (pool_yuan, incentive_share,"
            " incentive_score_threshold, incentive_basis) values (%(pool_yuan)s,"
            " %(incentive_share)s, %(incentive_score_threshold)s, %(incentive_basis)s)",
            values,
        )
        if scenario.rates is None:
            return
        with conn.cursor().copy(
            "copy whatif.unit_cost_standards (work_type, asset_class, valid_from, valid_to,"
            " rate_yuan, unit) from stdin"
        ) as copy:
            for row in scenario.rates.rows:
                copy.write_row(row)
        conn.execute(
            "select set_config('munifund.as_of_date', %s, true)", [scenario.as_of.isoformat()]
        )
        conn.execute(
            "insert into whatif.unit_cost_standards (work_type, asset_class, valid_from,"
            f" valid_to, rate_yuan, unit) select * from ({standards}) s"
            " where not exists (select 1 from whatif.unit_cost_standards f"
            " where f.work_type = s.work_type and f.asset_class = s.asset_class"
            " and cast(f.valid_from as date) = cast(s.valid_from as date))"
        )


def _refuse_rate_gaps(conn: psycopg.Connection, rates: RatesFile | None) -> None:
    """A day of district or street work with no rate in the scenario's standards (a gap inside
    the year that the file's check could not see): refused, as a run's blocker would be."""
    gap = conn.execute(
        "select work_type, asset_class, min(segment_start), count(distinct asset_id)"
        " from whatif.int_asset_work_days_segmented where quantity is not null"
        " and rate_yuan is null and tier in ('district', 'street')"
        " group by 1, 2 order by 3, 1, 2 limit 1"
    ).fetchone()
    if gap:
        work_type, asset_class, day, assets = gap
        where = f"--rates {rates.path}" if rates else "the delivered unit-cost standards"
        raise ScenarioRefused(
            f"{where}: no rate for {work_type} of {asset_class} valid on {day}, which {assets}"
            " measured assets need; nothing was written"
        )


def _scenario_rows_add_up(conn: psycopg.Connection, as_of: dt.date) -> None:
    pool, devolved, total, districts = conn.execute(
        "select min(pool_yuan), sum(devolved_yuan), sum(total_yuan), count(*)"
        " from whatif.int_district_allocations_split"
    ).fetchone()  # type: ignore[misc]
    if not districts:
        raise ScenarioRefused(
            f"no budget pool for fiscal year {as_of.year} is known on {as_of}; nothing was written"
        )
    # the rule guarantees it (money that followed the task is the city's, on top of the pool);
    # a scenario is never written when it does not
    if pool + devolved != total:
        raise RuntimeError(
            f"the scenario's totals add up to {total}, not to its pool {pool} plus the money"
            f" that followed the task {devolved}"
        )


def _write(conn: psycopg.Connection, scenario: Scenario, published: Published, params: dict) -> int:
    """Replace the scenario's rows of the date in published.scenario_allocation, in one
    transaction: its rows against the run it started from, or nothing at all.

    A night that published the date again while the scenario was computed has replaced the run
    it is compared with: ScenarioRefused, and the scenario's earlier rows stay as they were
    (never a deletion without its insert)."""
    with conn.transaction():
        conn.execute(
            "delete from published.scenario_allocation where as_of_date = %s and scenario = %s",
            [scenario.as_of, scenario.name],
        )
        changed = {**scenario.overrides.as_given()}
        if scenario.rates:
            changed["rates"] = scenario.rates.path.name
        written = conn.execute(
            """
            insert into published.scenario_allocation (
                fiscal_year, as_of_date, scenario, published_run_id, parameters,
                changed_parameters, computed_at, computed_by, district_code, name_zh, name_en,
                published_standard_cost_yuan, published_base_yuan, published_incentive_yuan,
                published_total_yuan, scenario_standard_cost_yuan, scenario_base_yuan,
                scenario_incentive_yuan, scenario_total_yuan, delta_yuan, plan_yuan,
                delta_from_plan_yuan)
            select
                p.fiscal_year, p.as_of_date, %(name)s, p.run_id, %(parameters)s, %(changed)s,
                now(), %(by)s, p.district_code, p.name_zh, p.name_en,
                p.standard_cost_yuan, p.base_yuan, p.incentive_yuan, p.total_yuan,
                s.standard_cost_yuan, s.base_yuan, s.incentive_yuan, s.total_yuan,
                s.total_yuan - p.total_yuan, p.plan_yuan, s.total_yuan - p.plan_yuan
            from published.district_allocation p
            inner join whatif.int_district_allocations_split s
                on s.district_code = p.district_code
            where p.as_of_date = %(as_of)s and p.run_id = %(run_id)s
            """,
            {
                "name": scenario.name, "parameters": json.dumps(params),
                "changed": json.dumps(changed, ensure_ascii=False), "by": scenario.computed_by,
                "as_of": scenario.as_of, "run_id": published.run_id,
            },
        ).rowcount  # fmt: skip
        # read after the insert: a publication committed since the scenario began shows here
        (now,) = conn.execute(
            "select min(run_id) from published.district_allocation where as_of_date = %s",
            [scenario.as_of],
        ).fetchone()  # type: ignore[misc]
        if written == 0 or now != published.run_id:
            raise ScenarioRefused(
                f"run {now} was published for {scenario.as_of} while the scenario was computed"
                f" against run {published.run_id}: nothing was written (the scenario's earlier"
                " rows, if any, stay); compute it again to compare with the new run"
            )
        return written


def _effective_parameters(conn: psycopg.Connection, scenario: Scenario, values: dict) -> dict:
    pool, share, basis = conn.execute(
        "select min(pool_yuan), min(incentive_share), min(incentive_basis)"
        " from whatif.int_district_allocations_split"
    ).fetchone()  # type: ignore[misc]
    return {
        "pool_yuan": str(pool),
        "incentive_share": str(share),
        "incentive_score_threshold": str(values["incentive_score_threshold"]),
        "incentive_basis": basis,
        "rates": scenario.rates.record() if scenario.rates else None,
    }


def _build(
    warehouse: Warehouse, conn: psycopg.Connection, scenario: Scenario, published: Published
) -> None:
    """The scenario's models into schema whatif: only those a parameter changes, from the
    nightly's tables of the published run (nightly_tables.py, under a second), when they are of
    the date; else, or with a rates file, every allocation model with dbt, and why is said."""
    if scenario.rates is not None:
        why = "a rates file changes the cost lines"
    else:
        why = nightly_tables.compute_from_nightly(warehouse, scenario.as_of, published.run_id)
        if why is None:
            return
    log.warning("whatif: a full dbt build of the allocation models (slower): %s", why)
    run_dbt(
        ["run", "--select", SELECTION, "--quiet", "--target-path", str(TARGET_PATH)],
        warehouse.pipeline_url,
        dbt_vars(scenario),
    )
    _refuse_rate_gaps(conn, scenario.rates)


def refuse_before_computing(warehouse: Warehouse, scenario: Scenario) -> None:
    """What can be refused from what is published, before anything is computed: no allocation
    published for the date. (A rates file needs no rate it does not change: the others stay as
    known on the date; a gap it makes inside the year is found by the build, _refuse_rate_gaps.)"""
    with warehouse.connect() as conn:
        published_allocation(conn, scenario.as_of)


def compute_scenario(warehouse: Warehouse, scenario: Scenario) -> int:
    """Build the scenario and write its comparison; return the districts written.

    Raises ScenarioRefused (nothing written) when it cannot be computed as asked."""
    with scenario_turn(warehouse), warehouse.connect() as conn:
        # pinned once its turn has come (not before waiting for it): the run it is compared
        # with, and whose parameters it keeps; _write refuses if the date was published again
        published = published_allocation(conn, scenario.as_of)
        conn.commit()
        values = parameter_values(scenario, published)
        _load_inputs(conn, values, scenario, warehouse.pipeline_url)
        _build(warehouse, conn, scenario, published)
        _scenario_rows_add_up(conn, scenario.as_of)
        parameters = _effective_parameters(conn, scenario, values)
        conn.commit()
        return _write(conn, scenario, published, parameters)
