"""Both sides of the cast: a value the loader's checks accept passes the cast staging applies to
it in PostgreSQL (dbt_project/macros/casts.sql, `cast(... as date|integer)`), and a what-if
parameter is refused where a delivered value would be (ingest/values.py)."""

from __future__ import annotations

import polars as pl
import psycopg
import pytest
from deliveries import english
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from munifund.ingest.contracts import Column, Kind
from munifund.ingest.validation import column_problem
from munifund.whatif.parameters import ScenarioRefused, parse_overrides

# the SQL staging casts each kind with
CAST = {
    Kind.MONEY: "cast(v as numeric(18, 2))",
    Kind.BALANCE: "cast(v as numeric(18, 2))",
    Kind.QUANTITY: "cast(v as numeric(18, 4))",
    Kind.SHARE: "cast(v as numeric(6, 4))",
    Kind.CUMULATIVE_SHARE: "cast(v as numeric(6, 4))",
    Kind.DATE: "cast(v as date)",
    Kind.YEAR: "cast(v as integer)",
    Kind.ORDINAL: "cast(v as integer)",
    Kind.TIMESTAMP: (
        "case when v ~ '(Z|[+-][0-9]{2}(:?[0-9]{2})?)$' and v ~ '[T ][0-9]{2}:'"
        " then cast(v as timestamptz) else cast(v as timestamp) at time zone 'Asia/Shanghai' end"
    ),
}
NEAR_MISSES = [
    "５００.００", "５００", "１０００", "２０２６", "２０２６-１２-０３", "٣", "²", "1٠", "0000-01-01",
    "0000", "2026-01-05T10:00+23:00", "2026-01-05T10:00-15:59", "2026-01-05 23:59:59.999999Z",
    "99999999999999.99999", "9999999999999999.995", "9999999999999999.99", "-0", "1.", ".5",
    "+5", "1e5", "0.50001", "0.99999", "1.00001", "2026-02-29", "2024-02-29", "9999-12-31",
]  # fmt: skip
values = st.one_of(
    st.sampled_from(NEAR_MISSES),
    st.text(alphabet="0123456789.+-:TZ ５０٣", max_size=24),
    st.from_regex(
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}([+-][0-9]{2})?)?", fullmatch=True
    ),
    st.from_regex(r"[+-]?[0-9]{1,18}(\.[0-9]{0,6})?", fullmatch=True),
)


def accepted(kind: Kind, batch: list[str]) -> list[str]:
    column = Column("v", kind)
    frame = pl.DataFrame({"v": batch}, schema={"v": pl.String})
    problems = frame.select(column_problem(column, {})).to_series().to_list()
    return [
        v.strip()
        for v, problem in zip(batch, problems, strict=True)
        if problem is None and v.strip()
    ]


@pytest.fixture(scope="module")
def conn(warehouse):
    with psycopg.connect(warehouse.pipeline_url, autocommit=True) as connection:
        yield connection


@pytest.mark.parametrize("kind", list(CAST), ids=lambda k: k.value)
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batch=st.lists(values, min_size=1, max_size=30))
def test_what_the_checks_accept_the_warehouse_casts(conn, kind: Kind, batch: list[str]) -> None:
    for value in accepted(kind, batch):
        try:
            conn.execute(f"select {CAST[kind]} from (select %s::text as v) x", [value])
        except psycopg.Error as err:
            pytest.fail(f"{kind.value} {value!r} passed the checks but not the cast: {err}")


@pytest.mark.parametrize(
    ("kind", "value", "problem"),
    [
        (Kind.MONEY, "５００.００", "not a number (digits are ASCII 0-9 (a full-width ５ is refused: write 5)): ５００.００"),
        (Kind.DATE, "２０２６-１２-０３", "not a date (YYYY-MM-DD) (digits are ASCII 0-9 (a full-width ５ is refused: write 5)): ２０２６-１２-０３"),
        (Kind.YEAR, "２０２６", "not a year (digits are ASCII 0-9 (a full-width ５ is refused: write 5)): ２０２６"),
        (Kind.DATE, "0000-01-01", "not a date (YYYY-MM-DD): 0000-01-01"),
        (Kind.TIMESTAMP, "2026-01-05T10:00+23:00", "not an ISO 8601 timestamp: 2026-01-05T10:00+23:00"),
        (Kind.MONEY, "500.00", None),
        (Kind.DATE, "2026-12-03", None),
    ],
)  # fmt: skip
def test_full_width_digits_are_refused_by_the_loader(kind: Kind, value: str, problem) -> None:
    frame = pl.DataFrame({"v": [value]})
    found = frame.select(column_problem(Column("v", kind), {})).item()
    assert (found if found is None else english(found)) == problem


@pytest.mark.parametrize(
    "assignment",
    [
        "pool_yuan=１０００",
        "incentive_share=０.２",
        "incentive_score_threshold=５０",
        "pool_yuan=1٠",
    ],
)
def test_a_full_width_what_if_parameter_is_refused(assignment: str) -> None:
    with pytest.raises(ScenarioRefused):
        parse_overrides([assignment])


def test_a_code_in_full_width_is_refused_and_a_chinese_one_is_a_code() -> None:
    column = Column("asset_id")
    frame = pl.DataFrame({"asset_id": ["Ａ１", "道里-1", "A1"]})
    assert frame.select(column_problem(column, {})).to_series().to_list() == [
        "代码含全角或兼容字符 / not a code: full-width or compatibility characters (write it as"
        " A1): Ａ１",
        None,
        None,
    ]
