"""What the pack reads: the rows of schema ``published`` for one as-of date, in one transaction.

Only ``published`` is read (what analysts and the bureau can see), for the as-of date and its
fiscal year. A relation that does not exist yet (a feature not landed, or ``allocation_changes``
before a second publication) reads as not available rather than failing.

Every text is cut to ``formatting.TEXT_LIMIT`` as it is read (``cut_text``): names, codes and
problems come from departments' deliveries, and one delivered 10 MB value must not be copied
whole into the page, the workbook and the charts. The cut text says that it was cut.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from munifund.catalog import PublishedTable
from munifund.config import CITY_TIMEZONE
from munifund.review.declared import declared_tables
from munifund.review.formatting import cut_text
from munifund.review.status import LAST_DECISION

SCHEMA = "published"


def published_name(name: str) -> str:
    """The qualified name of a published relation, as the pack names a missing one."""
    return f"{SCHEMA}.{name}"


@dataclass(frozen=True)
class Table:
    """Rows of one published relation for the pack; ``available`` False when it does not exist."""

    name: str
    rows: list[dict[str, Any]]
    available: bool = True


def _bounded(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with each text cut to the length the pack shows."""
    return {key: cut_text(v) if isinstance(v, str) else v for key, v in row.items()}


def _exists(conn: psycopg.Connection, name: str) -> bool:
    row = conn.execute("select to_regclass(%s) is not null", [published_name(name)]).fetchone()
    return bool(row and row[0])


def _column_names(conn: psycopg.Connection, name: str) -> list[str]:
    rows = conn.execute(
        "select attname from pg_attribute"
        " where attrelid = to_regclass(%s) and attnum > 0 and not attisdropped order by attnum",
        [published_name(name)],
    ).fetchall()
    return [r[0] for r in rows]


def _read_published(
    conn: psycopg.Connection, name: str, as_of: dt.date, order_by: Sequence[str]
) -> Table:
    """The rows of ``published.<name>`` of this as-of date, in a stable order."""
    if not _exists(conn, name):
        return Table(name, [], available=False)
    present = set(_column_names(conn, name))
    order = [sql.Identifier(c) for c in order_by if c in present] or [sql.SQL("1")]
    query = sql.SQL(
        "select * from {} where fiscal_year = %s and as_of_date = %s order by {}"
    ).format(sql.Identifier(SCHEMA, name), sql.SQL(", ").join(order))
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(query, [as_of.year, as_of]).fetchall()
    return Table(name, [_bounded(r) for r in rows])


def _read_run(conn: psycopg.Connection, as_of: dt.date) -> dict[str, Any] | None:
    if not _exists(conn, "allocation_runs"):
        return None
    # the run's last decision too: a revoked approval reads "revoked", not a bare draft
    last = LAST_DECISION if _exists(conn, "review_decisions") else ""
    with conn.cursor(row_factory=dict_row) as cur:
        run = cur.execute(
            f"select runs.*{', last.*' if last else ''} from published.allocation_runs runs"
            f" {last} where runs.as_of_date = %s"
            " order by runs.published_at desc, runs.run_id desc limit 1",
            [as_of],
        ).fetchone()
    return _bounded(run) if run else None


@dataclass(frozen=True)
class DataQuality:
    available: bool
    counts: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    total: int


#: The quarantine as published (a view over the pipeline's quarantine).
DATA_QUALITY = "data_quality_issues"


def _read_data_quality(conn: psycopg.Connection, as_of: dt.date, limit: int) -> DataQuality:
    if not _exists(conn, DATA_QUALITY):
        return DataQuality(False, [], [], 0)
    with conn.cursor(row_factory=dict_row) as cur:
        counts = cur.execute(
            "select source, problem, count(*) as issues, count(distinct partition_date) as partitions,"
            " max(partition_date) as last_partition_date"
            f" from {published_name(DATA_QUALITY)} where partition_date <= %s"
            " group by source, problem order by source, problem",
            [as_of],
        ).fetchall()
        rows = cur.execute(
            f"select * from {published_name(DATA_QUALITY)} where partition_date <= %s"
            " order by partition_date desc, source, file, line nulls first, column_name nulls first,"
            " problem, quarantined_at"
            " limit %s",
            [as_of, limit],
        ).fetchall()
    counts = [_bounded(c) for c in counts]
    return DataQuality(
        True, counts, [_bounded(r) for r in rows], sum(int(c["issues"]) for c in counts)
    )


@dataclass(frozen=True)
class PackData:
    as_of: dt.date
    run: dict[str, Any] | None
    allocation: Table
    lines: Table
    city_costs: Table
    changes: Table
    unmeasured: Table
    kiosk: Table
    data_quality: DataQuality
    disbursements: Table
    year_over_year: Table
    streets: Table = Table("street_allocation", [], available=False)
    #: the assets behind each line, shown on a page of their own per district
    assets: Table = Table("district_allocation_assets", [], available=False)
    assessment: Table = Table("assessment_results", [], available=False)
    # what-if scenarios of the date (munifund whatif), listed with a link to each
    scenarios: Table = Table("scenario_allocation", [], available=False)
    #: the tables shown from their declarations (meta.review; munifund.review.declared), by name
    declared: dict[str, Table] = field(default_factory=dict)
    # the budget year (下达, 追加/追减, 结算)
    plan: Table = Table("budget_plan", [], available=False)
    settlement: Table = Table("year_end_settlement", [], available=False)
    adjustments: Table = Table("budget_adjustments", [], available=False)
    previous_adjustments: Table = Table("budget_adjustments", [], available=False)

    @property
    def fiscal_year(self) -> int:
        return self.as_of.year

    @property
    def stamp(self) -> dt.datetime:
        """The pack's one timestamp: the run's publication, else midnight of the as-of date."""
        if self.run and self.run.get("published_at"):
            return self.run["published_at"].astimezone(CITY_TIMEZONE)
        return dt.datetime.combine(self.as_of, dt.time(), CITY_TIMEZONE)

    def district_names(self) -> dict[str, tuple[str, str]]:
        names: dict[str, tuple[str, str]] = {}
        for row in [*self.kiosk.rows, *self.allocation.rows]:
            code = row.get("district_code")
            if code is not None:
                names[code] = (row.get("name_zh") or "", row.get("name_en") or "")
        return names


#: The published tables the pack reads, each with the columns that order its rows.
ORDER_BY: dict[str, tuple[str, ...]] = {
    "district_allocation": ("district_code",),
    "district_allocation_lines": (
        "district_code", "tier", "work_type", "asset_class", "rate_valid_from", "rate_yuan",
    ),
    "district_allocation_assets": (
        "district_code", "tier", "work_type", "asset_class", "rate_valid_from", "street_code",
        "asset_id", "measurement_id",
    ),
    "city_tier_costs": ("work_type", "asset_class", "rate_valid_from", "rate_yuan"),
    "allocation_changes": ("district_code",),
    "unmeasured_assets": ("asset_class", "asset_id", "work_type"),
    "kiosk_fee_compliance": ("district_code",),
    "street_allocation": ("district_code", "street_code"),
    "assessment_results": ("category", "district_code", "street_code"),
    "disbursement_status": ("district_code",),
    "allocation_year_over_year": ("district_code",),
    "budget_plan": ("district_code",),
    "year_end_settlement": ("settled_fiscal_year", "district_code"),
}  # fmt: skip
#: What-if scenarios (munifund whatif): published, but no mart of a run, so not among the
#: tables above, which are the marts' (tests build them from the dbt contracts).
SCENARIOS = "scenario_allocation"
#: The plan's adjustments: a view over the decision log (no run stamp), read by fiscal year.
ADJUSTMENTS = "budget_adjustments"


def _read_adjustments(conn: psycopg.Connection, fiscal_year: int) -> Table:
    """Every adjustment of the year's plan so far, in the order decided."""
    if not _exists(conn, ADJUSTMENTS):
        return Table(ADJUSTMENTS, [], available=False)
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            sql.SQL(
                "select * from {} where fiscal_year = %s order by decision_id, district_code"
            ).format(sql.Identifier(SCHEMA, ADJUSTMENTS)),
            [fiscal_year],
        ).fetchall()
    return Table(ADJUSTMENTS, [_bounded(r) for r in rows])


def _declared_order(table: PublishedTable) -> list[str]:
    """A declared table's rows in its declared order, else in the order of its key."""
    if table.review and table.review.order_by:
        return list(table.review.order_by)
    return [k for k in table.key if k not in ("fiscal_year", "as_of_date")]


def read_pack_data(conn: psycopg.Connection, as_of: dt.date, dq_rows: int) -> PackData:
    """Everything the pack shows, read from ``published`` in one transaction.

    ``dq_rows`` bounds the listed rows of ``data_quality_issues`` (their counts are complete).
    """
    with conn.transaction():
        tables = {name: _read_published(conn, name, as_of, keys) for name, keys in ORDER_BY.items()}
        return PackData(
            as_of=as_of,
            run=_read_run(conn, as_of),
            allocation=tables["district_allocation"],
            lines=tables["district_allocation_lines"],
            city_costs=tables["city_tier_costs"],
            changes=tables["allocation_changes"],
            unmeasured=tables["unmeasured_assets"],
            kiosk=tables["kiosk_fee_compliance"],
            data_quality=_read_data_quality(conn, as_of, dq_rows),
            streets=tables["street_allocation"],
            assets=tables["district_allocation_assets"],
            assessment=tables["assessment_results"],
            disbursements=tables["disbursement_status"],
            year_over_year=tables["allocation_year_over_year"],
            scenarios=_read_published(conn, SCENARIOS, as_of, ("scenario", "district_code")),
            declared={
                t.name: _read_published(
                    conn,
                    t.name,
                    as_of,
                    [k for k in t.key if k not in ("fiscal_year", "as_of_date")],
                )
                for t in declared_tables()
            },
            plan=tables["budget_plan"],
            settlement=tables["year_end_settlement"],
            # the year's own adjustments, and, early in a year, the last year's too
            adjustments=_read_adjustments(conn, as_of.year),
            previous_adjustments=_read_adjustments(conn, as_of.year - 1),
        )


# ------------------------------------------------------------ the other rooms' questions
# Asked of the published allocation by the mail, the runner, the sample's demo and the what-if
# page: answered here, so that the code reading a published table names it in one module.

ALLOCATION = "district_allocation"


@dataclass(frozen=True)
class RunTotals:
    """A published run's allocation in sum: what the bureau's mail states."""

    fiscal_year: int | None
    districts: int
    total_yuan: Decimal | None
    pool_yuan: Decimal | None
    #: sum(F): what the city's own budget passed on with work devolved during the year
    devolved_yuan: Decimal | None = None


def run_totals(conn: psycopg.Connection, run_id: str) -> RunTotals:
    row = conn.execute(
        sql.SQL(
            "select min(fiscal_year), count(*), sum(total_yuan), max(pool_yuan),"
            " coalesce(sum(devolved_yuan), 0) from {} where run_id = %s"
        ).format(sql.Identifier(SCHEMA, ALLOCATION)),
        [run_id],
    ).fetchone()
    return RunTotals(*row)  # type: ignore[misc]


def year_is_published(conn: psycopg.Connection, fiscal_year: int) -> bool:
    """Whether any allocation of ``fiscal_year`` is published (whatever its review status)."""
    query = sql.SQL("select exists (select from {} where fiscal_year = %s)").format(
        sql.Identifier(SCHEMA, ALLOCATION)
    )
    return bool(conn.execute(query, [fiscal_year]).fetchone()[0])  # type: ignore[index]


def unpaid_balances(conn: psycopg.Connection, run_id: str) -> dict[str, Decimal]:
    """Per district of a run: its total minus what was paid by its date."""
    query = sql.SQL(
        "select a.district_code, a.total_yuan - coalesce(d.paid_to_date_yuan, 0)"
        " from {} a left join {} d using (run_id, district_code) where a.run_id = %s"
    ).format(sql.Identifier(SCHEMA, ALLOCATION), sql.Identifier(SCHEMA, "disbursement_status"))
    return {code: balance for code, balance in conn.execute(query, [run_id]).fetchall()}


def scenario_and_parameters(
    conn: psycopg.Connection, name: str, as_of: dt.date
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """A scenario's rows of the date, and the parameters the date's published allocation has
    (pool, incentive share, basis), read in one transaction."""
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            sql.SQL(
                "select * from {} where as_of_date = %s and scenario = %s order by district_code"
            ).format(sql.Identifier(SCHEMA, SCENARIOS)),
            [as_of, name],
        ).fetchall()
        published = cur.execute(
            sql.SQL(
                "select pool_yuan, incentive_share, incentive_basis from {}"
                " where as_of_date = %s limit 1"
            ).format(sql.Identifier(SCHEMA, ALLOCATION)),
            [as_of],
        ).fetchone()
    return rows, published
