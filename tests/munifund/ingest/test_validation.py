"""The row checks on their own (no warehouse): the screen never passes a value the full check
would fault, the full check's rules, and the Bloom filter never misses a repeated key."""

from __future__ import annotations

import io

import polars as pl
import pytest
from deliveries import english
from hypothesis import given, settings
from hypothesis import strategies as st

from munifund.ingest.contracts import Column, Kind, SourceContract
from munifund.ingest.validation import LINE, FileChecks, column_problem, column_screen, known_keys

KNOWN = {"kiosks": known_keys(["K1", "K2"])}
TYPED = [
    Column("d", Kind.DATE, required=True),
    Column("t", Kind.TIMESTAMP, required=True),
    Column("y", Kind.YEAR),
    Column("b", Kind.BOOLEAN, required=True),
    Column("q", Kind.QUANTITY, required=True),
    Column("m", Kind.MONEY),
    Column("bal", Kind.BALANCE, required=True),
    Column("s", Kind.SHARE, required=True),
    Column("w", allowed=("sweeping", "greening"), wildcard="*", required=True),
    Column("k", references=("kiosks", "kiosk_id")),
    Column("c"),  # a code: at most 64 characters
    Column("n", max_length=8),
    Column("c", Kind.CUMULATIVE_SHARE, required=True),
    Column("n", Kind.ORDINAL, required=True),
    Column("h", Kind.COUNT, required=True),
    Column("qr", Kind.QUARTER, required=True),
    Column("sc", Kind.SCORE, required=True),
    Column("x_id", required=True),  # a code: its own NFKC form
]


def judge(column: Column, values: list[str | None]) -> tuple[list[bool], list[str | None]]:
    frame = pl.DataFrame({column.name: values}, schema={column.name: pl.String})
    out = frame.select(
        column_screen(column, KNOWN).alias("good"), column_problem(column, KNOWN).alias("problem")
    )
    return out.get_column("good").to_list(), out.get_column("problem").to_list()


# strings made of what the typed values are made of, so that near misses are common
value_text = st.one_of(
    st.none(),
    st.text(alphabet="0123456789-:.+TZ ５Ａ", max_size=26),  # full-width: never screened good
    st.text(alphabet="1.0道 ", min_size=6, max_size=70),  # about the length limits
    st.sampled_from(
        ["2026-02-29", "2024-02-29", "2026-04-31", "2026-01-05T24:00", "1.005", "-0.00",
         "12345678901234567", "0.5", "0.5001", "是", "TRUE", "*", "K1", " K1", "sweeping"]
    ),
)  # fmt: skip


@pytest.mark.parametrize("column", TYPED, ids=lambda c: c.name)
@settings(max_examples=300, deadline=None)
@given(values=st.lists(value_text, min_size=1, max_size=40))
def test_the_screen_passes_only_values_the_full_check_accepts(
    column: Column, values: list[str | None]
) -> None:
    good, problems = judge(column, values)
    for value, passed, problem in zip(values, good, problems, strict=True):
        if passed:
            assert problem is None, (value, problem)


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        (TYPED[0], "2026-02-29", "not a date (YYYY-MM-DD): 2026-02-29"),
        (TYPED[0], "2024-02-29", None),
        (TYPED[0], "05/01/2026", "ambiguous date (day and month cannot be told apart): write YYYY-MM-DD: 05/01/2026"),
        (TYPED[1], "2026-01-05 10:00:00+08:00", None),
        (TYPED[1], "2026-01-05T10:00Z", None),
        (TYPED[1], "2026-01-05+08", "not an ISO 8601 timestamp: 2026-01-05+08"),
        (TYPED[1], "now", "not an ISO 8601 timestamp: now"),
        (TYPED[4], "1e3", "not a number: 1e3"),
        (TYPED[4], "NaN", "not a number: NaN"),
        (TYPED[4], "-0.00", None),
        (TYPED[5], "1.230", None),
        (TYPED[5], "12345678901234567", "more than 16 digits before the decimal point: 12345678901234567"),
        (TYPED[6], "-12.50", None),
        (TYPED[7], "0.5", None),
        (TYPED[3], "否", None),
        (TYPED[3], "maybe", "not true/false/是/否: maybe"),
        (TYPED[8], "*", None),
        (TYPED[9], "K3", "unknown kiosk: K3"),
        (TYPED[9], None, None),
        (TYPED[6], "  ", "missing value"),
        (TYPED[10], "x" * 65, "too long: 65 characters, at most 64"),
        (TYPED[10], "x" * 64, None),
        (TYPED[11], "道" * 9, "too long: 9 characters, at most 8"),
        (TYPED[11], " 道道道道道道道道 ", None),  # trimmed first
        (TYPED[4], "1." + "0" * 45, "too long: 47 characters, at most 40"),
        (TYPED[0], "2026-01-01" * 9, "not a date (YYYY-MM-DD): " + "2026-01-01" * 9),
        (TYPED[12], "1", None),
        (TYPED[12], "0.25", None),
        (TYPED[12], "0", "share not above 0: 0"),
        (TYPED[12], "1.0001", "share above 1: 1.0001"),
        (TYPED[12], "-0.5", "negative: -0.5"),
        (TYPED[13], "4", None),
        (TYPED[13], "0", "not a whole number >= 1: 0"),
        (TYPED[13], "1.5", "not a whole number >= 1: 1.5"),
        (TYPED[14], "0", None),
        (TYPED[14], "120", None),
        (TYPED[14], "-3", "negative: -3"),
        (TYPED[14], "12.5", "not a whole number: 12.5"),
        (TYPED[14], "1234567890", "not a whole number: 1234567890"),
        (TYPED[15], "1", None),
        (TYPED[15], "4", None),
        (TYPED[15], "0", "not a quarter (1-4): 0"),
        (TYPED[15], "5", "not a quarter (1-4): 5"),
        (TYPED[15], "1.0", "not a quarter (1-4): 1.0"),
        (TYPED[16], "0", None),
        (TYPED[16], "100", None),
        (TYPED[16], "100.00", None),
        (TYPED[16], "59.99", None),
        (TYPED[16], "100.01", "score outside 0-100: 100.01"),
        (TYPED[16], "-1", "score outside 0-100: -1"),
        (TYPED[16], "59.999", "more than 2 decimals: 59.999"),
        (TYPED[16], "good", "not a number: good"),
    ],
)  # fmt: skip
def test_the_full_check_names_the_problem(column: Column, value: str, problem: str | None) -> None:
    found = judge(column, [value])[1][0]
    assert (found if found is None else english(found)) == problem


def test_every_repeated_key_is_a_candidate_across_batches() -> None:
    contract = SourceContract("things", (Column("id", required=True),), key=("id",))
    checks = FileChecks(contract, {}, io.BytesIO())
    repeated = {f"id-{i}" for i in range(0, 300_000, 9_973)}
    line = 2
    for start in range(0, 300_000, 50_000):
        ids = [f"id-{i}" for i in range(start, start + 50_000)]
        if start:  # every batch after the first repeats keys of all the batches before it
            ids += sorted(k for k in repeated if int(k[3:]) < start)
        else:  # and the first repeats one of its own
            ids.append("id-7")
        frame = pl.DataFrame({"id": ids}).with_row_index(LINE, offset=line)
        checks.check(frame.with_columns(pl.col(LINE).cast(pl.Int64)))
        line += frame.height
    assert {k for k in repeated if int(k[3:]) < 250_000} | {"id-7"} <= checks.duplicate_candidates
    # false candidates are rare: a few at most at this size
    assert len(checks.duplicate_candidates) < len(repeated) + 5


# disbursements: a negative amount is a recovery and must name the payment it reverses
REVERSES = Column(
    "reverses", references=("disbursements", "payment_id"), required_when_negative="amount"
)
PAYMENTS = {"disbursements": known_keys(["P1"])}


@pytest.mark.parametrize(
    ("amount", "reverses", "problem"),
    [
        ("100.00", None, None),
        ("-0.00", None, None),
        ("-25.00", "P1", None),
        ("100.00", "P1", None),
        ("-25.00", None, "missing value: a negative amount is a recovery and must name in reverses the payment it claws back"),
        ("-25.00", " ", "missing value: a negative amount is a recovery and must name in reverses the payment it claws back"),
        ("-25.00", "P9", "unknown disbursement: P9"),
        (None, None, None),
    ],
)  # fmt: skip
def test_a_recovery_must_name_a_known_payment(
    amount: str | None, reverses: str | None, problem: str | None
) -> None:
    frame = pl.DataFrame(
        {"amount": [amount], "reverses": [reverses]},
        schema={"amount": pl.String, "reverses": pl.String},
    )
    out = frame.select(
        column_screen(REVERSES, PAYMENTS).alias("good"),
        column_problem(REVERSES, PAYMENTS).alias("problem"),
    )
    found = out.get_column("problem")[0]
    assert (found if found is None else english(found)) == problem
    if out.get_column("good")[0]:  # the screen never passes what the full check faults
        assert problem is None
