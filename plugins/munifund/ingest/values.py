"""What a number, a date, a timestamp, a year and a code are, written once for the loader's
checks (validation.py), a scenario's parameters (whatif/parameters.py) and the warehouse's
casts (dbt_project/macros/casts.sql and staging's `cast(... as date|integer)`), so that a value
the checks accept always passes its cast (tests/munifund/ingest/test_values.py casts them in
PostgreSQL).

Digits are ASCII 0-9 only. Python's `\\d` and Decimal, and polars' `\\d`, take any script's
digits (full-width ５００.００, Arabic-Indic ٥), which PostgreSQL's casts refuse: such a value
passed the checks and broke the build. It is refused, not folded: raw keeps what was delivered,
and a value changed on the way in would need the streaming path for every file. Local forms
(issue 27: 2026/12/03, 1,234.50, 88.00元) are to be normalised into these shapes before the
checks, so that these stay the only shapes that reach raw; folding full-width digits by NFKC
would be one more such form.

A code (a key, or a column naming one: `*_id`, `*_code`, `*_no`, or a reference) must be its
own NFKC form: `Ａ１` and `A1` look alike and would be two keys.
"""

from __future__ import annotations

import datetime as dt
import re

DIGIT = "[0-9]"
YEAR_SHAPE = r"^[0-9]{4}$"
DATE_PART = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
DATE_SHAPE = rf"^{DATE_PART}$"
# ISO 8601 as sources.md allows it: a date, or a date and time (T or space), seconds and
# fractions optional, then Z or an offset, which needs a time. PostgreSQL takes offsets up to
# 15:59 either way.
TIME_PART = (
    r"([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?"
    r"(Z|[+-](0[0-9]|1[0-5])(:?[0-5][0-9])?)?)?$"
)
TIMESTAMP_SHAPE = rf"^{DATE_PART}{TIME_PART}"
# a year PostgreSQL's date has no 0: the year before 1 is 1 BC
YEAR_ZERO = "0000"
NUMBER_SHAPE = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$"  # plain decimals: no exponent, NaN or Infinity
ORDINAL_SHAPE = r"^0*[1-9][0-9]{0,3}$"  # 1 to 9999: a schedule's instalment number
# below zero: a minus sign and a digit other than 0 (-0.00 is zero)
NEGATIVE_SHAPE = r"^-.*[1-9]"
# beyond ASCII: what a number, date, timestamp or year must not hold
NOT_ASCII = r"[^\x00-\x7f]"
ASCII_ONLY = "digits are ASCII 0-9 (a full-width ５ is refused: write 5)"
CODE_SUFFIXES = ("_id", "_code", "_no")


def is_number(text: str) -> bool:
    """A plain decimal in ASCII digits, as the checks and PostgreSQL's numeric read it."""
    return re.fullmatch(NUMBER_SHAPE, text) is not None


# ---------------------------------------------------------------------------------- local forms
# Unambiguous local forms, normalised into the shapes above before the checks (the streaming
# path; the fast path hands such a file over when a block holds one): dates written YYYY/MM/DD
# or YYYY年M月D日, money with a thousands separator or a trailing 元. What does not read as one
# exactly is left as delivered, and the checks refuse it. A date with the year last (03/04/2026)
# is ambiguous and refused, never guessed.
LOCAL_DATE = re.compile(
    r"^([0-9]{4})(?:/([0-9]{1,2})/([0-9]{1,2})|年([0-9]{1,2})月([0-9]{1,2})日)$"
)
LOCAL_MONEY = re.compile(r"^([+-]?)([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(\.[0-9]{0,2})?(?: ?元)?$")
AMBIGUOUS_DATE = r"^[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{4}$"
# what a value in a local form holds, by kind name: a file holding one takes the streaming path
LOCAL_HINTS = {"date": "[/年]", "money": "[,元]", "balance": "[,元]"}


def local_date(text: str) -> str:
    """YYYY/MM/DD or YYYY年M月D日 as YYYY-MM-DD, when it is a real date; else as delivered."""
    match = LOCAL_DATE.match(text)
    if match is None:
        return text
    year, *parts = match.groups()
    month, day = (int(p) for p in parts if p is not None)
    try:
        return dt.date(int(year), month, day).isoformat()
    except ValueError:
        return text


def local_money(text: str) -> str:
    """1,234.50 or 88.00元 as 1234.50 or 88.00; else as delivered."""
    match = LOCAL_MONEY.match(text)
    if match is None or ("," not in text and "元" not in text):
        return text
    sign, digits, decimals = match.groups()
    return sign + digits.replace(",", "") + (decimals or "")


LOCAL_FORMS = {"date": local_date, "money": local_money, "balance": local_money}
