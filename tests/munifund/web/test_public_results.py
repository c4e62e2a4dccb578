"""The assessment results the public sees, written beside the review pack of the sample city
published for one date: figures for both categories (部件, 事件), agreeing with
published.assessment_results, names and no codes, and nothing internal (no run id, no review
state, no money, no path)."""

from __future__ import annotations

import datetime as dt
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from psycopg.rows import dict_row

from munifund.config import load_settings
from munifund.review.pack import write_review_pack
from munifund.review.public_results import HTML_NAME, XLSX_NAME

AS_OF = dt.date(2026, 11, 28)
RUN_ID = "run-sample"  # tests/conftest.py: sample_city


@pytest.fixture(scope="module")
def folder(sample_city) -> Path:
    """The sample city published for AS_OF (tests/conftest.py), and its pack."""
    warehouse, _landing, as_of, _run_id = sample_city
    assert as_of == AS_OF
    with warehouse.connect() as conn:
        return write_review_pack(conn, AS_OF, load_settings().reviews_dir)


@pytest.fixture(scope="module")
def published(folder, warehouse) -> list[dict]:
    with warehouse.connect() as conn, conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "select r.*, coalesce(s.name_zh, d.name_zh) as name_zh"
            " from published.assessment_results r"
            " left join published.district_allocation d using (as_of_date, district_code)"
            " left join published.street_allocation s using (as_of_date, street_code)"
            " where r.as_of_date = %s",
            [AS_OF],
        ).fetchall()


class _Tables(HTMLParser):
    """The rows of each table of the page, by the id of the section holding it."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.section = ""
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "section":
            self.section = dict(attrs).get("id", "")
        elif tag == "tr":
            self.tables.setdefault(self.section, []).append([])
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag) -> None:
        if tag in ("td", "th") and self.cell is not None:
            self.tables[self.section][-1].append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data) -> None:
        if self.cell is not None:
            self.cell.append(data)


def page_tables(folder: Path) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed((folder / HTML_NAME).read_text(encoding="utf-8"))
    return parser.tables


def test_the_page_ranks_the_districts_in_both_categories_as_published(folder, published) -> None:
    tables = page_tables(folder)
    for category in ("component", "event", "all"):
        rows = tables[f"districts-{category}"][1:]  # after the header
        expected = {
            r["name_zh"]: r
            for r in published
            if r["street_code"] is None and r["category"] == category
        }
        assert len(rows) == len(expected) == 9
        for rank, name, due, on_time, late, still_open, score in rows:
            row = expected[name]
            assert (int(due), int(on_time), int(late), int(still_open)) == (
                row["cases_due"], row["on_time"], row["late"], row["still_open"],
            )  # fmt: skip
            assert score == f"{row['score']:.2f}" and int(rank) == row["rank"]
        assert sum(int(r[2]) for r in rows) > 1000, category  # non-zero figures
        assert [int(r[0]) for r in rows] == sorted(int(r[0]) for r in rows)


def test_the_page_ranks_every_street_office_by_name(folder, published) -> None:
    rows = page_tables(folder)["streets"][2:]  # after the two header rows
    streets = [r for r in published if r["street_code"] is not None and r["category"] == "all"]
    assert len(rows) == len(streets) > 100
    names = {r["name_zh"] for r in streets}
    assert {r[1] for r in rows} == names
    # component and event scores are there for most streets
    assert sum(1 for r in rows if r[8] != "—" and r[10] != "—") > len(rows) / 2


def test_the_page_holds_nothing_internal(folder, published) -> None:
    page = (folder / HTML_NAME).read_text(encoding="utf-8")
    assert RUN_ID not in page
    # what a reader sees: the style, the tags and the doctype aside
    visible = re.sub(r"<[^>]*>", "", re.sub(r"<style>.*?</style>", "", page, flags=re.S))
    for internal in ("草稿", "draft", "Draft", "审核", "approved", "元", "yuan", "run_id",
                     "published.", "/", "\\", "$MUNIFUND", ".munifund"):  # fmt: skip
        assert internal not in visible, internal
    assert not re.search(r"\d{1,3}(,\d{3})+\.\d{2}", page), "an amount of money"
    codes = {r["district_code"] for r in published} | {r["street_code"] for r in published}
    assert not [c for c in codes if c and re.search(rf"\b{re.escape(c)}\b", page)]
    assert "<script" not in page and "http" not in page  # self-contained


def test_the_workbook_holds_the_same_figures_and_nothing_internal(folder, published) -> None:
    from openpyxl import load_workbook

    content = (folder / XLSX_NAME).read_bytes()
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["各区排名", "街道办事处排名"]
    districts = list(book["各区排名"].iter_rows(min_row=2, values_only=True))
    assert len(districts) == 27
    by_category = {c: [r for r in districts if r[0] == c] for c in ("部件", "事件", "综合")}
    assert all(sum(r[3] for r in rows) > 1000 for rows in by_category.values())
    streets = list(book["街道办事处排名"].iter_rows(min_row=2, values_only=True))
    assert len(streets) == 3 * len(
        [r for r in published if r["street_code"] and r["category"] == "all"]
    )
    text = " ".join(str(v) for row in districts + streets for v in row)
    assert RUN_ID not in text and "草稿" not in text and "元" not in text
    assert book.properties.creator in ("", None)


def test_the_same_published_rows_write_the_same_bytes(folder, warehouse) -> None:
    before = {n: (folder / n).read_bytes() for n in (HTML_NAME, XLSX_NAME)}
    with warehouse.connect() as conn:
        write_review_pack(conn, AS_OF, load_settings().reviews_dir)
    assert {n: (folder / n).read_bytes() for n in (HTML_NAME, XLSX_NAME)} == before


def test_a_date_with_no_assessment_has_no_public_page(tmp_path: Path, warehouse) -> None:
    with warehouse.connect() as conn:
        written = write_review_pack(conn, dt.date(2026, 1, 5), tmp_path)
    assert (written / "review.html").is_file()
    assert not (written / HTML_NAME).exists() and not (written / XLSX_NAME).exists()
