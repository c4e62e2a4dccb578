"""The catalog: every column the pack shows, with its 中文 / English header and its kind.

A column's kind decides how a value is shown (``formatting``) and which number format the
workbook gives it; a coded kind also names the vocabulary of ``seed_code_labels.csv`` that labels its
codes (``formatting.KIND_VOCABULARIES``). The tuples here are the workbook's sheets, every column
of the published table; the page folds some of them together (``sections``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal[
    "text", "district", "cases", "pair", "money", "money_delta", "int", "score", "share", "rate",
    "quantity", "days", "date", "datetime", "bool", "json",
    "tier", "work_type", "asset_class", "kiosk_status", "flag_reason", "drivers", "unmeasured_reason",
    "category", "incentive_basis",
    "payment_status", "spending_status", "spending_reason", "comparison", "enforcement_status",
    "quarter_score", "adjustment_kind", "purpose", "funding_source",
]  # fmt: skip


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
    "money", "money_delta", "int", "score", "quarter_score", "share", "rate", "quantity", "days", "cases", "pair",
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
    Column("baseline_standard_cost_yuan", "年初标准经费", "Baseline standard cost (yuan)", "money"),
    Column("share", "年初标准经费占比", "Share of baseline standard cost", "share"),
    Column("base_yuan", "基础分配", "Base (yuan)", "money"),
    Column("cases_due", "到期案件", "Cases due", "int"),
    Column("cases_on_time", "按时办结", "Cases on time", "int"),
    Column("assessment_score", "考核得分", "Assessment score", "score"),
    Column("own_investment_yuan", "区自有投入", "Own investment (yuan)", "money"),
    Column("incentive_share_of_pool", "奖励占比", "Share of incentive pool", "share"),
    Column("incentive_yuan", "奖励", "Incentive (yuan)", "money"),
    Column("devolved_yuan", "费随事转", "Money that followed the task (yuan)", "money_delta"),
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
STREET_COLUMNS = (
    DISTRICT_CODE,
    Column("street_code", "街道代码", "Street office code"),
    Column("name_zh", "街道办事处", "Street office"),
    Column("street_tier_cost_yuan", "街道级标准经费", "Street-tier cost (yuan)", "money"),
    Column("share_of_district", "占区标准经费", "Share of district's standard cost", "share"),
    Column("indicative_yuan", "参考金额", "Indicative amount (yuan)", "money"),
)
ASSESSMENT_COLUMNS = (
    DISTRICT_CODE,
    Column("street_code", "街道代码", "Street office code"),
    Column("category", "类别", "Category", "category"),
    Column("cases_due", "到期案件", "Cases due", "int"),
    Column("on_time", "按时办结", "On time", "int"),
    Column("late", "超时办结", "Late", "int"),
    Column("still_open", "未办结", "Still open", "int"),
    Column("score", "考核得分", "Score", "score"),
    Column("rank", "排名", "Rank", "int"),
)
#: The assets behind each line (their published table): the line's key, then the asset,
#: the verified measurement that counted, and its days.
ASSET_COLUMNS = (
    *LINE_COLUMNS[:5],
    Column("street_code", "街道办事处", "Street office"),
    Column("asset_id", "设施编号", "Asset"),
    Column("asset_name", "设施名称", "Asset name"),
    Column("measurement_id", "测量编号", "Measurement"),
    Column("quantity", "测量作业量", "Measured quantity", "quantity"),
    Column("unit", "单位", "Unit"),
    Column("effective_from", "测量生效日", "Measurement effective from", "date"),
    Column("is_verified", "已核定", "Verified", "bool"),
    Column("verified_by", "核定人", "Verified by"),
    Column("verified_on", "核定日", "Verified on", "date"),
    Column("days", "计入天数", "Days counted", "int"),
    Column("unit_days", "作业量×天", "Unit-days", "days"),
    Column("quantity_unit_years", "作业量（年）", "Quantity (unit-years)", "quantity"),
    Column("rate_yuan", "经费标准", "Rate (yuan per unit-year)", "money"),
    Column("cost_exact_yuan", "精确经费", "Exact cost (yuan)", "quantity"),
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
DISBURSEMENT_COLUMNS = (
    DISTRICT_CODE,
    NAME_ZH,
    NAME_EN,
    Column("total_yuan", "下达计划", "Plan in force (yuan)", "money"),
    Column("due_share", "应拨比例", "Share due", "share"),
    Column("due_to_date_yuan", "截至应拨", "Due to date (yuan)", "money"),
    Column("paid_to_date_yuan", "截至已拨", "Paid to date (yuan)", "money"),
    Column("shortfall_yuan", "欠拨", "Shortfall (yuan)", "money"),
    Column("balance_of_year_yuan", "全年待拨", "Balance of year (yuan)", "money_delta"),
    Column("worst_days_late", "最长逾期天数", "Worst days late", "int"),
    Column("status", "拨付状态", "Payment status", "payment_status"),
)
SPENDING_COLUMNS = (
    DISTRICT_CODE,
    NAME_ZH,
    NAME_EN,
    Column("received_yuan", "已收到", "Received (yuan)", "money"),
    Column("spent_maintenance_yuan", "维护支出", "Spent on maintenance (yuan)", "money"),
    Column("diverted_yuan", "挪用", "Diverted (yuan)", "money"),
    Column("unspent_yuan", "结余", "Unspent (yuan)", "money_delta"),
    Column("usage_rate", "使用率", "Usage rate", "rate"),
    Column("status", "状态", "Status", "spending_status"),
    Column("opening_yuan", "上年结转", "Carried over from last year (yuan)", "money_delta"),
)
SPENDING_FLAG_COLUMNS = (
    DISTRICT_CODE,
    Column("voucher_id", "凭证号", "Voucher"),
    Column("paid_at", "支付时间", "Paid at", "datetime"),
    Column("amount_yuan", "金额", "Amount (yuan)", "money"),
    Column("purpose_code", "用途代码", "Purpose code"),
    Column("reason", "原因", "Reason", "spending_reason"),
    Column("district_status", "区状态", "District status", "spending_status"),
)
COVERAGE_COLUMNS = (
    DISTRICT_CODE,
    NAME_ZH,
    NAME_EN,
    Column("standard_cost_yuan", "标准经费", "Standard cost (yuan)", "money"),
    Column("total_yuan", "分配合计", "Allocation (yuan)", "money"),
    Column("coverage", "足额率", "Coverage", "rate"),
)
_WORK_TYPES = (
    ("road_maintenance", "道路维修养护", "Road maintenance"),
    ("bridge_maintenance", "桥梁维修养护", "Bridge maintenance"),
    ("sweeping", "清扫保洁", "Sweeping"),
    ("greening", "绿化养护", "Greening"),
    ("facility_upkeep", "设施维护", "Facility upkeep"),
)
YEAR_OVER_YEAR_COLUMNS = (
    Column("district_code", "区代码（空为全市）", "District code (empty: the city)"),
    Column("comparison", "比较", "Comparison", "comparison"),
    Column("previous_as_of_date", "上年截止日", "Previous year's as-of date", "date"),
    Column("previous_standard_cost_yuan", "上年标准经费", "Previous standard cost (yuan)", "money"),
    Column("standard_cost_yuan", "标准经费", "Standard cost (yuan)", "money"),
    Column("standard_cost_growth_pct", "标准经费增长%", "Standard cost growth (%)", "score"),
    Column("previous_total_yuan", "上年分配", "Previous total (yuan)", "money"),
    Column("total_yuan", "分配", "Total (yuan)", "money"),
    Column("total_growth_pct", "分配增长%", "Total growth (%)", "score"),
    Column("previous_pool_yuan", "上年资金池", "Previous pool (yuan)", "money"),
    Column("pool_yuan", "资金池", "Pool (yuan)", "money"),
    Column("pool_growth_pct", "资金池增长%", "Pool growth (%)", "score"),
    Column("previous_coverage", "上年足额率", "Previous coverage", "rate"),
    Column("coverage", "足额率", "Coverage", "rate"),
    *(
        column
        for key, zh, en in _WORK_TYPES
        for column in (
            Column(
                f"previous_{key}_unit_years",
                f"上年{zh}（年）",
                f"Previous {en} (unit-years)",
                "quantity",
            ),
            Column(f"{key}_unit_years", f"{zh}（年）", f"{en} (unit-years)", "quantity"),
        )
    ),
    Column("pool_kept_pace", "经费增长不低于标准经费", "Money kept pace", "bool"),
    Column(
        "baseline_approved", "上年基准为批准计划", "Baseline is last year's approved plan", "bool"
    ),
    Column("previous_run_id", "上年基准运行", "Last year's baseline run"),
)
#: The budget year (下达, 追加/追减, 结算): the plan in force, its adjustments, the settlement.
PLAN_COLUMNS = (
    DISTRICT_CODE,
    NAME_ZH,
    NAME_EN,
    Column("plan_yuan", "下达计划", "Plan in force (yuan)", "money"),
    Column("plan_run_id", "计划所据运行", "Plan's run"),
    Column("plan_as_of_date", "计划截止日", "Plan as of", "date"),
    Column("decision_id", "决定编号", "Decision", "int"),
    Column("approved_by", "批准人", "Approved by"),
    Column("approved_at", "批准时间", "Approved at", "datetime"),
)
#: A draft against the plan in force (the allocation's last columns).
PLAN_CHANGE_COLUMNS = (
    DISTRICT_CODE,
    NAME_ZH,
    NAME_EN,
    Column("total_yuan", "本次测算", "This draft (yuan)", "money"),
    Column("plan_yuan", "下达计划", "Plan in force (yuan)", "money"),
    Column("change_from_plan_yuan", "批准后追加(+)/追减(-)", "Approving would change (yuan)", "money_delta"),
)  # fmt: skip
ADJUSTMENT_COLUMNS = (
    Column("decision_id", "决定编号", "Decision", "int"),
    DISTRICT_CODE,
    Column("kind", "类型", "Kind", "adjustment_kind"),
    Column("previous_plan_yuan", "原计划", "Previous plan (yuan)", "money"),
    Column("new_plan_yuan", "新计划", "New plan (yuan)", "money"),
    Column("adjustment_yuan", "调整额", "Adjustment (yuan)", "money_delta"),
    Column("drivers", "变动因素", "Drivers", "drivers"),
    Column("plan_run_id", "新计划所据运行", "New plan's run"),
    Column("previous_plan_run_id", "原计划所据运行", "Previous plan's run"),
    Column("decided_by", "决定人", "Decided by"),
    Column("decided_at", "决定时间", "Decided at", "datetime"),
    Column("flag", "提示", "Flag"),
)
SETTLEMENT_COLUMNS = (
    Column("settled_fiscal_year", "结算年度", "Settled year", "int"),
    DISTRICT_CODE,
    NAME_ZH,
    NAME_EN,
    Column("plan_yuan", "计划", "Plan (yuan)", "money"),
    Column("paid_yuan", "已拨付", "Paid (yuan)", "money"),
    Column("owed_yuan", "应补(+)/应退(-)", "Owed: + city owes, - returned (yuan)", "money_delta"),
    Column("unspent_yuan", "结余", "Unspent (yuan)", "money_delta"),
    Column("carried_over_yuan", "结转下年", "Carried over (yuan)", "money_delta"),
    Column("plan_run_id", "计划所据运行", "Plan's run"),
)
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

#: A what-if scenario against the published allocation (its table of ``published``).
SCENARIO_COLUMNS = (
    DISTRICT_CODE,
    NAME_ZH,
    NAME_EN,
    Column("published_standard_cost_yuan", "标准经费（已发布）", "Standard cost, published (yuan)", "money"),
    Column("scenario_standard_cost_yuan", "标准经费（测算）", "Standard cost, scenario (yuan)", "money"),
    Column("published_base_yuan", "基础分配（已发布）", "Base, published (yuan)", "money"),
    Column("scenario_base_yuan", "基础分配（测算）", "Base, scenario (yuan)", "money"),
    Column("published_incentive_yuan", "奖励（已发布）", "Incentive, published (yuan)", "money"),
    Column("scenario_incentive_yuan", "奖励（测算）", "Incentive, scenario (yuan)", "money"),
    Column("published_total_yuan", "分配合计（已发布）", "Total, published (yuan)", "money"),
    Column("scenario_total_yuan", "分配合计（测算）", "Total, scenario (yuan)", "money"),
    Column("delta_yuan", "差额", "Delta (yuan)", "money_delta"),
    Column("plan_yuan", "下达计划", "Plan in force (yuan)", "money"),
    Column("delta_from_plan_yuan", "较下达计划", "Delta from the plan (yuan)", "money_delta"),
)  # fmt: skip
#: The scenarios of a date, as the review pack lists them.
SCENARIO_LIST_COLUMNS = (
    Column("scenario", "测算", "Scenario"),
    # a run published for the date after the scenario was computed makes it a comparison with
    # an older run: the list says which
    Column("published_run_id", "对比的已发布运行", "Compared with run"),
    Column("changed_parameters", "改变的参数", "Changed parameters", "json"),
    Column("pool_yuan", "资金池（测算）", "Pool, scenario (yuan)", "money"),
    Column("gains_yuan", "增加合计", "Sum of the districts' gains (yuan)", "money_delta"),
    Column("losses_yuan", "减少合计", "Sum of the districts' losses (yuan)", "money_delta"),
    Column("computed_at", "测算时间", "Computed at", "datetime"),
    Column("computed_by", "测算人", "Computed by"),
)  # fmt: skip
