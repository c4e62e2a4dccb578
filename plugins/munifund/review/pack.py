"""The finance bureau's review pack of one as-of date: an HTML page and an .xlsx workbook.

Everything comes from schema ``published`` (what analysts and the bureau can see), for the
as-of date and its fiscal year. A table that does not exist yet (a feature not landed, or
``allocation_changes`` before a second publication) is shown as "not available"; the pack is
still written.

The content is deterministic: no clock is read. The only timestamp is the run's
``published_at`` (or midnight of the as-of date when no run is recorded), also used for the
workbook's properties and the zip entries, so the same warehouse state writes the same bytes.

Money is formatted from ``Decimal`` (numeric in the warehouse); only the charts use floats.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import os
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from munifund.config import CITY_TIMEZONE

SCHEMA = "published"
HTML_NAME = "review.html"
XLSX_NAME = "review.xlsx"
CHART_NAMES = ("allocation.png", "changes.png", "kiosk.png")
#: Rows of ``data_quality_issues`` listed on the page, and in the workbook.
DQ_PAGE_ROWS = 50
DQ_SHEET_ROWS = 1000
APPROVE_COMMAND = "munifund review approve --run {run_id} --by <name> [--comment ...]"
REJECT_COMMAND = "munifund review reject --run {run_id} --by <name> --comment <why>"

Kind = Literal[
    "text", "district", "cases", "pair", "money", "money_delta", "int", "score", "share", "rate",
    "quantity", "days", "date", "datetime", "bool", "json",
    "tier", "work_type", "asset_class", "kiosk_status", "flag_reason", "drivers", "unmeasured_reason",
]  # fmt: skip

# --------------------------------------------------------------------------- labels

TIERS = {"city": "市", "district": "区", "street": "街道"}
WORK_TYPES = {
    "road_maintenance": "道路维修养护",
    "bridge_maintenance": "桥梁养护",
    "sweeping": "清扫保洁",
    "greening": "园林绿化养护",
    "facility_upkeep": "环卫设施维护",
}
ASSET_CLASSES = {
    "expressway": "快速路",
    "trunk_road": "主干街路",
    "secondary_road": "次干路",
    "branch_road": "支路",
    "back_lane": "背街背巷",
    "courtyard": "庭院",
    "bridge": "桥梁",
    "elevated_underside": "高架桥下",
    "pedestrian_crossing": "人行过街设施",
    "city_park": "市级公园",
    "green_belt": "绿化带",
    "public_toilet": "公共厕所",
    "transfer_station": "垃圾转运站",
    "bin_point": "垃圾桶点",
}
KIOSK_STATUSES = {
    "diverted": "挪用",
    "overdrawn": "透支",
    "unplanned": "未纳入计划",
    "compliant": "合规",
}
FLAG_REASONS = {"ineligible": "用途不符", "unsupported": "用途无据", "overdrawn": "透支"}
DRIVERS = {
    "quantity": "作业量",
    "transfers": "事权划转",
    "rates": "经费标准",
    "score": "考核得分",
    "pool": "资金池",
}
UNMEASURED_REASONS = {
    "no measurement": "无测量",
    "only unverified measurements": "仅有未核定测量",
}
REVIEW_STATUSES = {"draft": "草稿，待审核", "approved": "已批准", "rejected": "已驳回"}
ENUM_LABELS: dict[str, dict[str, str]] = {
    "tier": TIERS,
    "work_type": WORK_TYPES,
    "asset_class": ASSET_CLASSES,
    "kiosk_status": KIOSK_STATUSES,
    "flag_reason": FLAG_REASONS,
    "unmeasured_reason": UNMEASURED_REASONS,
}
NOT_AVAILABLE_ZH = "不可用"
NOT_AVAILABLE_EN = "Not available"


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    kind: Kind = "text"

    @property
    def label(self) -> str:
        return f"{self.zh} / {self.en}"

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS


NUMERIC_KINDS = {
    "money", "money_delta", "int", "score", "share", "rate", "quantity", "days", "cases", "pair",
}  # fmt: skip

DISTRICT_CODE = Column("district_code", "区代码", "District code")
#: On the page: the Chinese name, with the code and the English name under it.
DISTRICT = Column("district_code", "区", "District", "district")
NAME_ZH = Column("name_zh", "区", "District")
NAME_EN = Column("name_en", "区（英文）", "District (English)")

ALLOCATION_COLUMNS = (
    DISTRICT_CODE,
    NAME_ZH,
    NAME_EN,
    Column("standard_cost_yuan", "标准经费", "Standard cost (yuan)", "money"),
    Column("share", "标准经费占比", "Share of standard cost", "share"),
    Column("base_yuan", "基础分配", "Base (yuan)", "money"),
    Column("cases_due", "到期案件", "Cases due", "int"),
    Column("cases_on_time", "按时办结", "Cases on time", "int"),
    Column("assessment_score", "考核得分", "Assessment score", "score"),
    Column("own_investment_yuan", "区自有投入", "Own investment (yuan)", "money"),
    Column("incentive_share_of_pool", "奖励占比", "Share of incentive pool", "share"),
    Column("incentive_yuan", "奖励", "Incentive (yuan)", "money"),
    Column("total_yuan", "合计", "Total (yuan)", "money"),
)
LINE_COLUMNS = (
    DISTRICT_CODE,
    Column("tier", "层级", "Tier", "tier"),
    Column("work_type", "作业类型", "Work type", "work_type"),
    Column("asset_class", "设施类别", "Asset class", "asset_class"),
    Column("rate_valid_from", "标准生效日", "Rate valid from", "date"),
    Column("unit", "单位", "Unit"),
    Column("assets", "设施数", "Assets", "int"),
    Column("unit_days", "作业量×天", "Unit-days", "days"),
    Column("days_in_year", "全年天数", "Days in year", "int"),
    Column("quantity_unit_years", "作业量（年）", "Quantity (unit-years)", "quantity"),
    Column("rate_yuan", "经费标准", "Rate (yuan per unit-year)", "money"),
    Column("cost_exact_yuan", "精确经费", "Exact cost (yuan)", "quantity"),
    Column("standard_cost_yuan", "标准经费", "Standard cost (yuan)", "money"),
)
CITY_COST_COLUMNS = tuple(
    c for c in LINE_COLUMNS if c.key not in ("district_code", "tier", "cost_exact_yuan")
)
CHANGE_COLUMNS = (
    DISTRICT_CODE,
    Column("previous_as_of_date", "上次截止日", "Previous as-of date", "date"),
    Column("previous_total_yuan", "上次合计", "Previous total (yuan)", "money"),
    Column("total_yuan", "本次合计", "Total (yuan)", "money"),
    Column("delta_yuan", "变动", "Change (yuan)", "money_delta"),
    Column(
        "standard_cost_delta_yuan", "标准经费变动", "Standard cost change (yuan)", "money_delta"
    ),
    Column("quantity_delta_unit_years", "作业量变动", "Quantity change (unit-years)", "quantity"),
    Column("transfers_since_previous", "新增事权划转", "Transfers since", "int"),
    Column("rate_standards_since_previous", "新增经费标准", "Rate standards since", "int"),
    Column("previous_assessment_score", "上次考核得分", "Previous score", "score"),
    Column("assessment_score", "考核得分", "Assessment score", "score"),
    Column("previous_pool_yuan", "上次资金池", "Previous pool (yuan)", "money"),
    Column("pool_yuan", "资金池", "Pool (yuan)", "money"),
    Column("drivers", "变动原因", "Drivers", "drivers"),
)
UNMEASURED_COLUMNS = (
    Column("asset_id", "设施编号", "Asset id"),
    Column("work_type", "作业类型", "Work type", "work_type"),
    Column("asset_class", "设施类别", "Asset class", "asset_class"),
    Column("asset_district_code", "所在区", "Asset's district"),
    Column("tier", "层级", "Tier", "tier"),
    Column("responsible_district_code", "责任区", "Responsible district"),
    Column("unmeasured_days", "未测量天数", "Unmeasured days", "int"),
    Column("first_unmeasured_on", "起始日", "First unmeasured on", "date"),
    Column("reason", "原因", "Reason", "unmeasured_reason"),
)
UNMEASURED_SUMMARY_COLUMNS = (
    Column("asset_class", "设施类别", "Asset class", "asset_class"),
    Column("assets", "设施数", "Assets", "int"),
    Column("pairs", "设施×作业", "Asset-work pairs", "int"),
    Column("unmeasured_days", "未测量天数", "Unmeasured days", "int"),
    Column("first_unmeasured_on", "最早起始日", "First unmeasured on", "date"),
)
KIOSK_COLUMNS = (
    DISTRICT_CODE,
    NAME_ZH,
    NAME_EN,
    Column("opening_yuan", "期初余额", "Opening (yuan)", "money"),
    Column("collected_yuan", "本年收缴", "Collected (yuan)", "money"),
    Column("planned_yuan", "计划安排", "Planned (yuan)", "money"),
    Column("spent_city_mgmt_yuan", "城市管理支出", "Spent on city management (yuan)", "money"),
    Column("diverted_yuan", "挪用", "Diverted (yuan)", "money"),
    Column("closing_yuan", "期末余额", "Closing (yuan)", "money"),
    Column("usage_rate", "使用率", "Usage rate", "rate"),
    Column("status", "状态", "Status", "kiosk_status"),
)
KIOSK_FLAG_COLUMNS = (
    DISTRICT_CODE,
    Column("voucher_id", "凭证号", "Voucher"),
    Column("paid_at", "支付时间", "Paid at", "datetime"),
    Column("amount_yuan", "金额", "Amount (yuan)", "money"),
    Column("purpose_code", "用途代码", "Purpose code"),
    Column("reason", "原因", "Reason", "flag_reason"),
    Column("district_status", "区状态", "District status", "kiosk_status"),
)
# The page folds some columns together to fit a screen; the workbook keeps every column.
ALLOCATION_PAGE_COLUMNS = (
    DISTRICT,
    *ALLOCATION_COLUMNS[3:6],
    Column("_cases", "按时办结 / 到期案件", "Cases on time / due", "cases"),
    *ALLOCATION_COLUMNS[8:],
)
CHANGE_PAGE_COLUMNS = (
    DISTRICT,
    *CHANGE_COLUMNS[1:9],
    Column("_score", "考核得分（上次 → 本次）", "Score (previous → now)", "pair"),
    Column("_pool", "资金池（上次 → 本次）", "Pool (previous → now, yuan)", "pair"),
    Column("drivers", "变动原因", "Drivers", "drivers"),
)
KIOSK_PAGE_COLUMNS = (DISTRICT, *KIOSK_COLUMNS[3:])
# Days in year is one number for the whole year: the page states it once, above the lines.
LINE_PAGE_COLUMNS = tuple(c for c in LINE_COLUMNS if c.key not in ("district_code", "days_in_year"))
CITY_COST_PAGE_COLUMNS = tuple(c for c in CITY_COST_COLUMNS if c.key != "days_in_year")
KIOSK_FLAG_PAGE_COLUMNS = (DISTRICT, *KIOSK_FLAG_COLUMNS[1:])
DQ_COUNT_COLUMNS = (
    Column("source", "数据源", "Source"),
    Column("problem", "问题", "Problem"),
    Column("issues", "条数", "Issues", "int"),
    Column("partitions", "分区数", "Partitions", "int"),
    Column("last_partition_date", "最近分区", "Latest partition", "date"),
)
DQ_ROW_COLUMNS = (
    Column("source", "数据源", "Source"),
    Column("partition_date", "分区日期", "Partition date", "date"),
    Column("file", "文件", "File"),
    Column("line", "行", "Line", "int"),
    Column("column_name", "列", "Column"),
    Column("problem", "问题", "Problem"),
    Column("raw_row", "原始数据", "Raw row", "json"),
    Column("run_id", "运行", "Run"),
    Column("quarantined_at", "隔离时间", "Quarantined at", "datetime"),
)


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Table:
    """Rows of one published relation for the pack; ``available`` False when it does not exist."""

    name: str
    rows: list[dict[str, Any]]
    available: bool = True


def _exists(conn: psycopg.Connection, name: str) -> bool:
    row = conn.execute("select to_regclass(%s) is not null", [f"{SCHEMA}.{name}"]).fetchone()
    return bool(row and row[0])


def _column_names(conn: psycopg.Connection, name: str) -> list[str]:
    rows = conn.execute(
        "select attname from pg_attribute"
        " where attrelid = to_regclass(%s) and attnum > 0 and not attisdropped order by attnum",
        [f"{SCHEMA}.{name}"],
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
    return Table(name, rows)


def _read_run(conn: psycopg.Connection, as_of: dt.date) -> dict[str, Any] | None:
    if not _exists(conn, "allocation_runs"):
        return None
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "select * from published.allocation_runs where as_of_date = %s"
            " order by published_at desc, run_id desc limit 1",
            [as_of],
        ).fetchone()


@dataclass(frozen=True)
class DataQuality:
    available: bool
    counts: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    total: int


def _read_data_quality(conn: psycopg.Connection, as_of: dt.date, limit: int) -> DataQuality:
    if not _exists(conn, "data_quality_issues"):
        return DataQuality(False, [], [], 0)
    with conn.cursor(row_factory=dict_row) as cur:
        counts = cur.execute(
            "select source, problem, count(*) as issues, count(distinct partition_date) as partitions,"
            " max(partition_date) as last_partition_date"
            " from published.data_quality_issues where partition_date <= %s"
            " group by source, problem order by source, problem",
            [as_of],
        ).fetchall()
        rows = cur.execute(
            "select * from published.data_quality_issues where partition_date <= %s"
            " order by partition_date desc, source, file, line nulls first, column_name nulls first,"
            " problem, quarantined_at"
            " limit %s",
            [as_of, limit],
        ).fetchall()
    return DataQuality(True, counts, rows, sum(int(c["issues"]) for c in counts))


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
    kiosk_flags: Table
    data_quality: DataQuality

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
    "city_tier_costs": ("work_type", "asset_class", "rate_valid_from", "rate_yuan"),
    "allocation_changes": ("district_code",),
    "unmeasured_assets": ("asset_class", "asset_id", "work_type"),
    "kiosk_fee_compliance": ("district_code",),
    "kiosk_fee_flags": ("district_code", "paid_at", "voucher_id", "reason"),
}  # fmt: skip


def read_pack_data(conn: psycopg.Connection, as_of: dt.date) -> PackData:
    """Everything the pack shows, read from ``published`` in one transaction."""
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
            kiosk_flags=tables["kiosk_fee_flags"],
            data_quality=_read_data_quality(conn, as_of, max(DQ_PAGE_ROWS, DQ_SHEET_ROWS)),
        )


# --------------------------------------------------------------------------- formatting

DASH = "—"


def _dec(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(value)


def format_money(value: Any) -> str:
    """Thousands separators and 2 decimals, from the exact Decimal."""
    return DASH if value is None else f"{_dec(value):,.2f}"


def format_money_delta(value: Any) -> str:
    if value is None:
        return DASH
    return ("+" if _dec(value) > 0 else "") + format_money(value)


def format_fraction_percent(value: Any, places: int) -> str:
    return DASH if value is None else f"{_dec(value) * 100:,.{places}f}%"


def format_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return DASH
    if value.tzinfo is not None:
        value = value.astimezone(CITY_TIMEZONE)
    return value.strftime("%Y-%m-%d %H:%M:%S")


def _enum_text(kind: str, value: Any) -> tuple[str, str]:
    if value is None:
        return DASH, ""
    zh = ENUM_LABELS[kind].get(value)
    return (zh, value) if zh else (str(value), "")


def _drivers_text(value: Any) -> tuple[str, str]:
    codes = [d.strip() for d in (value or "").split(",") if d.strip()]
    if not codes:
        return "无 / none", ""
    return "、".join(DRIVERS.get(d, d) for d in codes), ", ".join(codes)


def _json_text(value: Any, limit: int) -> str:
    if value is None:
        return DASH
    text = (
        value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    )
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Cell:
    text: str
    sub: str = ""
    numeric: bool = False
    css: str = ""


def format_cell(column: Column, value: Any) -> Cell:
    """One value as the page shows it: exact text, with a second line for codes and names."""
    kind = column.kind
    numeric = column.numeric
    if value is None:
        if kind == "score":
            return Cell(DASH, "无到期案件 / no cases due", numeric=True)
        return Cell(DASH, numeric=numeric)
    match kind:
        case "money":
            return Cell(format_money(value), numeric=True, css="neg" if _dec(value) < 0 else "")
        case "money_delta":
            sign = _dec(value)
            return Cell(
                format_money_delta(value),
                numeric=True,
                css="neg" if sign < 0 else ("pos" if sign > 0 else ""),
            )
        case "int":
            return Cell(f"{int(value):,}", numeric=True)
        case "score":
            return Cell(f"{_dec(value):.2f}", numeric=True)
        case "share":
            return Cell(format_fraction_percent(value, 4), numeric=True)
        case "rate":
            return Cell(format_fraction_percent(value, 2), numeric=True)
        case "quantity":
            return Cell(f"{_dec(value):,.6f}", numeric=True)
        case "days":
            return Cell(f"{_dec(value):,.4f}", numeric=True)
        case "date":
            return Cell(value.isoformat(), css="date")
        case "datetime":
            return Cell(format_datetime(value), css="date")
        case "cases" | "pair":
            return Cell(str(value), numeric=True)
        case "bool":
            return Cell("是 / yes" if value else "否 / no")
        case "json":
            return Cell(_json_text(value, 160), css="raw")
        case "drivers":
            text, sub = _drivers_text(value)
            return Cell(text, sub)
        case "kiosk_status":
            text, sub = _enum_text(kind, value)
            return Cell(text, sub, css=f"status status-{value}")
        case "tier" | "work_type" | "asset_class" | "flag_reason" | "unmeasured_reason":
            text, sub = _enum_text(kind, value)
            return Cell(text, sub)
        case _:
            return Cell(str(value))


@dataclass(frozen=True)
class Row:
    cells: list[Cell]
    css: str = ""
    district: str | None = None


@dataclass(frozen=True)
class TableView:
    columns: Sequence[Column]
    rows: list[Row]
    foot: list[Row] = field(default_factory=list)
    id: str | None = None


def _row(
    columns: Sequence[Column],
    record: dict[str, Any],
    names: dict[str, tuple[str, str]] | None = None,
    **kwargs: Any,
) -> Row:
    cells = []
    for c in columns:
        if c.kind == "district":
            cells.append(_district_cell(record.get(c.key), names or {}))
        else:
            cells.append(format_cell(c, record.get(c.key)))
    return Row(cells, **kwargs)


def _district_cell(code: str | None, names: dict[str, tuple[str, str]]) -> Cell:
    if code is None:
        return Cell(DASH)
    zh, en = names.get(code, ("", ""))
    return Cell(zh or en or code, " · ".join(x for x in (code, en if zh else "") if x))


def _sum(rows: Iterable[dict[str, Any]], key: str) -> Decimal | None:
    values = [r[key] for r in rows if r.get(key) is not None]
    return sum((_dec(v) for v in values), Decimal(0)) if values else None


def _total_row(
    columns: Sequence[Column],
    rows: list[dict[str, Any]],
    summed: Iterable[str],
    label: str = "合计 / Total",
) -> Row:
    summed = set(summed)
    record = {c.key: _sum(rows, c.key) for c in columns if c.key in summed}
    cells = [format_cell(c, record[c.key]) if c.key in summed else Cell("") for c in columns]
    cells[0] = Cell(label)
    return Row(cells, css="total-row")


def _cases_text(on_time: Any, due: Any) -> str:
    return DASH if due is None else f"{int(on_time or 0):,} / {int(due):,}"


def _change_text(kind: Kind, previous: Any, current: Any) -> str:
    """The page's "previous → current", or the one value when it did not change."""
    column = Column("", "", "", kind)
    now = format_cell(column, current).text
    return now if previous == current else f"{format_cell(column, previous).text} → {now}"


# --------------------------------------------------------------------------- charts


@dataclass(frozen=True)
class Chart:
    file_name: str
    png: bytes
    alt: str

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def _figure(width: float, height: float):
    # The Agg canvas, without pyplot: no global backend switch, no GUI, safe in a worker.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def _png(fig) -> bytes:
    buf = io.BytesIO()
    # No "Software" entry: the image bytes depend on the data only.
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def _yuan_axis(ax) -> None:
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _label(row: dict[str, Any]) -> str:
    # English names on the axis: the default matplotlib fonts have no CJK glyphs.
    return str(row.get("name_en") or row.get("district_code") or "?")


def allocation_chart(rows: list[dict[str, Any]]) -> Chart | None:
    if not rows:
        return None
    labels = [_label(r) for r in rows]
    base = [float(r.get("base_yuan") or 0) for r in rows]
    incentive = [float(r.get("incentive_yuan") or 0) for r in rows]
    fig, ax = _figure(max(7.0, 0.9 * len(rows) + 2), 4.6)
    x = range(len(rows))
    ax.bar(x, base, color="#3b6ea8", label="Base")
    bars = ax.bar(x, incentive, bottom=base, color="#e3a33b", label="Incentive")
    ax.bar_label(
        bars, labels=[format_money(r.get("total_yuan")) for r in rows], fontsize=7, padding=2
    )
    ax.set_xticks(list(x), labels, rotation=30, ha="right")
    ax.set_ylabel("yuan")
    ax.set_title("Allocation per district (base + incentive)")
    ax.legend(frameon=False)
    _yuan_axis(ax)
    return Chart("allocation.png", _png(fig), "Allocation per district: base and incentive, yuan")


def changes_chart(rows: list[dict[str, Any]], names: dict[str, tuple[str, str]]) -> Chart | None:
    rows = [r for r in rows if r.get("delta_yuan") is not None]
    if not rows:
        return None
    labels = [names.get(r["district_code"], ("", ""))[1] or r["district_code"] for r in rows]
    deltas = [float(r["delta_yuan"]) for r in rows]
    fig, ax = _figure(max(7.0, 0.9 * len(rows) + 2), 3.8)
    x = range(len(rows))
    bars = ax.bar(x, deltas, color=["#2e8b57" if d >= 0 else "#c0392b" for d in deltas])
    ax.bar_label(
        bars, labels=[format_money_delta(r["delta_yuan"]) for r in rows], fontsize=7, padding=2
    )
    ax.axhline(0, color="#555555", linewidth=0.8)
    ax.set_xticks(list(x), labels, rotation=30, ha="right")
    ax.set_ylabel("yuan")
    ax.set_title("Change of total against the previous publication")
    _yuan_axis(ax)
    return Chart(
        "changes.png", _png(fig), "Change of each district's total against the previous run, yuan"
    )


def kiosk_chart(rows: list[dict[str, Any]]) -> Chart | None:
    if not rows:
        return None
    labels = [_label(r) for r in rows]
    series = [
        ("collected_yuan", "Collected", "#3b6ea8"),
        ("spent_city_mgmt_yuan", "Spent on city management", "#2e8b57"),
        ("diverted_yuan", "Diverted", "#c0392b"),
    ]
    fig, ax = _figure(max(7.0, 1.0 * len(rows) + 2), 4.0)
    width = 0.27
    for i, (key, label, colour) in enumerate(series):
        xs = [j + (i - 1) * width for j in range(len(rows))]
        ax.bar(xs, [float(r.get(key) or 0) for r in rows], width, color=colour, label=label)
    ax.set_xticks(list(range(len(rows))), labels, rotation=30, ha="right")
    ax.set_ylabel("yuan")
    ax.set_title("Kiosk fees per district")
    ax.legend(frameon=False)
    _yuan_axis(ax)
    return Chart(
        "kiosk.png",
        _png(fig),
        "Kiosk fees per district: collected, spent on city management, diverted",
    )


# --------------------------------------------------------------------------- page model


@dataclass(frozen=True)
class Fact:
    zh: str
    en: str
    value: str
    css: str = ""


@dataclass(frozen=True)
class PoolCheck:
    total: str
    pool: str
    ok: bool
    difference: str


@dataclass(frozen=True)
class DistrictLines:
    code: str
    name_zh: str
    name_en: str
    count: int
    subtotal: str
    expected: str
    ok: bool
    view: TableView


@dataclass(frozen=True)
class Section:
    """A table section: ``available`` False renders "not available" with ``missing`` named."""

    available: bool
    missing: str = ""
    view: TableView | None = None
    chart: Chart | None = None
    note: str = ""


def _missing(name: str) -> str:
    return f"published.{name}"


def _facts(data: PackData) -> list[Fact]:
    first = data.allocation.rows[0] if data.allocation.rows else {}
    run = data.run or {}
    status = run.get("review_status")
    run_id = run.get("run_id") or first.get("run_id")
    facts = [
        Fact("财政年度", "Fiscal year", str(data.fiscal_year)),
        Fact("截止日", "As-of date", data.as_of.isoformat()),
        Fact("运行编号", "Run id", run_id or f"{NOT_AVAILABLE_ZH} / {NOT_AVAILABLE_EN}"),
        Fact(
            "审核状态",
            "Review status",
            f"{REVIEW_STATUSES.get(status, status)} / {status}"
            if status
            else f"{NOT_AVAILABLE_ZH} / {NOT_AVAILABLE_EN}",
            css=f"status review-{status}" if status else "",
        ),
        Fact(
            "发布时间",
            "Published at",
            format_datetime(run.get("published_at")) + " (Asia/Shanghai)" if run else DASH,
        ),
        Fact("资金池", "Pool (yuan)", format_money(first.get("pool_yuan"))),
        Fact("基础资金池", "Base pool (yuan)", format_money(first.get("base_pool_yuan"))),
        Fact("奖励资金池", "Incentive pool (yuan)", format_money(first.get("incentive_pool_yuan"))),
        Fact(
            "奖励比例", "Incentive share", format_fraction_percent(first.get("incentive_share"), 2)
        ),
    ]
    fell_back = first.get("incentive_fell_back")
    if fell_back is None:
        fell_back_text = DASH
    elif fell_back:
        fell_back_text = "是：无区达到奖励条件，奖励资金并入基础分配 / Yes: no district qualified, the incentive pool joined the base"
    else:
        fell_back_text = "否 / No"
    facts.append(
        Fact(
            "奖励并入基础",
            "Incentive fell back into base",
            fell_back_text,
            css="warn" if fell_back else "",
        )
    )
    if run.get("reviewer"):
        facts += [
            Fact("审核人", "Reviewer", str(run["reviewer"])),
            Fact("审核时间", "Reviewed at", format_datetime(run.get("reviewed_at"))),
            Fact("审核意见", "Comment", str(run.get("review_comment") or DASH)),
        ]
    return facts


def _provenance(run: dict[str, Any] | None) -> list[Fact]:
    if not run:
        return []
    fingerprints = run.get("input_fingerprints") or []
    counts = run.get("row_counts") or {}
    counts_text = ", ".join(
        f"{k}: {v:,}" if isinstance(v, int) else f"{k}: {v}" for k, v in sorted(counts.items())
    )
    return [
        Fact("代码版本", "Code version", str(run.get("code_version") or DASH)),
        Fact("dbt 版本", "dbt version", str(run.get("dbt_version") or DASH)),
        Fact("Airflow 版本", "Airflow version", str(run.get("airflow_version") or DASH)),
        Fact("输入文件", "Input files", f"{len(fingerprints):,}"),
        Fact("行数", "Row counts", counts_text or DASH),
    ]


def _pool_check(rows: list[dict[str, Any]]) -> PoolCheck | None:
    if not rows:
        return None
    total = _sum(rows, "total_yuan") or Decimal(0)
    pools = {_dec(r["pool_yuan"]) for r in rows if r.get("pool_yuan") is not None}
    pool = pools.pop() if len(pools) == 1 else None
    ok = pool is not None and total == pool
    difference = (
        format_money_delta(total - pool)
        if pool is not None
        else "资金池不一致 / pool differs between rows"
    )
    return PoolCheck(format_money(total), format_money(pool), ok, difference)


def _allocation_section(data: PackData, names: dict[str, tuple[str, str]]) -> Section:
    table = data.allocation
    if not table.available:
        return Section(False, _missing(table.name))
    columns = ALLOCATION_PAGE_COLUMNS
    records = [
        {**r, "_cases": _cases_text(r.get("cases_on_time"), r.get("cases_due"))} for r in table.rows
    ]
    rows = [
        _row(columns, r, names, css="district-row", district=r.get("district_code"))
        for r in records
    ]
    summed = ["standard_cost_yuan", "share", "base_yuan", "own_investment_yuan",
              "incentive_share_of_pool", "incentive_yuan", "total_yuan"]  # fmt: skip
    foot = []
    if table.rows:
        foot = [_total_row(columns, table.rows, summed)]
        cases = columns.index(next(c for c in columns if c.key == "_cases"))
        foot[0].cells[cases] = Cell(
            _cases_text(_sum(table.rows, "cases_on_time") or 0, _sum(table.rows, "cases_due")),
            numeric=True,
        )
    view = TableView(columns, rows, foot, id="allocation-table")
    note = "" if table.rows else "本截止日无分配数据 / No allocation rows for this as-of date."
    return Section(True, view=view, chart=allocation_chart(table.rows), note=note)


def _changes_section(data: PackData, names: dict[str, tuple[str, str]]) -> Section:
    table = data.changes
    if not table.available:
        return Section(
            False, _missing(table.name), note="本年度首次发布 / First publication of the year"
        )
    if not table.rows:
        return Section(
            True,
            note="本年度首次发布，无可比较的上次发布 / First publication of the year: nothing to compare with.",
        )
    columns = CHANGE_PAGE_COLUMNS
    records = [
        {
            **r,
            "_score": _change_text(
                "score", r.get("previous_assessment_score"), r.get("assessment_score")
            ),
            "_pool": _change_text("money", r.get("previous_pool_yuan"), r.get("pool_yuan")),
        }
        for r in table.rows
    ]
    rows = [
        _row(columns, r, names, css="change-row", district=r.get("district_code")) for r in records
    ]
    summed = ["previous_total_yuan", "total_yuan", "delta_yuan", "standard_cost_delta_yuan"]
    view = TableView(columns, rows, [_total_row(columns, table.rows, summed)], id="changes-table")
    return Section(True, view=view, chart=changes_chart(table.rows, names))


def _lines_groups(data: PackData) -> list[DistrictLines]:
    names = data.district_names()
    expected = {r["district_code"]: r.get("standard_cost_yuan") for r in data.allocation.rows}
    by_district: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in data.lines.rows:
        by_district[r["district_code"]].append(r)
    columns = LINE_PAGE_COLUMNS
    groups = []
    for code in sorted(set(by_district) | set(expected)):
        rows = by_district.get(code, [])
        subtotal = _sum(rows, "standard_cost_yuan") or Decimal(0)
        want = expected.get(code)
        view = TableView(
            columns,
            [_row(columns, r) for r in rows],
            [
                _total_row(
                    columns,
                    rows,
                    ["cost_exact_yuan", "standard_cost_yuan"],
                    "小计 / Subtotal",
                )
            ]
            if rows
            else [],
        )
        zh, en = names.get(code, ("", ""))
        groups.append(
            DistrictLines(
                code, zh, en, len(rows), format_money(subtotal), format_money(want),
                ok=want is not None and subtotal == _dec(want), view=view,
            )
        )  # fmt: skip
    return groups


def _days_in_year(data: PackData) -> int:
    for row in [*data.lines.rows, *data.city_costs.rows]:
        if row.get("days_in_year"):
            return int(row["days_in_year"])
    start = dt.date(data.fiscal_year, 1, 1)
    return (start.replace(year=start.year + 1) - start).days


def _city_costs_section(data: PackData) -> Section:
    table = data.city_costs
    if not table.available:
        return Section(False, _missing(table.name))
    foot = (
        [_total_row(CITY_COST_PAGE_COLUMNS, table.rows, ["standard_cost_yuan"])]
        if table.rows
        else []
    )
    view = TableView(
        CITY_COST_PAGE_COLUMNS,
        [_row(CITY_COST_PAGE_COLUMNS, r) for r in table.rows],
        foot,
        id="city-costs-table",
    )
    return Section(True, view=view, note="" if table.rows else "无市本级作业 / No city-tier work.")


def unmeasured_by_class(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[r.get("asset_class") or ""].append(r)
    return [
        {
            "asset_class": cls or None,
            "assets": len({r.get("asset_id") for r in members}),
            "pairs": len(members),
            "unmeasured_days": sum(int(r.get("unmeasured_days") or 0) for r in members),
            "first_unmeasured_on": min(
                (r["first_unmeasured_on"] for r in members if r.get("first_unmeasured_on")),
                default=None,
            ),
        }
        for cls, members in sorted(groups.items())
    ]


def _unmeasured_section(data: PackData) -> Section:
    table = data.unmeasured
    if not table.available:
        return Section(False, _missing(table.name))
    summary = unmeasured_by_class(table.rows)
    foot = []
    if summary:
        foot = [_total_row(UNMEASURED_SUMMARY_COLUMNS, summary, ["pairs", "unmeasured_days"])]
        foot[0].cells[1] = format_cell(
            UNMEASURED_SUMMARY_COLUMNS[1], len({r.get("asset_id") for r in table.rows})
        )
    view = TableView(
        UNMEASURED_SUMMARY_COLUMNS,
        [_row(UNMEASURED_SUMMARY_COLUMNS, r) for r in summary],
        foot,
        id="unmeasured-table",
    )
    note = (
        "每项设施×作业的明细见工作簿 “unmeasured 未测量” 表 / Every asset and work type is listed in the workbook, sheet “unmeasured 未测量”."
        if summary
        else "所有在用设施均有核定测量 / Every active asset has a verified measurement."
    )
    return Section(True, view=view, note=note)


def _kiosk_section(data: PackData, names: dict[str, tuple[str, str]]) -> Section:
    table = data.kiosk
    if not table.available:
        return Section(False, _missing(table.name))
    columns = KIOSK_PAGE_COLUMNS
    rows = [
        _row(columns, r, names, css="kiosk-row", district=r.get("district_code"))
        for r in table.rows
    ]
    money = [c.key for c in columns if c.kind == "money"]
    foot = [_total_row(columns, table.rows, money)] if table.rows else []
    view = TableView(columns, rows, foot, id="kiosk-table")
    note = "" if table.rows else "本截止日无占道费数据 / No kiosk-fee rows for this as-of date."
    return Section(True, view=view, chart=kiosk_chart(table.rows), note=note)


def _kiosk_flags_section(data: PackData, names: dict[str, tuple[str, str]]) -> Section:
    table = data.kiosk_flags
    if not table.available:
        return Section(False, _missing(table.name))
    if not table.rows:
        return Section(True, note="无被标记凭证 / No flagged vouchers.")
    columns = KIOSK_FLAG_PAGE_COLUMNS
    rows = [
        _row(columns, r, names, css="flag-row", district=r.get("district_code")) for r in table.rows
    ]
    foot = [_total_row(columns, table.rows, ["amount_yuan"])]
    return Section(True, view=TableView(columns, rows, foot, id="kiosk-flags-table"))


def _dq_sections(data: PackData) -> tuple[Section, Section]:
    dq = data.data_quality
    if not dq.available:
        return Section(False, _missing("data_quality_issues")), Section(
            False, _missing("data_quality_issues")
        )
    if not dq.counts:
        empty = Section(
            True,
            note="截止日及以前的分区无隔离数据 / Nothing quarantined in partitions up to the as-of date.",
        )
        return empty, Section(True)
    counts_view = TableView(DQ_COUNT_COLUMNS, [_row(DQ_COUNT_COLUMNS, r) for r in dq.counts],
                            [_total_row(DQ_COUNT_COLUMNS, dq.counts, ["issues"])], id="dq-counts-table")  # fmt: skip
    shown = dq.rows[:DQ_PAGE_ROWS]
    rows_view = TableView(
        DQ_ROW_COLUMNS, [_row(DQ_ROW_COLUMNS, r) for r in shown], id="dq-rows-table"
    )
    note = f"最近的 {len(shown):,} 条，共 {dq.total:,} 条 / The latest {len(shown):,} of {dq.total:,} issues (newest partition first)."
    return Section(True, view=counts_view), Section(True, view=rows_view, note=note)


def _template_env():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@dataclass(frozen=True)
class Page:
    html: str
    charts: list[Chart]


def render_page(data: PackData) -> Page:
    names = data.district_names()
    allocation = _allocation_section(data, names)
    changes = _changes_section(data, names)
    kiosk = _kiosk_section(data, names)
    dq_counts, dq_rows = _dq_sections(data)
    run = data.run or {}
    run_id = run.get("run_id")
    published_run_ids = sorted({r["run_id"] for r in data.allocation.rows if r.get("run_id")})
    context = {
        "as_of": data.as_of.isoformat(),
        "fiscal_year": data.fiscal_year,
        "facts": _facts(data),
        "provenance": _provenance(data.run),
        "run_id": run_id,
        "review_status": run.get("review_status"),
        "approve_command": APPROVE_COMMAND.format(run_id=run_id) if run_id else "",
        "reject_command": REJECT_COMMAND.format(run_id=run_id) if run_id else "",
        "run_mismatch": bool(run_id and published_run_ids and published_run_ids != [run_id]),
        "published_run_ids": published_run_ids,
        "allocation": allocation,
        "pool_check": _pool_check(data.allocation.rows),
        "changes": changes,
        "lines_available": data.lines.available,
        "days_in_year": _days_in_year(data),
        "lines_missing": _missing(data.lines.name),
        "lines": _lines_groups(data) if data.lines.available else [],
        "city_costs": _city_costs_section(data),
        "unmeasured": _unmeasured_section(data),
        "kiosk": kiosk,
        "kiosk_flags": _kiosk_flags_section(data, names),
        "dq_counts": dq_counts,
        "dq_rows": dq_rows,
        "not_available": f"{NOT_AVAILABLE_ZH} / {NOT_AVAILABLE_EN}",
    }
    html = _template_env().get_template("review.html.j2").render(**context)
    charts = [s.chart for s in (allocation, changes, kiosk) if s.chart is not None]
    return Page(html, charts)


# --------------------------------------------------------------------------- workbook

MONEY_FORMAT = "#,##0.00"
EXCEL_FORMATS: dict[str, str] = {
    "money": MONEY_FORMAT,
    "money_delta": "+#,##0.00;-#,##0.00;0.00",
    "int": "#,##0",
    "score": "0.00",
    "share": "0.0000%",
    "rate": "0.00%",
    "quantity": "#,##0.000000",
    "days": "#,##0.0000",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm:ss",
}
SHEET_CELL_LIMIT = 32_000  # Excel refuses cells over 32,767 characters


def excel_value(column: Column, value: Any) -> Any:
    """A value as a workbook cell: numbers as numbers, times in the city's zone, codes as codes."""
    if value is None:
        return None
    if column.kind == "int":
        return int(value)
    if column.numeric:
        return float(value)  # Excel has no decimal type; the number format shows the fen
    if column.kind == "datetime" and isinstance(value, dt.datetime):
        return value.astimezone(CITY_TIMEZONE).replace(tzinfo=None) if value.tzinfo else value
    if column.kind == "json":
        return _json_text(value, SHEET_CELL_LIMIT)
    if isinstance(value, (dt.date, bool, int, str)):
        return value
    return str(value)


def _display_width(text: str) -> int:
    # CJK characters take two columns of Excel's width unit
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


@dataclass(frozen=True)
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: list[dict[str, Any]]
    available: bool = True
    missing: str = ""
    totals: Sequence[str] = ()
    note: str = ""


def _write_sheet(wb, sheet: Sheet) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(sheet.title)
    bold = Font(bold=True)
    ws.append([c.label for c in sheet.columns])
    for cell in ws[1]:
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="DDE5F0")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    # wide enough for the bilingual header to wrap onto two lines at most
    widths = [min(max(_display_width(c.label) // 2 + 3, 10), 40) for c in sheet.columns]
    if not sheet.available:
        ws.append([f"{NOT_AVAILABLE_ZH} / {NOT_AVAILABLE_EN}: {sheet.missing}"])
    for record in sheet.rows:
        ws.append([excel_value(c, record.get(c.key)) for c in sheet.columns])
    if sheet.totals and sheet.rows:
        totals = {key: _sum(sheet.rows, key) for key in sheet.totals}
        ws.append(
            [excel_value(c, totals[c.key]) if c.key in totals else None for c in sheet.columns]
        )
        ws.cell(ws.max_row, 1, "合计 / Total")
        for cell in ws[ws.max_row]:
            cell.font = bold
    if sheet.note:
        ws.append([sheet.note])
    for i, column in enumerate(sheet.columns, start=1):
        number_format = EXCEL_FORMATS.get(column.kind)
        for record in sheet.rows:
            shown = format_cell(column, record.get(column.key)).text
            widths[i - 1] = max(widths[i - 1], min(_display_width(shown) + 2, 60))
        for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
            if number_format and not isinstance(cell.value, str):
                cell.number_format = number_format
        ws.column_dimensions[get_column_letter(i)].width = widths[i - 1]
    ws.row_dimensions[1].height = 45  # three lines of 11 pt


def _summary_sheet(wb, data: PackData) -> None:
    from openpyxl.styles import Font

    ws = wb.create_sheet("review 审核")
    ws.append(["项目 / Item", "值 / Value"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    run = data.run or {}
    first = data.allocation.rows[0] if data.allocation.rows else {}
    when = Column("", "", "", "datetime")
    approve = APPROVE_COMMAND.format(run_id=run["run_id"]) if run.get("run_id") else None
    items: list[tuple[str, Any, str | None]] = [
        ("财政年度 / Fiscal year", data.fiscal_year, None),
        ("截止日 / As-of date", data.as_of, EXCEL_FORMATS["date"]),
        ("运行编号 / Run id", run.get("run_id") or first.get("run_id"), None),
        ("审核状态 / Review status", run.get("review_status"), None),
        ("审核人 / Reviewer", run.get("reviewer"), None),
        ("审核时间 / Reviewed at", excel_value(when, run.get("reviewed_at")), EXCEL_FORMATS["datetime"]),
        ("审核意见 / Comment", run.get("review_comment"), None),
        ("发布时间 / Published at", excel_value(when, run.get("published_at")), EXCEL_FORMATS["datetime"]),
        ("资金池 / Pool (yuan)", first.get("pool_yuan"), MONEY_FORMAT),
        ("基础资金池 / Base pool (yuan)", first.get("base_pool_yuan"), MONEY_FORMAT),
        ("奖励资金池 / Incentive pool (yuan)", first.get("incentive_pool_yuan"), MONEY_FORMAT),
        ("奖励比例 / Incentive share", first.get("incentive_share"), EXCEL_FORMATS["rate"]),
        ("奖励并入基础 / Incentive fell back into base", first.get("incentive_fell_back"), None),
        ("分配合计 / Sum of district totals (yuan)", _sum(data.allocation.rows, "total_yuan"), MONEY_FORMAT),
        ("代码版本 / Code version", run.get("code_version"), None),
        ("批准 / Approve", approve, None),
    ]  # fmt: skip
    for label, value, number_format in items:
        ws.append([label, float(value) if isinstance(value, Decimal) else value])
        if number_format and value is not None:
            ws.cell(ws.max_row, 2).number_format = number_format
    ws.column_dimensions["A"].width = 48
    ws.column_dimensions["B"].width = 72


def _sheets(data: PackData) -> list[Sheet]:
    dq = data.data_quality
    dq_rows = dq.rows[:DQ_SHEET_ROWS]
    dq_note = (
        f"前 {len(dq_rows):,} 条，共 {dq.total:,} 条 / First {len(dq_rows):,} of {dq.total:,} issues"
        if dq.total > len(dq_rows)
        else ""
    )
    table_sheets = [
        ("allocation 分配", ALLOCATION_COLUMNS, data.allocation,
         [c.key for c in ALLOCATION_COLUMNS if c.kind == "money" or c.key in ("cases_due", "cases_on_time")]),
        ("lines 明细", LINE_COLUMNS, data.lines, ["standard_cost_yuan"]),
        ("city costs 市本级", CITY_COST_COLUMNS, data.city_costs, ["standard_cost_yuan"]),
        ("changes 变动", CHANGE_COLUMNS, data.changes, ["previous_total_yuan", "total_yuan", "delta_yuan"]),
        ("unmeasured 未测量", UNMEASURED_COLUMNS, data.unmeasured, []),
        ("kiosk compliance 占道费", KIOSK_COLUMNS, data.kiosk, [c.key for c in KIOSK_COLUMNS if c.kind == "money"]),
        ("kiosk flags 占道费凭证", KIOSK_FLAG_COLUMNS, data.kiosk_flags, ["amount_yuan"]),
    ]  # fmt: skip
    sheets = [
        Sheet(title, columns, table.rows, table.available, _missing(table.name), totals)
        for title, columns, table, totals in table_sheets
    ]
    sheets += [
        Sheet("data quality 数据质量", DQ_COUNT_COLUMNS, dq.counts, dq.available, _missing("data_quality_issues"), ["issues"]),
        Sheet("dq issues 质量问题", DQ_ROW_COLUMNS, dq_rows, dq.available, _missing("data_quality_issues"), note=dq_note),
    ]  # fmt: skip
    return sheets


def _workbook_stamp(data: PackData) -> dt.datetime:
    """The run's publication as naive UTC, which is what workbook properties hold."""
    return data.stamp.astimezone(dt.UTC).replace(tzinfo=None)


def render_workbook(data: PackData) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    _summary_sheet(wb, data)
    for sheet in _sheets(data):
        _write_sheet(wb, sheet)
    stamp = _workbook_stamp(data)
    props = wb.properties
    props.creator = "munifund"
    props.lastModifiedBy = "munifund"
    props.title = f"城市维护经费审核包 / Maintenance fund review pack {data.as_of.isoformat()}"
    props.created = stamp
    buf = io.BytesIO()
    wb.save(buf)
    props.modified = stamp  # openpyxl stamps the clock on save; put the run's time back
    return _reproducible_zip(buf.getvalue(), props, data.stamp)


def _reproducible_zip(xlsx: bytes, props, stamp: dt.datetime) -> bytes:
    """Rewrite the package with fixed entry times and the fixed core properties."""
    from openpyxl.xml.functions import tostring

    date_time = stamp.replace(tzinfo=None).timetuple()[:6]
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            payload = (
                tostring(props.to_tree())
                if item.filename == "docProps/core.xml"
                else src.read(item)
            )
            info = zipfile.ZipInfo(item.filename, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, payload)
    return out.getvalue()


# --------------------------------------------------------------------------- files


def _replace_file(path: Path, content: bytes) -> None:
    """Write next to the target and rename over it: a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(content)
    os.replace(tmp, path)


def write_review_pack(conn: psycopg.Connection, as_of: dt.date, reviews_dir: Path) -> Path:
    """Write ``reviews_dir/<as_of>/review.html``, ``review.xlsx`` and the charts; return the folder.

    Reads only schema ``published``. Re-writing replaces the files; a chart that has nothing to
    show any more (say, kiosk fees gone) is removed.
    """
    data = read_pack_data(conn, as_of)
    folder = Path(reviews_dir) / as_of.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    page = render_page(data)
    written = set()
    for chart in page.charts:
        _replace_file(folder / chart.file_name, chart.png)
        written.add(chart.file_name)
    for stale in set(CHART_NAMES) - written:
        (folder / stale).unlink(missing_ok=True)
    _replace_file(folder / HTML_NAME, page.html.encode("utf-8"))
    _replace_file(folder / XLSX_NAME, render_workbook(data))
    return folder


__all__ = ["read_pack_data", "render_page", "render_workbook", "write_review_pack"]
