"""Text from a delivery is shown, never run: not as a spreadsheet formula, not as HTML.

Every text column of every published table the pack reads (taken from the dbt contracts, so a
new column is covered without a change here), the quarantine's texts and the run's review text
are seeded with hostile values: formula prefixes (OWASP's CSV-injection list), markup, a
control character, and one 10 MB value. The pack must show each as the text delivered, in
cells of type string with no ``<f>`` in any sheet, escaped on the page, and cut to a bounded
length.

The rows are this module's own fiscal year (2032) and run id, removed at the end
(``published_seed``).
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import psycopg
import pytest
from chromium import run_chromium
from published_contracts import published_contracts
from published_seed import TABLES, published_rows

from munifund.catalog import published_tables
from munifund.review import columns as catalog
from munifund.review.decisions import record_decision
from munifund.review.declared import declared_columns
from munifund.review.formatting import TEXT_LIMIT, cut_text
from munifund.review.pack import write_review_pack
from munifund.review.workbook import FORMULA_TRIGGERS, sheet_cell
from munifund.warehouse import Warehouse

AS_OF = dt.date(2032, 6, 30)
FISCAL_YEAR = 2032
RUN_ID = "hostile-text-test"
#: Each table's sheet and the catalog of its columns.
SHEETS = {
    "district_allocation": ("allocation 分配", catalog.ALLOCATION_COLUMNS),
    "district_allocation_lines": ("lines 明细", catalog.LINE_COLUMNS),
    "city_tier_costs": ("city costs 市本级", catalog.CITY_COST_COLUMNS),
    "allocation_changes": ("changes 变动", catalog.CHANGE_COLUMNS),
    "unmeasured_assets": ("unmeasured 未测量", catalog.UNMEASURED_COLUMNS),
    "kiosk_fee_compliance": ("kiosk compliance 占道费", catalog.KIOSK_COLUMNS),
    "kiosk_fee_flags": ("kiosk flags 占道费凭证", catalog.KIOSK_FLAG_COLUMNS),
    # declared sections (munifund.review.declared): their columns are their marts'
    "incentive_inputs": (
        "incentive 奖励依据",
        declared_columns(published_tables()["incentive_inputs"]),
    ),
    "devolved_funding": (
        "devolved 费随事转",
        declared_columns(published_tables()["devolved_funding"]),
    ),
}
#: The texts of ``published.data_quality_issues`` in its two sheets (run_id is ours).
DQ_SHEETS = {
    "data quality 数据质量": ("source", "problem"),
    "dq issues 质量问题": ("source", "file", "column_name", "problem"),
}
PUBLISHED_AT = dt.datetime(2032, 7, 1, 2, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))

#: Values a department could deliver, each of which a careless writer would run.
HOSTILE = (
    '=HYPERLINK("http://evil.example/","click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "<script>alert('x')</script>",
    '" onmouseover="alert(1)" x="',
    "=1+1\x07",  # a control character, which the xlsx format cannot hold
    "$\\frac{$",  # matplotlib's mathtext, in a chart label
)
#: One value far beyond any real name: 10 MB, starting like a formula.
HUGE = "=" + "A" * 10_000_000
#: How the workbook shows the control character: as its symbol, U+2407.
SHOWN_IN_SHEET = {"=1+1\x07": "=1+1\u2407"}


def _value(data_type: str, text: str, i: int):
    """A value of a contract's ``data_type``: the text for a text column, else a plain one."""
    if data_type == "text":
        return text
    if data_type.startswith(("numeric", "integer", "bigint")):
        return i
    if data_type == "date":
        return AS_OF
    if data_type == "boolean":
        return False
    if data_type == "timestamptz":
        return PUBLISHED_AT
    raise AssertionError(f"no test value for a column of type {data_type}; add one")


QUARANTINE = (
    "insert into ops.quarantine (run_id, source, partition_date, file, line, column_name, problem,"
    " raw_row) values (%s, %s, %s, %s, %s, %s, %s, jsonb_build_object('name', %s::text))"
)


def _key_columns(conn: psycopg.Connection, table: str) -> set[str]:
    """The columns of the published table's unique indexes (its key)."""
    return {
        name
        for (name,) in conn.execute(
            "select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid"
            " and a.attnum = any(i.indkey) where i.indrelid = %s::regclass and i.indisunique",
            [f"published.{table}"],
        ).fetchall()
    }


def _rows(table: str, keys: set[str]) -> list[dict]:
    """One row per hostile value, in every text column; then the huge value in every text
    column but the keys (an index holds no 10 MB entry)."""
    contract = published_contracts()[table]
    rows = [
        {c.name: _value(c.data_type, text, i) for c in contract.columns}
        for i, text in enumerate(HOSTILE)
    ]
    huge = {c.name: _value(c.data_type, HUGE, 0) for c in contract.columns}
    keys = {*keys, *contract.primary_key}
    rows.append(huge | {k: "huge-row" for k in keys if huge[k] == HUGE})
    return [
        row | {"fiscal_year": FISCAL_YEAR, "as_of_date": AS_OF, "run_id": RUN_ID} for row in rows
    ]


def _seed(conn: psycopg.Connection) -> None:
    for table in TABLES:
        for row in _rows(table, _key_columns(conn, table)):
            names = ", ".join(row)
            marks = ", ".join(["%s"] * len(row))
            conn.execute(
                f"insert into published.{table} ({names}) values ({marks})", list(row.values())
            )
    for i, text in enumerate(HOSTILE):
        conn.execute(QUARANTINE, [RUN_ID, text, AS_OF, text, i + 1, text, text, text])
    conn.execute(QUARANTINE, [RUN_ID, "huge-row", AS_OF, "huge-row", 99, HUGE, HUGE, HUGE])
    conn.execute(
        "insert into ops.allocation_runs (run_id, as_of_date, fiscal_year, input_fingerprints,"
        " code_version, dbt_version, airflow_version, row_counts, published_at)"
        " values (%s, %s, %s, '[]', %s, '1.11.0', '3.3.2', '{}', %s)",
        [RUN_ID, AS_OF, FISCAL_YEAR, HOSTILE[0], PUBLISHED_AT],
    )
    # rejected by a hostile name with a hostile comment, as the approval step records it
    record_decision(conn, RUN_ID, "rejected", HOSTILE[1], HOSTILE[6])


@pytest.fixture(scope="module")
def pack(warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with published_rows(warehouse, FISCAL_YEAR, [RUN_ID], _seed), warehouse.connect() as conn:
        yield write_review_pack(conn, AS_OF, tmp_path_factory.mktemp("reviews"))


@pytest.fixture(scope="module")
def page(pack: Path) -> str:
    return (pack / "review.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- the workbook


def test_no_cell_of_the_workbook_is_a_formula(pack: Path) -> None:
    wb = openpyxl.load_workbook(pack / "review.xlsx", data_only=False)
    texts = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    texts += 1
                    assert cell.data_type == "s", f"{ws.title}!{cell.coordinate}"
                    # Excel's "typed with an apostrophe": editing the cell keeps it text
                    starts = cell.value.startswith(FORMULA_TRIGGERS)
                    assert cell.quotePrefix == starts, f"{ws.title}!{cell.coordinate}"
    assert texts > 100


def test_the_sheets_hold_no_formula_and_the_text_as_delivered(pack: Path) -> None:
    with zipfile.ZipFile(pack / "review.xlsx") as xlsx:
        sheets = {
            n: xlsx.read(n).decode("utf-8")
            for n in xlsx.namelist()
            if n.startswith("xl/worksheets/sheet")
        }
    assert len(sheets) == 24
    for name, xml in sheets.items():
        assert "<f>" not in xml and "<f " not in xml, name
    # the hyperlink as an inline string, its quotes escaped, not a <f>HYPERLINK(…)</f>
    allocation = sheets["xl/worksheets/sheet2.xml"]
    assert '<is><t>=HYPERLINK("http://evil.example/","click")</t></is>' in allocation
    assert '<t xml:space="preserve">&#13;=1+1</t>' in allocation  # the carriage return is kept


def _column_values(ws, key_label: str) -> set:
    header = [c.value for c in ws[1]]
    col = header.index(key_label) + 1
    return {ws.cell(r, col).value for r in range(2, ws.max_row + 1)}


def test_every_text_column_shows_each_hostile_value_exactly(pack: Path) -> None:
    wb = openpyxl.load_workbook(pack / "review.xlsx", data_only=False)
    expected = {SHOWN_IN_SHEET.get(v, v) for v in HOSTILE}
    contracts = published_contracts()
    checked = []
    for table, (title, columns) in SHEETS.items():
        texts = {c.name for c in contracts[table].columns if c.data_type == "text"}
        for column in columns:
            if column.key in texts:
                missing = expected - _column_values(wb[title], column.label)
                assert not missing, f"{title} / {column.label}: {missing} not shown as delivered"
                checked.append(column.key)
    dq_columns = {c.key: c for c in (*catalog.DQ_COUNT_COLUMNS, *catalog.DQ_ROW_COLUMNS)}
    for title, keys in DQ_SHEETS.items():
        for key in keys:
            missing = expected - _column_values(wb[title], dq_columns[key].label)
            assert not missing, f"{title} / {key}: {missing} not shown as delivered"
    assert {"name_zh", "name_en", "purpose_code", "voucher_id", "unit", "drivers"} <= set(checked)
    summary = {r[0].value: r[1] for r in wb["review 审核"].iter_rows(min_row=2)}
    assert summary["审核人 / Reviewer"].value == HOSTILE[1]
    assert summary["审核人 / Reviewer"].quotePrefix
    assert summary["审核意见 / Comment"].value == HOSTILE[6]
    assert summary["代码版本 / Code version"].value == HOSTILE[0]


# --------------------------------------------------------------------------- the page


class _Tags(HTMLParser):
    """The elements and attributes of a page, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [name for name, _ in attrs]
        self.hrefs += [value or "" for name, value in attrs if name in ("href", "src")]


def _assert_inert(html_text: str) -> None:
    from munifund.review.page import PRINT_SCRIPT

    tags = _Tags()
    tags.feed(html_text)
    # one script only: the page's own, which opens the drill-downs for printing
    assert tags.tags.count("script") == 1 and f"<script>{PRINT_SCRIPT}</script>" in html_text
    assert not [a for a in tags.attributes if a.startswith("on") or a == "x"]
    assert not [h for h in tags.hrefs if "evil" in h]


def test_the_assets_pages_escape_delivered_text(pack: Path) -> None:
    pages = sorted(pack.glob("assets-*.html"))
    assert pages, "no assets page written"
    texts = []
    for path in pages:  # named by a digest of a hostile district code, never by the code
        assert re.fullmatch(r"assets-[A-Za-z0-9_-]{1,64}\.html", path.name), path.name
        texts.append(path.read_text(encoding="utf-8"))
        _assert_inert(texts[-1])
    assert any("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in t for t in texts)


def test_the_page_escapes_delivered_text(page: str) -> None:
    _assert_inert(page)
    assert page.count("<script>") == 1 and 'onmouseover="' not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "&#34; onmouseover=&#34;alert(1)&#34; x=&#34;" in page
    assert "=HYPERLINK(&#34;http://evil.example/&#34;,&#34;click&#34;)" in page
    # a kiosk status lands in a class attribute: escaped there too
    assert 'class="status status-&#34; onmouseover=&#34;alert(1)&#34; x=&#34;"' in page


def test_the_page_is_inert_in_a_browser(pack: Path, tmp_path: Path) -> None:
    dom = run_chromium(tmp_path, "--dump-dom", (pack / "review.html").as_uri()).stdout
    assert 'id="allocation-table"' in dom
    _assert_inert(dom)
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in dom


def test_the_charts_draw_delivered_names_as_text(pack: Path) -> None:
    # a name "$\\frac{$" is malformed mathtext: drawn as math, it would fail the whole pack
    for name in ("allocation.png", "changes.png", "kiosk.png"):
        assert (pack / name).read_bytes().startswith(b"\x89PNG"), name


# --------------------------------------------------------------------------- a 10 MB value


def test_a_huge_value_is_cut_on_the_page_and_in_the_workbook(pack: Path, page: str) -> None:
    shown = cut_text(HUGE)
    assert shown.startswith("=" + "A" * (TEXT_LIMIT - 1) + "…")
    assert "10,000,001" in shown and len(shown) < TEXT_LIMIT + 100
    assert (pack / "review.html").stat().st_size < 3_000_000
    assert (pack / "review.xlsx").stat().st_size < 1_000_000
    assert "A" * (TEXT_LIMIT + 1) not in page
    assert shown in page
    wb = openpyxl.load_workbook(pack / "review.xlsx", data_only=False)
    longest = max(
        len(c.value)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str)
    )
    assert longest < 2_100  # a raw row's limit, the largest
    flags = wb["kiosk flags 占道费凭证"]
    assert shown in {c.value for row in flags.iter_rows(min_row=2) for c in row}


def test_cut_text_keeps_short_text_and_says_what_was_cut() -> None:
    assert cut_text("道里区") == "道里区"
    assert cut_text("x" * TEXT_LIMIT) == "x" * TEXT_LIMIT
    cut = cut_text("x" * 1234, 10)
    assert cut == "xxxxxxxxxx…（已截断，原文 1,234 字符 / cut, 1,234 characters in all）"


# --------------------------------------------------------------------------- one cell


@pytest.mark.parametrize("text", [*HOSTILE, "-0.05", "plain", "道里区", "'quoted"])
def test_sheet_cell_writes_text_as_text(text: str) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    cell = sheet_cell(wb.active, text)
    assert cell.data_type == "s"
    assert cell.value == SHOWN_IN_SHEET.get(text, text)
    assert cell.quotePrefix == text.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize("value", [-2, -2.5, 0, None, dt.date(2032, 1, 1), True])
def test_sheet_cell_keeps_numbers_and_dates(value) -> None:
    from openpyxl import Workbook

    cell = sheet_cell(Workbook().active, value)
    assert cell.value == value and not cell.quotePrefix
    assert cell.data_type != "s"
