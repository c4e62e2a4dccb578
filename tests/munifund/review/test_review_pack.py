"""The review pack, written from a small allocation of 3 districts in the session's warehouse.

The published tables are created when missing, from their dbt model contracts (and dropped
again at the end); when another test already made them, only this module's rows (fiscal year
2031) are added and removed (``published_seed``). The views over ops come from the warehouse
bootstrap.
A table that must be missing is dropped inside a transaction that is rolled back.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import re
import struct
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import openpyxl
import psycopg
import pytest
from chromium import run_chromium
from published_seed import TABLES, published_rows

from munifund.review.pack import write_review_pack
from munifund.warehouse import Warehouse, embedded_superuser_url

AS_OF = dt.date(2031, 6, 30)
PREVIOUS_AS_OF = dt.date(2031, 5, 31)
FISCAL_YEAR = 2031
RUN_ID = "scheduled__2031-06-30T00:00:00+00:00"
OLDER_RUN_ID = "manual__2031-06-30T01:00:00+00:00"
DQ_RUN_ID = "review-pack-test"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
PUBLISHED_AT = dt.datetime(2031, 7, 1, 2, 15, tzinfo=SHANGHAI)
POOL = Decimal("12345678.90")

# (code, zh, en, standard cost, share, base, due, on time, score, own investment,
#  incentive share, incentive, total): base and incentive by largest remainder, adding to POOL.
DISTRICTS = [
    ("230102", "道里区", "Daoli District", "3200000.00", "0.4266666667", "4740740.70",
     10, 9, "90.00", "500000.00", "0.7500000000", "925925.92", "5666666.62"),
    ("230103", "南岗区", "Nangang District", "2800000.00", "0.3733333333", "4148148.11",
     0, 0, None, "300000.00", "0", "0.00", "4148148.11"),
    ("230104", "道外区", "Daowai District", "1500000.00", "0.2000000000", "2222222.20",
     8, 6, "75.00", "200000.00", "0.2500000000", "308641.97", "2530864.17"),
]  # fmt: skip
LINES = [
    # code, tier, work_type, asset_class, unit, assets, unit_days, quantity, rate, cost
    ("230102", "district", "road_maintenance", "secondary_road", "m2", 12, "146000000.0000", "400000.000000", "5.00", "2000000.00"),
    ("230102", "street", "sweeping", "back_lane", "m2", 40, "109500000.0000", "300000.000000", "4.00", "1200000.00"),
    ("230103", "district", "greening", "green_belt", "m2", 8, "255500000.0000", "700000.000000", "4.00", "2800000.00"),
    ("230104", "street", "facility_upkeep", "public_toilet", "each", 50, "18250.0000", "50.000000", "30000.00", "1500000.00"),
]  # fmt: skip


def _insert(conn: psycopg.Connection, table: str, rows: list[dict]) -> None:
    for row in rows:
        stamped = {"fiscal_year": FISCAL_YEAR, "as_of_date": AS_OF, "run_id": RUN_ID, **row}
        columns = ", ".join(stamped)
        marks = ", ".join(["%s"] * len(stamped))
        conn.execute(
            f"insert into published.{table} ({columns}) values ({marks})", list(stamped.values())
        )


def _allocation_rows() -> list[dict]:
    """The districts; each draft 1,000.00 yuan above the plan in force (budget_plan)."""
    keys = ("district_code", "name_zh", "name_en", "standard_cost_yuan", "share", "base_yuan",
            "cases_due", "cases_on_time", "assessment_score", "own_investment_yuan",
            "incentive_share_of_pool", "incentive_yuan", "total_yuan")  # fmt: skip
    pools = {
        "pool_yuan": POOL,
        "base_pool_yuan": Decimal("11111111.01"),
        "incentive_pool_yuan": Decimal("1234567.89"),
        "incentive_share": Decimal("0.1000"),
        "incentive_fell_back": False,
        "incentive_basis": "increase",
    }
    return [
        dict(zip(keys, d, strict=True))
        | pools
        | {"plan_yuan": Decimal(d[-1]) - 1000, "change_from_plan_yuan": Decimal("1000.00")}
        for d in DISTRICTS
    ]


def _seed_money_cycle(conn: psycopg.Connection) -> None:
    """Daowai behind on payment; Nangang diverting with an unsupported voucher; a year over year
    with the city row."""
    money = ("district_code", "total_yuan", "due_share", "due_to_date_yuan", "paid_to_date_yuan",
             "shortfall_yuan", "balance_of_year_yuan", "worst_days_late", "status")  # fmt: skip
    _insert(conn, "disbursement_status", [dict(zip(money, r, strict=True)) for r in [
        ("230102", "5666666.62", "0.5000", "2833333.31", "2833333.31", "0.00", "2833333.31", 0, "on_schedule"),
        ("230103", "4148148.11", "0.5000", "2074074.06", "4148148.11", "0.00", "0.00", 0, "paid_in_full"),
        ("230104", "2530864.17", "0.5000", "1265432.09", "632716.04", "632716.05", "1898148.13", 31, "behind"),
    ]])  # fmt: skip
    use = ("district_code", "received_yuan", "spent_maintenance_yuan", "diverted_yuan",
           "unspent_yuan", "usage_rate", "status", "opening_yuan")  # fmt: skip
    _insert(conn, "allocation_spending", [dict(zip(use, r, strict=True)) for r in [
        ("230102", "2833333.31", "1000000.00", "0.00", "1833333.31", "0.352941", "compliant", "0.00"),
        ("230103", "4148148.11", "2000000.00", "7777.77", "2140370.34", "0.482143", "diverted", "0.00"),
        ("230104", "632716.04", "700000.00", "0.00", "-67283.96", "1.106342", "overspent", "0.00"),
    ]])  # fmt: skip
    plan = {"plan_run_id": "manual__2031-05-31T00:00:00+00:00", "plan_as_of_date": PREVIOUS_AS_OF,
            "decision_id": 7, "approved_by": "bob", "approved_at": PUBLISHED_AT}  # fmt: skip
    _insert(conn, "budget_plan", [
        {"district_code": code, "plan_yuan": Decimal(total) - 1000, **plan}
        for code, *_, total in DISTRICTS
    ])  # fmt: skip
    _insert(conn, "year_end_settlement", [{
        "settled_fiscal_year": FISCAL_YEAR - 1, "district_code": "230104", "plan_yuan": Decimal("2000000.00"),
        "plan_run_id": "manual__2030-12-31T00:00:00+00:00", "paid_yuan": Decimal("2100000.00"),
        "owed_yuan": Decimal("-100000.00"), "unspent_yuan": Decimal("12345.67"),
        "carried_over_yuan": Decimal("12345.67"),
    }])  # fmt: skip
    _insert(conn, "allocation_spending_flags", [{
        "district_code": "230103", "voucher_id": "CA-2031-0007", "paid_at": dt.datetime(2031, 3, 2, 10, tzinfo=SHANGHAI),
        "amount_yuan": Decimal("7777.77"), "purpose_code": None, "reason": "unsupported", "district_status": "diverted",
    }])  # fmt: skip
    yoy = {
        "comparison": "compared", "previous_as_of_date": dt.date(2030, 12, 31),
        "previous_standard_cost_yuan": Decimal("3000000.00"), "standard_cost_yuan": Decimal("3200000.00"),
        "standard_cost_growth_pct": Decimal("6.67"), "previous_total_yuan": Decimal("5000000.00"),
        "total_yuan": Decimal("5666666.62"), "total_growth_pct": Decimal("13.33"),
        "previous_pool_yuan": Decimal("11000000.00"), "pool_yuan": POOL, "pool_growth_pct": Decimal("12.23"),
        "previous_coverage": Decimal("1.666667"), "coverage": Decimal("1.770833"), "pool_kept_pace": True,
    } | {f"{w}_unit_years": Decimal("1.000000") for w in
         ("road_maintenance", "bridge_maintenance", "sweeping", "greening", "facility_upkeep")}  # fmt: skip
    _insert(
        conn,
        "allocation_year_over_year",
        [{"district_code": "230102", **yoy}, {"district_code": None, **yoy}],
    )


def _seed_enforcement(conn: psycopg.Connection) -> None:
    quarters = {
        "230102": (
            ("released", "88.50"),
            ("released", "91.00"),
            ("pending", None),
            ("pending", None),
        ),
        "230104": (
            ("withheld", "55.00"),
            ("released", "72.25"),
            ("pending", None),
            ("pending", None),
        ),
    }
    _insert(conn, "enforcement_funding", [
        {"district_code": code, "name_zh": zh, "name_en": en, "approved_headcount": 3,
         "yuan_per_head": Decimal("1000.02"), "annual_yuan": Decimal("3000.06"),
         "released_yuan": released, "withheld_yuan": withheld, "pending_yuan": Decimal("1500.02"),
         **{f"q{q}_status": st for q, (st, _) in enumerate(quarters[code], 1)},
         **{f"q{q}_score": sc for q, (_, sc) in enumerate(quarters[code], 1)}}
        for code, zh, en, released, withheld in [
            ("230102", "道里区", "Daoli District", Decimal("1500.04"), Decimal("0.00")),
            ("230104", "道外区", "Daowai District", Decimal("750.02"), Decimal("750.02")),
        ]
    ])  # fmt: skip


def _seed(conn: psycopg.Connection) -> None:
    _insert(conn, "district_allocation", _allocation_rows())
    _seed_money_cycle(conn)
    _seed_enforcement(conn)
    line_keys = ("district_code", "tier", "work_type", "asset_class", "unit", "assets", "unit_days",
                 "quantity_unit_years", "rate_yuan", "standard_cost_yuan")  # fmt: skip
    lines = [dict(zip(line_keys, line, strict=True)) for line in LINES]
    for line in lines:
        line |= {"rate_valid_from": dt.date(2031, 1, 1), "days_in_year": 365,
                 "cost_exact_yuan": line["standard_cost_yuan"]}  # fmt: skip
    _insert(conn, "district_allocation_lines", lines)
    _insert(conn, "district_allocation_assets", [
        {"district_code": "230102", "tier": "district", "work_type": "road_maintenance",
         "asset_class": "secondary_road", "rate_valid_from": dt.date(2031, 1, 1),
         "asset_id": asset, "asset_name": name, "street_code": street, "measurement_id": measurement,
         "quantity": quantity, "unit": "m2", "effective_from": effective, "is_verified": True,
         "verified_by": "市城管局", "verified_on": effective, "days": days, "unit_days": unit_days,
         "quantity_unit_years": years, "rate_yuan": "5.00", "cost_exact_yuan": cost}
        for asset, name, street, measurement, quantity, effective, days, unit_days, years, cost in [
            ("R-1001", "经纬街", "230102001", "M-77", "250000.0000", dt.date(2030, 5, 1), 365,
             "91250000.0000", "250000.000000", "1250000.000000"),
            ("R-1002", "安静街", "230102002", "M-78", "150000.0000", dt.date(2031, 2, 1), 365,
             "54750000.0000", "150000.000000", "750000.000000"),
        ]
    ])  # fmt: skip
    _insert(conn, "city_tier_costs", [
        {"work_type": "road_maintenance", "asset_class": "expressway", "rate_valid_from": dt.date(2031, 1, 1),
         "unit": "m2", "assets": 13, "unit_days": "328500000.0000", "days_in_year": 365,
         "quantity_unit_years": "900000.000000", "rate_yuan": "6.00", "standard_cost_yuan": "5400000.00"},
        {"work_type": "greening", "asset_class": "city_park", "rate_valid_from": dt.date(2031, 1, 1),
         "unit": "m2", "assets": 5, "unit_days": "73000000.0000", "days_in_year": 365,
         "quantity_unit_years": "200000.000000", "rate_yuan": "3.50", "standard_cost_yuan": "700000.00"},
    ])  # fmt: skip
    _insert(conn, "allocation_changes", [
        {"district_code": code, "previous_as_of_date": PREVIOUS_AS_OF, "previous_total_yuan": prev,
         "total_yuan": total, "delta_yuan": Decimal(total) - Decimal(prev),
         "standard_cost_delta_yuan": "0.00", "quantity_delta_unit_years": qty,
         "transfers_since_previous": transfers, "rate_standards_since_previous": 0,
         "previous_assessment_score": score, "assessment_score": score,
         "previous_pool_yuan": POOL, "pool_yuan": POOL, "drivers": drivers}
        for code, prev, total, qty, transfers, score, drivers in [
            ("230102", "5600000.00", "5666666.62", "1200.000000", 1, "90.00", "quantity, transfers"),
            ("230103", "4200000.00", "4148148.11", "-500.000000", 0, None, "quantity"),
            ("230104", "2545678.90", "2530864.17", "0.000000", 0, "75.00", ""),
        ]
    ])  # fmt: skip
    _insert(conn, "unmeasured_assets", [
        {"asset_id": asset, "work_type": work, "asset_class": cls, "asset_district_code": "230102",
         "tier": "district", "responsible_district_code": "230102", "unmeasured_days": days,
         "first_unmeasured_on": dt.date(2031, 3, 1), "reason": "no measurement"}
        for asset, work, cls, days in [
            ("R-0001", "road_maintenance", "branch_road", 122),
            ("R-0001", "sweeping", "branch_road", 122),
            ("B-0007", "bridge_maintenance", "bridge", 40),
        ]
    ])  # fmt: skip
    _insert(conn, "kiosk_fee_compliance", [
        {"district_code": code, "name_zh": zh, "name_en": en, "opening_yuan": opening,
         "collected_yuan": collected, "planned_yuan": planned, "spent_city_mgmt_yuan": spent,
         "diverted_yuan": diverted, "closing_yuan": closing, "usage_rate": rate, "status": status}
        for code, zh, en, opening, collected, planned, spent, diverted, closing, rate, status in [
            ("230102", "道里区", "Daoli District", "10000.00", "90000.00", "100000.00", "60000.00", "0.00", "40000.00", "0.6", "compliant"),
            ("230103", "南岗区", "Nangang District", "0.00", "50000.00", "50000.00", "20000.00", "12500.00", "17500.00", "0.4", "diverted"),
            ("230104", "道外区", "Daowai District", "5000.00", "30000.00", "20000.00", "10000.00", "0.00", "25000.00", "0.2857142857", "unplanned"),
        ]
    ])  # fmt: skip
    _insert(conn, "kiosk_fee_flags", [
        {"district_code": "230103", "voucher_id": voucher, "paid_at": dt.datetime(2031, 4, day, 10, tzinfo=SHANGHAI),
         "amount_yuan": amount, "purpose_code": purpose, "reason": reason, "district_status": "diverted"}
        for voucher, day, amount, purpose, reason in [
            ("NG-2031-0042", 3, "10000.00", "OT01", "ineligible"),
            ("NG-2031-0057", 18, "2500.00", None, "unsupported"),
        ]
    ])  # fmt: skip
    _insert(conn, "street_allocation", [
        {"district_code": code, "street_code": street, "name_zh": name,
         "street_tier_cost_yuan": cost, "share_of_district": share, "indicative_yuan": amount}
        for code, street, name, cost, share, amount in [
            ("230102", "230102001", "兆麟街道", "400000.00", "0.1250000000", "708333.33"),
            ("230102", "230102002", "新阳路街道", "200000.00", "0.0625000000", "354166.66"),
            ("230104", "230104001", "靖宇街道", "150000.00", "0.1000000000", "253086.42"),
        ]
    ])  # fmt: skip
    _insert(conn, "assessment_results", [
        {"district_code": code, "street_code": street, "category": category, "cases_due": due,
         "on_time": on_time, "late": late, "still_open": still_open, "score": score, "rank": rank}
        for code, street, category, due, on_time, late, still_open, score, rank in [
            ("230102", None, "all", 10, 9, 1, 0, "90.00", 1),
            ("230103", None, "all", 0, 0, 0, 0, None, None),
            ("230104", None, "all", 8, 6, 1, 1, "75.00", 2),
            ("230102", None, "component", 4, 3, 1, 0, "75.00", 1),
            ("230104", None, "component", 4, 3, 0, 1, "75.00", 1),
            ("230102", "230102001", "all", 6, 6, 0, 0, "100.00", 1),
        ]
    ])  # fmt: skip
    for run_id, published_at in [
        (OLDER_RUN_ID, PUBLISHED_AT - dt.timedelta(hours=1)),
        (RUN_ID, PUBLISHED_AT),
    ]:
        conn.execute(
            "insert into ops.allocation_runs (run_id, as_of_date, fiscal_year, input_fingerprints,"
            " code_version, dbt_version, airflow_version, row_counts, published_at)"
            " values (%s, %s, %s, '[{\"source\": \"assets\"}]', 'abc1234', '1.11.0', '3.3.2',"
            " '{\"district_allocation\": 3}', %s)",
            [run_id, AS_OF, FISCAL_YEAR, published_at],
        )
    for line, problem in [(4, "not a date: '2031-13-01'"), (9, "amount is negative")]:
        conn.execute(
            "insert into ops.quarantine (run_id, source, partition_date, file, line, column_name, problem, raw_row)"
            " values (%s, 'expenditures', %s, 'expenditures.csv', %s, 'paid_at', %s, '{\"voucher_id\": \"X\"}')",
            [DQ_RUN_ID, dt.date(2031, 6, 15), line, problem],
        )


@pytest.fixture(scope="module")
def seeded(warehouse: Warehouse) -> Iterator[Warehouse]:
    with published_rows(warehouse, FISCAL_YEAR, (RUN_ID, OLDER_RUN_ID, DQ_RUN_ID), _seed):
        yield warehouse


@pytest.fixture(scope="module")
def pack(seeded: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    with seeded.connect() as conn:
        return write_review_pack(conn, AS_OF, tmp_path_factory.mktemp("reviews"))


@pytest.fixture(scope="module")
def page(pack: Path) -> str:
    return (pack / "review.html").read_text(encoding="utf-8")


def _element(page: str, element_id: str) -> str:
    match = re.search(rf'<table id="{element_id}">.*?</table>', page, re.DOTALL)
    assert match, f"no table with id {element_id}"
    return match.group(0)


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)))


def test_pack_files_are_written(pack: Path) -> None:
    assert pack.name == "2031-06-30"
    for name in ("review.html", "review.xlsx", "allocation.png", "changes.png", "kiosk.png"):
        assert (pack / name).stat().st_size > 0, name
    assert (pack / "allocation.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_page_shows_each_district_and_its_total(page: str) -> None:
    table = _element(page, "allocation-table")
    for code, zh, en, *_, total in DISTRICTS:
        row = re.search(
            rf'<tr class="district-row" data-district="{code}">.*?</tr>', table, re.DOTALL
        )
        assert row, f"no row for district {code}"
        text = _text(row.group(0))
        assert zh in text and en in text
        assert f"{Decimal(total):,.2f}" in text
    assert "5,666,666.62" in table


def test_totals_row_equals_the_pool(page: str) -> None:
    foot = re.search(r"<tfoot>.*?</tfoot>", _element(page, "allocation-table"), re.DOTALL).group(0)
    assert "合计 / Total" in foot
    cells = re.findall(r"<td[^>]*>([^<]*)", foot)
    assert cells[-1] == "12,345,678.90"  # the total column
    assert "11,111,111.01" in cells and "1,234,567.89" in cells  # base and incentive pools
    check = _text(
        re.search(r'<p id="pool-check" class="check ok">.*?</p>', page, re.DOTALL).group(0)
    )
    assert "12,345,678.90 = 资金池 / pool: 12,345,678.90" in check


def test_page_header_changes_and_kiosk(page: str) -> None:
    header = _text(
        re.search(r'<dl class="facts" id="run-facts">.*?</dl>', page, re.DOTALL).group(0)
    )
    assert RUN_ID in header and OLDER_RUN_ID not in header  # the latest run of the date
    assert "2031-07-01 02:15:00" in header
    status = _text(re.search(r'<div [^>]*id="review-status".*?</div>', page, re.DOTALL).group(0))
    assert "草稿，待审核 / Draft, awaiting review" in status
    assert f"munifund review approve --run {RUN_ID} --by <name>" in status
    changes = _text(_element(page, "changes-table"))
    assert "+66,666.62" in changes and "-51,851.89" in changes
    assert "作业量、事权划转" in changes and "quantity, transfers" in changes
    kiosk = _element(page, "kiosk-table")
    assert 'data-district="230103"' in kiosk and "status-diverted" in kiosk
    flags = _text(_element(page, "kiosk-fee-flags-table"))
    assert "NG-2031-0042" in flags and "unsupported" in flags and "12,500.00" in flags
    assert '<details class="district-lines" data-district="230102">' in page
    assert "不可用" not in page  # every table exists here
    dq = _text(_element(page, "dq-counts-table"))
    assert "expenditures" in dq and "amount is negative" in dq


def test_workbook_holds_the_allocation(pack: Path) -> None:
    wb = openpyxl.load_workbook(pack / "review.xlsx")
    assert wb.properties.creator == "munifund"
    assert wb.properties.modified == PUBLISHED_AT.astimezone(dt.UTC).replace(tzinfo=None)
    expected_sheets = {"allocation 分配", "lines 明细", "city costs 市本级", "changes 变动", "unmeasured 未测量",
                       "kiosk compliance 占道费", "kiosk flags 占道费凭证", "data quality 数据质量"}  # fmt: skip
    assert expected_sheets <= set(wb.sheetnames)
    ws = wb["allocation 分配"]
    header = [c.value for c in ws[1]]
    assert header[:3] == [
        "区代码 / District code",
        "区 / District",
        "区（英文） / District (English)",
    ]
    assert ws.freeze_panes == "A2"
    total_col = header.index("合计 / Total (yuan)") + 1
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    for code, zh, _en, *_, total in DISTRICTS:
        r = rows[code]
        assert ws.cell(r, 2).value == zh
        assert ws.cell(r, total_col).value == pytest.approx(float(total), abs=0.001)
        assert ws.cell(r, total_col).number_format == "#,##0.00"
    assert ws.cell(rows["合计 / Total"], total_col).value == pytest.approx(float(POOL), abs=0.001)
    assert ws.column_dimensions["A"].width >= 10


def test_money_cycle_sections(page: str, pack: Path) -> None:
    """Who is behind and by how much, who used the money otherwise (with the voucher), coverage,
    and the year over year with its chart, labelled in both languages."""
    payments = _text(_element(page, "disbursement-table"))
    assert "拨付滞后 behind" in payments and "632,716.05" in payments
    assert "1 个区拨付滞后" in _text(page)
    use = _text(_element(page, "allocation-spending-table"))
    assert "挪用 diverted" in use and "超支 overspent" in use
    flags = _text(_element(page, "allocation-spending-flags-table"))
    assert "CA-2031-0007" in flags and "用途无据 unsupported" in flags
    assert "Daowai" in _text(_element(page, "coverage-table"))
    yoy = _text(_element(page, "year-over-year-table"))
    assert "全市 / City" in yoy and "12.23" in yoy and "是 / yes" in yoy
    assert "as of 2030-12-31" in _text(page)
    assert 'id="year-over-year-chart"' in page and (pack / "year_over_year.png").exists()
    wb = openpyxl.load_workbook(pack / "review.xlsx")
    assert {"payments 拨付", "use flags 资金使用凭证", "year over year 同比"} <= set(wb.sheetnames)


def test_enforcement_section(page: str, pack: Path) -> None:
    """Each district's quarters with their status and score, labelled in both languages (a
    declared section: enforcement_funding's meta.review); the workbook's sheet adds up the money."""
    table = _text(_element(page, "enforcement-funding-table"))
    assert "已下拨 released" in table and "考核未通过，暂缓下拨 withheld" in table
    assert "待考核 pending" in table and "未考核 / not assessed" in table
    assert "55.00" in table and "3,000.06" in table and "6,000.12" in table
    assert 'href="#enforcement-funding"' in page  # in the page's contents
    ws = openpyxl.load_workbook(pack / "review.xlsx")["enforcement 执法经费"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert any("合计 / Total" in row and 750.02 in row for row in values)


def test_budget_sections(page: str, pack: Path) -> None:
    """The plan in force, this draft's change from it, and last year's settlement, in both
    languages, on the page and in the workbook."""
    plan = _text(_element(page, "plan-table"))
    assert "Daowai" in plan and "+1,000.00" in plan
    assert "Plan in force: run manual__2031-05-31T00:00:00+00:00" in _text(page)
    assert "approving this draft would change it by +3,000.00 yuan" in _text(page)
    settled = _text(_element(page, "settlement-table"))
    assert "-100,000.00" in settled and "12,345.67" in settled
    wb = openpyxl.load_workbook(pack / "review.xlsx")
    assert {
        "plan 下达计划",
        "draft vs plan 测算与计划",
        "adjustments 追加追减",
        "settlement 结算",
    } <= set(wb.sheetnames)


def test_rewriting_gives_the_same_bytes(seeded: Warehouse, pack: Path) -> None:
    before = {p.name: p.read_bytes() for p in pack.iterdir()}
    with seeded.connect() as conn:
        assert write_review_pack(conn, AS_OF, pack.parent) == pack
    after = {p.name: p.read_bytes() for p in pack.iterdir()}
    assert before == after


def test_missing_tables_render_as_not_available(seeded: Warehouse, tmp_path: Path) -> None:
    with seeded.connect() as conn:
        try:
            for table in ("kiosk_fee_compliance", "kiosk_fee_flags", "allocation_changes"):
                conn.execute(f"drop table published.{table}")
            folder = write_review_pack(conn, AS_OF, tmp_path)
        finally:
            conn.rollback()
    page = (folder / "review.html").read_text(encoding="utf-8")
    kiosk = re.search(r'<section id="kiosk">.*?</section>', page, re.DOTALL).group(0)
    assert 'id="kiosk-table"' not in kiosk
    assert "不可用 / Not available" in kiosk and "published.kiosk_fee_compliance" in kiosk
    changes = re.search(r'<section id="changes">.*?</section>', page, re.DOTALL).group(0)
    assert "published.allocation_changes" in changes and "First publication of the year" in changes
    assert 'data-district="230104"' in _element(page, "allocation-table")
    assert not (folder / "kiosk.png").exists() and not (folder / "changes.png").exists()
    wb = openpyxl.load_workbook(folder / "review.xlsx")
    assert "Not available" in wb["kiosk compliance 占道费"]["A2"].value


def test_an_empty_published_schema(seeded: Warehouse, tmp_path: Path) -> None:
    # as the administrator: the pipeline may not drop published.allocation_runs (the bureau's
    # decisions are derived there), and all is rolled back anyway
    with psycopg.connect(embedded_superuser_url()) as conn:
        try:
            for table in TABLES:
                conn.execute(f"drop table published.{table}")
            conn.execute("drop view published.allocation_runs, published.data_quality_issues")
            folder = write_review_pack(conn, AS_OF, tmp_path)
        finally:
            conn.rollback()
    page = (folder / "review.html").read_text(encoding="utf-8")
    for name in [*TABLES, "data_quality_issues", "allocation_runs"]:
        assert f"published.{name}" in page, name
    assert 'id="allocation-chart"' not in page
    assert len(openpyxl.load_workbook(folder / "review.xlsx").sheetnames) == 24


def test_a_date_with_nothing_published(seeded: Warehouse, tmp_path: Path) -> None:
    with seeded.connect() as conn:
        folder = write_review_pack(conn, dt.date(2031, 1, 15), tmp_path)
    page = (folder / "review.html").read_text(encoding="utf-8")
    assert "No allocation rows for this as-of date" in page
    assert "no published run recorded for this as-of date" in page
    assert 'class="district-row"' not in page
    assert not (folder / "allocation.png").exists()
    assert openpyxl.load_workbook(folder / "review.xlsx")["allocation 分配"].max_row == 1


def test_money_is_formatted_from_decimal() -> None:
    from munifund.review.formatting import format_money, format_money_delta

    assert format_money(Decimal("1234567890123456.78")) == "1,234,567,890,123,456.78"
    assert format_money(Decimal("-0.05")) == "-0.05"
    assert format_money(None) == "—"
    assert format_money_delta(Decimal("66666.62")) == "+66,666.62"


# --------------------------------------------------------------------------- in a browser


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_page_renders_in_chromium(pack: Path, tmp_path: Path) -> None:
    url = (pack / "review.html").as_uri()
    dom = run_chromium(tmp_path, "--dump-dom", url).stdout
    for code, *_ in DISTRICTS:
        assert f'<tr class="district-row" data-district="{code}">' in dom
    img = re.search(r'<img id="allocation-chart" src="data:image/png;base64,([^"]+)"', dom)
    assert img, "the allocation chart is not in the rendered page"
    width, height = _png_size(base64.b64decode(img.group(1)))
    assert width > 0 and height > 0
    assert 'id="kiosk-table"' in dom and 'id="changes-table"' in dom

    shot = tmp_path / "shot.png"
    run_chromium(
        tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", "--hide-scrollbars", url
    )
    from PIL import Image

    with Image.open(shot) as image:
        assert image.size == (1280, 2000)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
        assert colours is None or len(colours) > 1, "the screenshot is blank"


def test_page_shows_streets_ranking_and_incentive_basis(page: str) -> None:
    header = _text(
        re.search(r'<dl class="facts" id="run-facts">.*?</dl>', page, re.DOTALL).group(0)
    )
    assert "投入增量 / increase" in header
    streets = re.search(
        r'<details class="district-streets" data-district="230102">.*?</details>', page, re.DOTALL
    ).group(0)
    assert "兆麟街道" in streets and "708,333.33" in streets and "1,062,499.99" in streets
    ranking = _text(_element(page, "assessment-all-table"))
    assert ranking.index("道里区") < ranking.index("道外区") < ranking.index("南岗区")
    components = _text(_element(page, "assessment-component-table"))
    assert components.count("75.00") == 2  # a tie shares rank 1


def test_workbook_holds_streets_and_assessment(pack: Path) -> None:
    wb = openpyxl.load_workbook(pack / "review.xlsx")
    streets = wb["streets 街道"]
    assert [c.value for c in streets[1]][:2] == [
        "区代码 / District code",
        "街道代码 / Street office code",
    ]
    assert streets.max_row == 1 + 3 + 1  # header, three street offices, the total
    assessment = wb["assessment 考核"]
    assert assessment.max_row == 1 + 6
    summary = {r[0].value: r[1].value for r in wb["review 审核"].iter_rows(min_row=2)}
    assert summary["奖励依据 / Incentive basis"] == "increase"


def test_workbook_codes_carry_their_labels_from_the_seed(pack: Path) -> None:
    """A code is written with its labels (seed_code_labels.csv), so a reader of the workbook
    alone knows what it means; a code the seed lacks stays as delivered."""
    wb = openpyxl.load_workbook(pack / "review.xlsx")
    lines = wb["lines 明细"]
    header = [c.value for c in lines[1]]
    work_types = {lines.cell(r, header.index("作业类型 / Work type") + 1).value
                  for r in range(2, lines.max_row)}  # fmt: skip
    assert "road_maintenance 道路维修养护 Road maintenance" in work_types, work_types
    tiers = {lines.cell(r, header.index("层级 / Tier") + 1).value for r in range(2, lines.max_row)}
    assert tiers == {"district 区 District", "street 街道 Street office"}, tiers
    flags = wb["kiosk flags 占道费凭证"]
    header = [c.value for c in flags[1]]
    purpose = header.index(next(h for h in header if h.startswith("用途代码"))) + 1
    purposes = {flags.cell(r, purpose).value for r in range(2, flags.max_row + 1)}
    assert "OT01 办公楼装修 Office renovation" in purposes, purposes


def test_workbook_main_sheets_have_native_charts(pack: Path) -> None:
    """Excel's own bar charts over the sheets' cells (not pictures): the allocation per
    district, the streets, the plan against the draft, year over year."""
    import zipfile

    wb = openpyxl.load_workbook(pack / "review.xlsx")
    for title in ("allocation 分配", "streets 街道", "plan 下达计划", "draft vs plan 测算与计划",
                  "year over year 同比"):  # fmt: skip
        assert len(wb[title]._charts) == 1, title
    assert not wb["changes 变动"]._charts
    with zipfile.ZipFile(pack / "review.xlsx") as archive:
        charts = sorted(n for n in archive.namelist() if n.startswith("xl/charts/chart"))
        assert len(charts) == 5, charts
        xml = {n: archive.read(n).decode("utf-8") for n in charts}
    allocation = next(x for x in xml.values() if "各区分配" in x)
    assert "<barChart>" in allocation and '<grouping val="stacked"/>' in allocation
    # its series read the sheet's own cells: base and incentive of the 3 districts
    assert "'allocation 分配'!$G$2:$G$4" in allocation
    assert "'allocation 分配'!$B$2:$B$4" in allocation  # the districts' Chinese names


# --------------------------------------------------------------------------- on paper


@pytest.fixture()
def browser() -> Iterator:
    from chromium import CHROMIUM
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        yield launched
        launched.close()


#: text of the drill-downs only: a line's unit-days and a street office's indicative amount
DRILL_DOWN_TEXT = ("146,000,000.0000", "354,166.66")


@pytest.mark.parametrize("scripts", [True, False], ids=["scripts", "no-scripts"])
def test_printing_opens_every_drill_down(pack: Path, browser, scripts: bool) -> None:
    """On screen a district's lines and streets are folded; printed, every one is on paper,
    whether the page's print script runs or not (the print style shows a closed <details>)."""
    import io

    from pypdf import PdfReader

    page = browser.new_page(java_script_enabled=scripts)
    page.goto((pack / "review.html").as_uri())
    inner = 'details.district-lines[data-district="230102"] table'
    assert not page.is_visible(inner)  # folded on screen
    page.emulate_media(media="print")
    assert page.is_visible(inner)
    assert page.is_visible('details.district-streets[data-district="230102"] table')
    printed = PdfReader(io.BytesIO(page.pdf(format="A4", landscape=True)))
    text = " ".join(p.extract_text() for p in printed.pages)
    for shown in DRILL_DOWN_TEXT:
        assert shown in text, shown
    assert "5,666,666.62" in text
    page.emulate_media(media="screen")
    assert not page.is_visible(inner)  # and folded again after
    # an assets page prints its lines' assets the same way
    page.goto((pack / "assets-230102.html").as_uri())
    assert not page.is_visible("details.line-assets table")
    page.emulate_media(media="print")
    printed = PdfReader(io.BytesIO(page.pdf(format="A4", landscape=True)))
    assert "M-78" in " ".join(p.extract_text() for p in printed.pages)


def test_the_print_script_runs_under_the_served_page_s_policy(pack: Path, browser) -> None:
    """Served under Airflow, the page's Content-Security-Policy lets its print script run (by
    its hash) and nothing else: before printing every drill-down opens, after it they fold."""
    from munifund.web.app import PACK_PAGE_HEADERS

    html_text = (pack / "review.html").read_text(encoding="utf-8")
    page = browser.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.route(
        "https://caiwu.example/review.html",
        lambda route: route.fulfill(
            status=200,
            body=html_text,
            headers={"Content-Type": "text/html; charset=utf-8", **PACK_PAGE_HEADERS},
        ),
    )
    page.goto("https://caiwu.example/review.html")
    closed = "document.querySelectorAll('details:not([open])').length"
    assert page.evaluate(closed) > 0
    page.evaluate("dispatchEvent(new Event('beforeprint'))")
    assert page.evaluate(closed) == 0
    page.evaluate("dispatchEvent(new Event('afterprint'))")
    assert page.evaluate(closed) > 0
    assert not refused, refused


# --------------------------------------------------------------------------- down to the asset


def test_a_line_opens_its_assets(pack: Path, page: str) -> None:
    """A line's count of assets links to its district's assets page, where the line lists each
    asset with the verified measurement that counted (id, quantity, unit, effective date, who
    verified it) and its days; the review page itself carries no asset row."""
    anchor = "line-district-road_maintenance-secondary_road-2031-01-01"
    lines = re.search(
        r'<details class="district-lines" data-district="230102">.*?</details>', page, re.DOTALL
    ).group(0)
    assert f'<a href="assets-230102.html#{anchor}">12</a>' in lines
    assert "R-1001" not in page
    assets = (pack / "assets-230102.html").read_text(encoding="utf-8")
    section = re.search(
        rf'<details class="line-assets" id="{anchor}">.*?</details>', assets, re.DOTALL
    )
    assert section, "no section for the line"
    text = _text(section.group(0))
    assert "区 district" in text and "道路维修养护 road_maintenance" in text
    for shown in ("R-1001", "经纬街", "兆麟街道 230102001", "M-77", "250,000.000000", "m2", "2030-05-01",
                  "是 / yes", "市城管局", "91,250,000.0000", "1,250,000.000000"):  # fmt: skip
        assert shown in text, shown
    assert "146,000,000.0000" in text  # the subtotal: the two assets' unit-days, the line's own
    assert 'href="review.html#lines"' in assets
    assert not (pack / "assets-230103.html").exists()  # no asset rows for Nangang's line


def test_workbook_leaves_the_assets_to_their_pages(pack: Path) -> None:
    """The assets are listed on the assets pages (above), not in the workbook: a sheet of every
    asset cost the nightly seconds for rows the analysts' table holds."""
    sheets = openpyxl.load_workbook(pack / "review.xlsx").sheetnames
    assert "lines 明细" in sheets and not [s for s in sheets if "设施" in s]
