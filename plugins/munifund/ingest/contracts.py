"""The input contract of shared/spec/sources.md, as data.

One `SourceContract` per source: its columns in delivery order, its key, and what each column
must hold. The loader derives from it the raw table, the header check and the SQL that sorts
good rows from bad ones, so a rule lives here once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

WORK_TYPES = ("road_maintenance", "bridge_maintenance", "sweeping", "greening", "facility_upkeep")
ASSET_CLASSES = (
    "expressway", "trunk_road", "secondary_road", "branch_road", "back_lane", "courtyard",
    "bridge", "elevated_underside", "pedestrian_crossing", "city_park", "green_belt",
    "public_toilet", "transfer_station", "bin_point",
)  # fmt: skip
TIERS = ("city", "district", "street")
FUNDING_SOURCES = ("kiosk_fee", "city_allocation", "district_own")
# sources.md: verified is true/false/是/否; the usual spreadsheet spellings are accepted too.
BOOLEAN_TRUE = ("true", "t", "yes", "y", "1", "是")
BOOLEAN_FALSE = ("false", "f", "no", "n", "0", "否")
# the spellings a delivery template offers to pick from (ingest/templates.py): sources.md's
BOOLEAN_OFFERED = ("是", "否", "true", "false")


class Kind(Enum):
    TEXT = "text"
    DATE = "date"
    TIMESTAMP = "timestamp"
    QUANTITY = "quantity"  # non-negative decimal
    MONEY = "money"  # non-negative yuan, at most 2 decimals
    # yuan, at most 2 decimals, may be negative (a deficit carried forward, a recovery)
    BALANCE = "balance"
    SHARE = "share"  # incentive share, 0 <= s <= 0.5
    CUMULATIVE_SHARE = "cumulative_share"  # a schedule's share of the year, 0 < s <= 1
    ORDINAL = "ordinal"  # a positive whole number: 1, 2, 3, ...
    COUNT = "count"  # a whole number of people or things: 0, 1, 2, ...
    QUARTER = "quarter"  # a quarter of the fiscal year: 1 to 4
    SCORE = "score"  # an assessment score, 0 to 100, at most 2 decimals
    YEAR = "year"
    BOOLEAN = "boolean"


# The most characters a value may hold, so that a runaway export (a 10 MB code) is quarantined
# rather than loaded. A key, code or reference holds a code; a name a name.
CODE_LENGTH = 64
NAME_LENGTH = 200
# a decimal: 16 digits before the point, and room for zeros after the allowed decimals
NUMBER_LENGTH = 40
# by kind, for a column that names none of its own; a date, timestamp, year or boolean is
# bounded by its shape already
MAX_LENGTH = {
    Kind.TEXT: CODE_LENGTH,
    **dict.fromkeys(
        (Kind.QUANTITY, Kind.MONEY, Kind.BALANCE, Kind.SHARE, Kind.COUNT, Kind.QUARTER, Kind.SCORE),
        NUMBER_LENGTH,
    ),
}


# A column's Chinese label by its name, the same in every source that has the column: a header
# may name a column by its label instead (reader.header_map). A Column's own label_zh wins.
LABELS_ZH = {
    "district_code": "区代码", "name_zh": "中文名称", "name_en": "英文名称",
    "street_code": "街道代码", "asset_class": "资产类别", "work_type": "作业类型",
    "tier": "层级", "valid_from": "生效日期", "valid_to": "失效日期", "rate_yuan": "经费标准",
    "unit": "单位", "purpose_code": "用途代码", "is_city_management": "是否城市管理",
    "asset_id": "资产编号", "name": "名称", "connected_to": "所连资产",
    "commissioned_on": "启用日期", "retired_on": "停用日期", "measurement_id": "测量编号",
    "quantity": "数量", "effective_from": "起算日期", "verified": "是否核实",
    "verified_by": "核实人", "verified_on": "核实日期", "transfer_id": "移交编号",
    "to_tier": "移交层级", "to_district_code": "接收区代码", "effective_date": "移交日期",
    "decree_ref": "文件号", "fiscal_year": "年度", "pool_yuan": "资金池金额",
    "incentive_share": "奖励比例", "amount_yuan": "金额", "case_id": "案件编号",
    "category": "案件类别", "reported_at": "上报时间", "deadline_at": "处置时限",
    "closed_at": "结案时间", "kiosk_id": "摊亭编号", "kiosk_type": "摊亭类型",
    "permit_no": "许可证号", "area_m2": "占道面积", "monthly_rate_yuan_per_m2": "月收费标准",
    "licensed_from": "许可起始日期", "licensed_to": "许可截止日期", "receipt_id": "收据编号",
    "paid_at": "付款时间", "voucher_id": "凭证编号", "funding_source": "资金来源",
    "kiosk_fee_planned_yuan": "占道费计划金额", "kiosk_fee_balance_yuan": "占道费期初余额",
    "payment_id": "拨付编号", "paid_on": "拨付日期", "reverses": "冲回拨付编号",
    "instalment": "期次", "due_on": "应拨日期", "cumulative_share": "累计拨付比例",
    "approved_headcount": "核定人数", "yuan_per_head": "人均经费", "quarter": "季度",
    "assessed_on": "考核日期", "score": "考核得分", "assessor": "考核单位",
}  # fmt: skip

# A column's English label by its name, as LABELS_ZH: the delivery templates' data dictionary
# (ingest/templates.py). A Column's own label_en wins.
LABELS_EN = {
    "district_code": "District code", "name_zh": "Name (Chinese)", "name_en": "Name (English)",
    "street_code": "Street office code", "asset_class": "Asset class", "work_type": "Work type",
    "tier": "Tier", "valid_from": "Valid from", "valid_to": "Valid to",
    "rate_yuan": "Rate (yuan)", "unit": "Unit", "purpose_code": "Purpose code",
    "is_city_management": "Is city management", "asset_id": "Asset ID", "name": "Name",
    "connected_to": "Connected to asset", "commissioned_on": "Commissioned on",
    "retired_on": "Retired on", "measurement_id": "Measurement ID", "quantity": "Quantity",
    "effective_from": "Effective from", "verified": "Verified", "verified_by": "Verified by",
    "verified_on": "Verified on", "transfer_id": "Transfer ID", "to_tier": "To tier",
    "to_district_code": "To district code", "effective_date": "Effective date",
    "decree_ref": "Decree reference", "fiscal_year": "Fiscal year", "pool_yuan": "Pool (yuan)",
    "incentive_share": "Incentive share", "amount_yuan": "Amount (yuan)", "case_id": "Case ID",
    "category": "Category", "reported_at": "Reported at", "deadline_at": "Deadline at",
    "closed_at": "Closed at", "kiosk_id": "Kiosk ID", "kiosk_type": "Kiosk type",
    "permit_no": "Permit number", "area_m2": "Area (m²)",
    "monthly_rate_yuan_per_m2": "Monthly rate (yuan per m²)", "licensed_from": "Licensed from",
    "licensed_to": "Licensed to", "receipt_id": "Receipt ID", "paid_at": "Paid at",
    "voucher_id": "Voucher ID", "funding_source": "Funding source",
    "kiosk_fee_planned_yuan": "Kiosk fee planned (yuan)",
    "kiosk_fee_balance_yuan": "Kiosk fee opening balance (yuan)", "payment_id": "Payment ID",
    "paid_on": "Paid on", "reverses": "Reverses payment", "instalment": "Instalment",
    "due_on": "Due on", "cumulative_share": "Cumulative share",
    "approved_headcount": "Approved headcount", "yuan_per_head": "Yuan per head",
    "quarter": "Quarter", "assessed_on": "Assessed on", "score": "Score", "assessor": "Assessor",
}  # fmt: skip

# A column's example value by its name, as a department would deliver it: the delivery
# templates' example row and data dictionary (ingest/templates.py). One made-up district,
# street, asset and kiosk, so that each source's example names rows that the other sources'
# examples deliver: delivered together, every example row loads (tests/munifund/ingest/
# test_templates.py). Empty: the column is usually left empty. A Column's own example wins.
EXAMPLES = {
    "district_code": "230102", "name_en": "Daoli", "street_code": "230102001",
    "asset_class": "trunk_road", "work_type": "road_maintenance", "tier": "district",
    "valid_from": "2026-01-01", "valid_to": "", "rate_yuan": "12.50", "unit": "m2",
    "purpose_code": "CM01", "is_city_management": "true", "asset_id": "TR-0001",
    "name": "友谊路", "connected_to": "", "commissioned_on": "2010-05-01", "retired_on": "",
    "measurement_id": "M-0001", "quantity": "15200.5", "effective_from": "2026-01-01",
    "verified": "是", "verified_by": "市城管局", "verified_on": "2026-01-15",
    "transfer_id": "T-0001", "to_tier": "street", "to_district_code": "230102",
    "effective_date": "2026-07-01", "decree_ref": "哈城管发〔2026〕12号", "fiscal_year": "2026",
    "pool_yuan": "50000000.00", "incentive_share": "0.05", "amount_yuan": "1200.00",
    "case_id": "WO-2026-000001", "category": "component", "reported_at": "2026-03-01 09:30",
    "deadline_at": "2026-03-03 09:30", "closed_at": "2026-03-02 16:00", "kiosk_id": "K-0001",
    "kiosk_type": "报刊亭", "permit_no": "XK-2026-001", "area_m2": "6.5",
    "monthly_rate_yuan_per_m2": "30.00", "licensed_from": "2026-01-01",
    "licensed_to": "2026-12-31", "receipt_id": "R-0001", "paid_at": "2026-01-05 10:00",
    "voucher_id": "V-2026-0001", "funding_source": "kiosk_fee",
    "kiosk_fee_planned_yuan": "2400.00", "kiosk_fee_balance_yuan": "350.00",
    "payment_id": "PAY-2026-230102-1", "paid_on": "2026-01-31", "reverses": "",
    "instalment": "1", "due_on": "2026-01-31", "cumulative_share": "0.25",
    "approved_headcount": "40", "yuan_per_head": "60000.00", "quarter": "1",
    "assessed_on": "2026-04-10", "score": "92.5", "assessor": "市城管执法局",
}  # fmt: skip


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = Kind.TEXT
    required: bool = False
    allowed: tuple[str, ...] = ()
    # (source, column) whose values this column must name, e.g. ("districts", "district_code")
    references: tuple[str, str] | None = None
    # a reference that may also be `*` (asset_transfers.work_type)
    wildcard: str | None = None
    # the most characters a value may hold; None: the kind's (MAX_LENGTH)
    max_length: int | None = None
    # the column's Chinese label, which a header may use instead of its name; None: LABELS_ZH's
    label_zh: str | None = None
    # its English label in the templates' data dictionary; None: LABELS_EN's
    label_en: str | None = None
    # its value in the templates' example row; None: EXAMPLES'
    example: str | None = None
    # values a template offers to pick from without the contract refusing others (a work
    # order's category: other text is kept); `allowed` values are offered and enforced
    offered: tuple[str, ...] = ()

    @property
    def label(self) -> str | None:
        return self.label_zh or LABELS_ZH.get(self.name)

    @property
    def english_label(self) -> str | None:
        return self.label_en or LABELS_EN.get(self.name)

    @property
    def example_value(self) -> str | None:
        return self.example if self.example is not None else EXAMPLES.get(self.name)

    @property
    def length_limit(self) -> int | None:
        return self.max_length or MAX_LENGTH.get(self.kind)

    # the column is required when this other (money) column of the row is below zero: a
    # recovery in disbursements must name the payment it reverses
    required_when_negative: str | None = None


@dataclass(frozen=True)
class KeyReference:
    """Columns of a row that together must name a row of another source by its whole key
    (an assessment names the staffing of its district and year), delivered in a partition dated
    on or before the row's own: a single column's `references` cannot say this."""

    columns: tuple[str, ...]
    source: str
    # what the quarantine says, formatted with the row's values of `columns` in order
    problem: str

    @property
    def name(self) -> str:
        """The entry of the known keys (references.reference_keys) that holds its keys."""
        return f"{self.source}({','.join(self.columns)})"


@dataclass(frozen=True)
class NotBefore:
    """A date of the row that may not precede a date of the row another column names (a
    transfer's effective date and its asset's commissioning), as that row was known in a
    partition dated on or before the row's own. The other column carries the `references`."""

    column: str
    via: str
    source_column: str
    # what the quarantine says, formatted with the row's date, the named key and its date
    problem: str

    def name(self, contract: SourceContract) -> str:
        source, _ = contract.column(self.via).references or ("", "")
        return f"{source}.{self.source_column}"


@dataclass(frozen=True)
class SourceContract:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    # checks of a row against other sources that one column's `references` cannot say
    key_references: tuple[KeyReference, ...] = ()
    not_before: tuple[NotBefore, ...] = ()
    # reference sources may ship as dbt seeds; delivered rows replace the seed entirely
    has_seed: bool = False
    # a source delivered at least monthly is reported as stale past this age; reference data,
    # which changes rarely, has no bound
    stale_after_days: int | None = None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _c(name: str, kind: Kind = Kind.TEXT, **kw: object) -> Column:
    return Column(name, kind, **kw)  # type: ignore[arg-type]


def _name(name: str, **kw: object) -> Column:
    """A name or other words, as people write them: longer than a code."""
    return _c(name, max_length=NAME_LENGTH, **kw)


DISTRICT = ("districts", "district_code")
_district = _c("district_code", required=True, references=DISTRICT)

CONTRACTS: tuple[SourceContract, ...] = (
    SourceContract(
        "districts",
        (
            _c("district_code", required=True),
            _name("name_zh", required=True, example="道里区"),
            _name("name_en"),
        ),
        key=("district_code",),
        has_seed=True,
    ),
    SourceContract(
        "street_offices",
        (_c("street_code", required=True), _district, _name("name_zh", example="兆麟街道")),
        key=("street_code",),
        has_seed=True,
    ),
    SourceContract(
        "responsibility_matrix",
        (
            _c("asset_class", required=True, allowed=ASSET_CLASSES),
            _c("work_type", required=True, allowed=WORK_TYPES),
            _c("tier", required=True, allowed=TIERS),
        ),
        key=("asset_class", "work_type"),
        has_seed=True,
    ),
    SourceContract(
        "unit_cost_standards",
        (
            _c("work_type", required=True, allowed=WORK_TYPES),
            _c("asset_class", required=True, allowed=ASSET_CLASSES),
            _c("valid_from", Kind.DATE, required=True),
            _c("valid_to", Kind.DATE),
            _c("rate_yuan", Kind.MONEY, required=True),
            _c("unit"),
        ),
        key=("work_type", "asset_class", "valid_from"),
        has_seed=True,
    ),
    SourceContract(
        "expenditure_purposes",
        (
            _c("purpose_code", required=True),
            _name("name_zh", example="道路维修"),
            _c("is_city_management", Kind.BOOLEAN, required=True),
        ),
        key=("purpose_code",),
        has_seed=True,
    ),
    SourceContract(
        "assets",
        (
            _c("asset_id", required=True),
            _c("asset_class", required=True, allowed=ASSET_CLASSES),
            _name("name"),
            _district,
            _c("street_code"),
            _c("connected_to"),
            _c("commissioned_on", Kind.DATE, required=True),
            _c("retired_on", Kind.DATE),
        ),
        key=("asset_id",),
    ),
    SourceContract(
        "area_measurements",
        (
            _c("measurement_id", required=True),
            _c("asset_id", required=True, references=("assets", "asset_id")),
            _c("work_type", required=True, allowed=WORK_TYPES),
            _c("quantity", Kind.QUANTITY, required=True),
            _c("unit"),
            _c("effective_from", Kind.DATE, required=True),
            _c("verified", Kind.BOOLEAN, required=True),
            _name("verified_by"),
            _c("verified_on", Kind.DATE),
        ),
        key=("measurement_id",),
    ),
    SourceContract(
        "asset_transfers",
        (
            _c("transfer_id", required=True),
            _c("asset_id", required=True, references=("assets", "asset_id")),
            _c("work_type", required=True, allowed=WORK_TYPES, wildcard="*"),
            _c("to_tier", required=True, allowed=TIERS),
            _c("to_district_code", references=DISTRICT),
            _c("effective_date", Kind.DATE, required=True),
            _name("decree_ref"),
        ),
        key=("transfer_id",),
        # a transfer before the asset exists moves nothing a day could show, so it is a wrong
        # date (or a wrong asset): it waits for the department's correction in the quarantine
        not_before=(
            NotBefore(
                "effective_date",
                via="asset_id",
                source_column="commissioned_on",
                problem=(
                    "effective {} is before asset {} was commissioned ({}): correct the"
                    " transfer's effective_date (or the asset's commissioned_on) and deliver it"
                    " again"
                ),
            ),
        ),
    ),
    SourceContract(
        "budget_pools",
        (
            _c("fiscal_year", Kind.YEAR, required=True),
            _c("pool_yuan", Kind.MONEY, required=True),
            _c("incentive_share", Kind.SHARE, required=True),
        ),
        key=("fiscal_year",),
    ),
    SourceContract(
        "own_investment",
        (
            _district,
            _c("fiscal_year", Kind.YEAR, required=True),
            _c("amount_yuan", Kind.MONEY, required=True),
        ),
        key=("district_code", "fiscal_year"),
    ),
    SourceContract(
        "work_orders",
        (
            _c("case_id", required=True),
            _district,
            _c("street_code"),
            # other text than the two categories is kept
            _name("category", offered=("component", "event")),
            _c("reported_at", Kind.TIMESTAMP, required=True),
            _c("deadline_at", Kind.TIMESTAMP, required=True),
            _c("closed_at", Kind.TIMESTAMP),
        ),
        key=("case_id",),
        stale_after_days=45,
    ),
    SourceContract(
        "kiosks",
        (
            _c("kiosk_id", required=True),
            _district,
            _c("street_code"),
            _name("kiosk_type"),
            _c("permit_no"),
            _c("area_m2", Kind.QUANTITY, required=True),
            _c("monthly_rate_yuan_per_m2", Kind.MONEY, required=True),
            _c("licensed_from", Kind.DATE, required=True),
            _c("licensed_to", Kind.DATE),
        ),
        key=("kiosk_id",),
    ),
    SourceContract(
        "fee_collections",
        (
            _c("receipt_id", required=True),
            _c("kiosk_id", required=True, references=("kiosks", "kiosk_id")),
            _district,
            _c("paid_at", Kind.TIMESTAMP, required=True),
            _c("amount_yuan", Kind.MONEY, required=True),
        ),
        key=("receipt_id",),
        stale_after_days=45,
    ),
    SourceContract(
        "expenditures",
        (
            _c("voucher_id", required=True),
            _district,
            _c("fiscal_year", Kind.YEAR, required=True),
            _c("paid_at", Kind.TIMESTAMP, required=True),
            _c("amount_yuan", Kind.MONEY, required=True),
            _c("funding_source", required=True, allowed=FUNDING_SOURCES),
            # an unknown or empty purpose is not bad input: the kiosk-fee check counts it as
            # unsupported spending (domain.md), so it must reach the warehouse
            _c("purpose_code"),
        ),
        key=("voucher_id",),
        stale_after_days=45,
    ),
    SourceContract(
        "funding_plans",
        (
            _district,
            _c("fiscal_year", Kind.YEAR, required=True),
            _c("kiosk_fee_planned_yuan", Kind.MONEY, required=True),
        ),
        key=("district_code", "fiscal_year"),
    ),
    SourceContract(
        "opening_balances",
        (
            _district,
            _c("fiscal_year", Kind.YEAR, required=True),
            _c("kiosk_fee_balance_yuan", Kind.BALANCE, required=True),
        ),
        key=("district_code", "fiscal_year"),
    ),
    SourceContract(
        "disbursements",
        (
            _c("payment_id", required=True),
            _district,
            _c("fiscal_year", Kind.YEAR, required=True),
            _c("paid_on", Kind.DATE, required=True),
            # negative: a recovery (clawback) of the payment named in `reverses`
            _c("amount_yuan", Kind.BALANCE, required=True),
            # a payment delivered in an earlier file or partition (references.py reads the raw
            # layer, which holds this file's rows only once it is loaded)
            _c(
                "reverses",
                references=("disbursements", "payment_id"),
                required_when_negative="amount_yuan",
            ),
        ),
        key=("payment_id",),
        stale_after_days=45,
    ),
    SourceContract(
        "disbursement_schedule",
        (
            _c("fiscal_year", Kind.YEAR, required=True),
            _c("instalment", Kind.ORDINAL, required=True),
            _c("due_on", Kind.DATE, required=True),
            _c("cumulative_share", Kind.CUMULATIVE_SHARE, required=True),
        ),
        key=("fiscal_year", "instalment"),
        has_seed=True,
    ),
    SourceContract(
        "enforcement_staffing",
        (
            _district,
            _c("fiscal_year", Kind.YEAR, required=True),
            _c("approved_headcount", Kind.COUNT, required=True),
            _c("yuan_per_head", Kind.MONEY, required=True),
        ),
        key=("district_code", "fiscal_year"),
    ),
    SourceContract(
        "enforcement_assessments",
        (
            _district,
            _c("fiscal_year", Kind.YEAR, required=True),
            _c("quarter", Kind.QUARTER, required=True),
            _c("assessed_on", Kind.DATE, required=True),
            _c("score", Kind.SCORE, required=True),
            _name("assessor"),
        ),
        key=("district_code", "fiscal_year", "quarter"),
        # an assessment releases or withholds a share of the staffing funding: with no staffing
        # of its district and year there is nothing it could decide, so it is held back until
        # the staffing is delivered (then the assessment is delivered again)
        key_references=(
            KeyReference(
                ("district_code", "fiscal_year"),
                "enforcement_staffing",
                problem=(
                    "no enforcement staffing of district {} for fiscal year {} delivered on or"
                    " before this partition: deliver the staffing first, then the assessment"
                    " again"
                ),
            ),
        ),
    ),
    # where a sender (a district by its code, a department by its code: ingest/senders.py) gets
    # the receipt of what it delivered; a sender with no row gets none by mail
    SourceContract(
        "contacts",
        (
            _c(
                "sender_code",
                required=True,
                label_zh="报送单位代码",
                label_en="Sender code",
                example="230102",
            ),
            _name("name", example="道里区"),
            # one address, or several separated by commas or semicolons
            _name(
                "email",
                required=True,
                label_zh="电子邮箱",
                label_en="Email",
                example="receipts@daoli.example.org",
            ),
        ),
        key=("sender_code",),
    ),
)

BY_NAME: dict[str, SourceContract] = {c.name: c for c in CONTRACTS}


def load_order() -> list[SourceContract]:
    """Referenced sources first, so that a reference check sees what the same run delivered."""
    referenced = {c.references[0] for s in CONTRACTS for c in s.columns if c.references}
    referenced |= {r.source for s in CONTRACTS for r in s.key_references}
    first = [s for s in CONTRACTS if s.name in referenced]
    return first + [s for s in CONTRACTS if s.name not in referenced]


#: The second sheet of a delivery template (`munifund templates`): the example row a clerk
#: copies from, never loaded (the reader skips it by this name, without a note).
EXAMPLE_SHEET = "示例 example"
