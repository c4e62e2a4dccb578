"""Delivery templates (issue 27): written from the contracts, read back by the real loader.

A template is only right when what a clerk fills in loads: its header must name every column
the way the loader matches headers, its example row (on a sheet the loader never reads) must be
valid input, and a filled first sheet or CSV must land in raw row for row.
"""

from __future__ import annotations

import codecs
import csv
import re
from pathlib import Path

import openpyxl
import pytest
from deliveries import D1, D2, deliver, quarantine
from typer.testing import CliRunner

from munifund.cli import app
from munifund.ingest import templates
from munifund.ingest.contracts import BOOLEAN_FALSE, BOOLEAN_TRUE, BY_NAME, CONTRACTS, Kind
from munifund.ingest.loader import ingest
from munifund.ingest.reader import header_map
from munifund.ingest.templates import EXAMPLE_SHEET, LAST_ROW, write_templates

DOC = Path(__file__).parents[3] / "docs" / "delivering-data.md"


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("templates")
    write_templates(out)
    return out


def _first_sheet(path: Path):
    return openpyxl.load_workbook(path).worksheets[0]


def _csv_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.name)
def test_every_template_header_names_each_column_once_as_the_loader_matches_it(
    written: Path, contract
) -> None:
    in_order = list(range(len(contract.columns)))
    sheet = _first_sheet(written / f"{contract.name}.xlsx")
    xlsx_header = [cell.value for cell in sheet[1]]
    csv_bytes = (written / f"{contract.name}.csv").read_bytes()
    csv_rows = _csv_rows(written / f"{contract.name}.csv")
    comments = [cell.comment.text.splitlines()[0] for cell in sheet[1]]

    assert xlsx_header == [c.label for c in contract.columns]  # Chinese, for the clerks
    assert all(re.search(r"[\u4e00-\u9fff]", h) for h in xlsx_header)
    assert header_map(contract, xlsx_header) == (in_order, [])
    assert csv_bytes.startswith(codecs.BOM_UTF8)
    assert csv_rows == [xlsx_header]  # the header row alone
    assert header_map(contract, csv_rows[0]) == (in_order, [])
    # the comment holds the English name, which the loader accepts as the header too
    assert comments == list(contract.column_names)
    assert header_map(contract, comments) == (in_order, [])
    assert sheet.max_row == 1  # nothing but the header on the sheet that is loaded


def test_columns_csv_is_the_data_dictionary_of_every_contract_column(written: Path) -> None:
    raw = (written / "columns.csv").read_bytes()
    header, *rows = _csv_rows(written / "columns.csv")

    assert raw.startswith(codecs.BOM_UTF8)
    assert header == ["source", "column", "label_zh", "label_en", "required", "type", "example"]
    assert [(r[0], r[1]) for r in rows] == [(s.name, c.name) for s in CONTRACTS for c in s.columns]
    for source, name, zh, en, required, kind, example in rows:
        column = BY_NAME[source].column(name)
        assert zh == column.label and zh.strip(), (source, name)
        assert en == column.english_label and en.strip(), (source, name)
        assert kind.split(":")[0] == column.kind.value
        if column.required:
            assert required == "yes" and example, (source, name)
        else:
            assert required in ("no", "when amount_yuan < 0"), (source, name)
    by_key = {(r[0], r[1]): r for r in rows}
    assert by_key[("disbursements", "reverses")][4] == "when amount_yuan < 0"
    assert by_key[("expenditures", "funding_source")][5] == (
        "text: kiosk_fee | city_allocation | district_own"
    )
    assert by_key[("work_orders", "category")][5] == "text: component | event or other text"
    assert by_key[("area_measurements", "verified")][5] == "boolean: 是 | 否 | true | false"


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.name)
def test_codes_and_dates_are_validated_and_required_columns_marked(written: Path, contract) -> None:
    sheet = _first_sheet(written / f"{contract.name}.xlsx")
    rules = {}
    for rule in sheet.data_validations.dataValidation:
        for cells in rule.sqref.ranges:
            rules[cells.coord] = rule
    for position, column in enumerate(contract.columns, start=1):
        letter = openpyxl.utils.get_column_letter(position)
        rule = rules.get(f"{letter}2:{letter}{LAST_ROW}")
        listed = column.allowed + ((column.wildcard,) if column.wildcard else ())
        where = f"{contract.name}.{column.name}"
        if listed:
            assert rule.type == "list" and rule.errorStyle == "stop", where
            assert rule.formula1 == '"' + ",".join(listed) + '"', where
        elif column.kind is Kind.BOOLEAN:
            assert rule.type == "list" and rule.errorStyle == "stop", where
            spellings = rule.formula1.strip('"').split(",")
            assert set(spellings) <= set(BOOLEAN_TRUE + BOOLEAN_FALSE), where
            assert {"是", "否", "true", "false"} <= set(spellings), where
        elif column.offered:
            assert rule.type == "list" and rule.errorStyle == "warning", where
            assert rule.formula1 == '"' + ",".join(column.offered) + '"', where
        elif column.kind in (Kind.DATE, Kind.TIMESTAMP):
            assert rule.type == "date" and rule.errorStyle == "stop", where
        elif column.kind is Kind.TEXT:
            assert (rule.type, rule.formula1) == ("textLength", str(column.length_limit)), where
        else:
            assert rule is None, where
        dimension = sheet.column_dimensions[letter]
        if column.kind is Kind.DATE:
            assert dimension.number_format == "yyyy-mm-dd", where
        if column.kind in (Kind.TEXT, Kind.BOOLEAN):
            assert dimension.number_format == "@", where  # a code keeps its leading zeros
        assert dimension.width >= templates.display_width(column.label), where
        header = sheet.cell(1, position)
        assert header.font.b is column.required, where
        assert header.fill.fgColor.rgb.endswith("FFD966" if column.required else "EDEDED"), where
        assert ("必填 required" in header.comment.text.splitlines()) is column.required, where
    assert sheet.freeze_panes == "A2"


def test_the_category_list_is_only_a_suggestion_as_the_contract_keeps_other_text() -> None:
    category = BY_NAME["work_orders"].column("category")
    assert not category.allowed and category.offered == ("component", "event")


def test_every_example_row_is_valid_and_delivered_through_the_templates_it_all_loads(
    empty_warehouse, written: Path, tmp_path: Path
) -> None:
    """The examples name one another (the district, the asset, the kiosk): delivered together,
    as a clerk would fill the CSV templates (D1) and the workbooks' first sheets (D2), every
    row loads, and nothing but the workbooks' example sheets is noted."""
    landing = tmp_path / "landing"
    for contract in CONTRACTS:
        example = [c.example_value or "" for c in contract.columns]
        template = (written / f"{contract.name}.csv").read_text("utf-8-sig")
        deliver(landing, contract.name, D1, f"{contract.name}.csv",
                codecs.BOM_UTF8 + (template + ",".join(example) + "\r\n").encode())  # fmt: skip
        book = openpyxl.load_workbook(written / f"{contract.name}.xlsx")
        for position, column in enumerate(contract.columns, start=1):
            value = templates.cell_value(column, column.example_value)
            book.worksheets[0].cell(2, position, value)
        folder = landing / contract.name / D2.isoformat()
        folder.mkdir(parents=True)
        book.save(folder / f"{contract.name}.xlsx")

    with empty_warehouse.connect() as conn:
        ingest(conn, landing, D2, "run-1")
        problems = {s.name: quarantine(conn, s.name) for s in CONTRACTS}
        loaded = {
            s.name: conn.execute(
                f"select _partition_date, _file, _line, {', '.join(s.column_names)}"
                f" from raw.{s.name} order by _partition_date"
            ).fetchall()
            for s in CONTRACTS
        }
    for contract in CONTRACTS:
        name = contract.name
        assert problems[name] == [], name  # the example sheet is skipped, without a note
        example = tuple(c.example_value or None for c in contract.columns)
        from_csv, from_xlsx = loaded[name]
        assert from_csv == (D1, f"{name}.csv", 2, *example), name
        assert from_xlsx[:3] == (D2, f"{name}.xlsx", 2), name


def test_a_filled_workbook_loads_its_first_sheet_and_never_its_example_row(
    empty_warehouse, landing: Path, written: Path
) -> None:
    contract = BY_NAME["expenditures"]
    book = openpyxl.load_workbook(written / "expenditures.xlsx")
    example = book[EXAMPLE_SHEET]
    example_key = example.cell(3, 1).value
    filled = [
        ["V1", "230102", "2026", "2026-02-01 09:00", "150.00", "kiosk_fee", "CM01"],
        ["V2", "230103", "2026", "2026-02-02 10:30", "80.50", "district_own", ""],
    ]
    for line, row in enumerate(filled, start=2):
        for position, (column, text) in enumerate(zip(contract.columns, row, strict=True), 1):
            book.worksheets[0].cell(line, position, templates.cell_value(column, text))
    folder = landing / "expenditures" / D1.isoformat()
    folder.mkdir(parents=True)
    book.save(folder / "filled.xlsx")

    with empty_warehouse.connect() as conn:
        ingest(conn, landing, D1, "run-1")
        rows = conn.execute(
            "select _line, voucher_id, district_code, paid_at, amount_yuan, funding_source,"
            " purpose_code from raw.expenditures order by _line"
        ).fetchall()
        problems = quarantine(conn, "expenditures")

    assert example_key == "V-2026-0001"
    assert rows == [
        (2, "V1", "230102", "2026-02-01T09:00:00", "150", "kiosk_fee", "CM01"),
        (3, "V2", "230103", "2026-02-02T10:30:00", "80.5", "district_own", None),
    ]
    assert problems == []  # the example sheet is never read, and needs no note


def test_the_command_writes_every_template_and_keeps_a_filled_one(tmp_path: Path) -> None:
    out = tmp_path / "templates"
    result = CliRunner().invoke(app, ["templates", "--out", str(out)])

    assert result.exit_code == 0, result.output
    expected = {"columns.csv"} | {f"{c.name}.{x}" for c in CONTRACTS for x in ("xlsx", "csv")}
    assert {p.name for p in out.iterdir()} == expected
    assert f"wrote {len(expected)} files into {out}" in " ".join(result.stdout.split())
    assert openpyxl.load_workbook(out / "assets.xlsx").sheetnames == ["assets", EXAMPLE_SHEET]

    (out / "assets.csv").write_text("filled in by a clerk", "utf-8")
    again = CliRunner().invoke(app, ["templates", "--out", str(out)])
    assert again.exit_code == 2
    assert "--force" in again.stderr and "exists" in again.stderr
    assert (out / "assets.csv").read_text("utf-8") == "filled in by a clerk"

    forced = CliRunner().invoke(app, ["templates", "--out", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert (out / "assets.csv").read_text("utf-8-sig").startswith("资产编号,")


def test_the_delivery_doc_lists_the_sources_as_the_contracts_declare_them() -> None:
    text = DOC.read_text("utf-8")
    start, end = "<!-- sources: generated -->\n", "<!-- /sources -->"
    assert start in text and end in text
    table = text.split(start, 1)[1].split(end, 1)[0]
    assert table == templates.sources_table()
    assert "munifund templates --out" in text and "columns.csv" in text
