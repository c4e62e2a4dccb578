"""Who a name is: two spellings of one person are one identity.

Four eyes compares people, not strings: `root`, `ROOT`, `ｒｏｏｔ` (full width), `r oot` and
`root` followed by an invisible U+200B are one person. A name's identity is its NFKC form, case
folded, NFKC again (folding can undo the normal form), without format characters (Unicode
category Cf: U+200B, U+2060, U+FEFF, bidirectional marks), controls (Cc) and separators (Zs,
Zl, Zp: every kind of space). Confusables across scripts (a Cyrillic `о` for a Latin `o`) are
not folded: Unicode's NFKC does not, and a reviewer is an account the warehouse authenticates,
created by an administrator (`munifund reviewer add`), who sees such a name.

The warehouse computes the same thing in SQL (`ops.person_identity`, written by revision
0014 from `removed_characters_class()`), where the decisions are checked.
"""

from __future__ import annotations

import sys
import unicodedata
from functools import cache

REMOVED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Zs"})


def identity(name: str | None) -> str:
    """The identity a name stands for ('' for a name of nothing but spaces and marks)."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name or "").casefold())
    return "".join(c for c in folded if unicodedata.category(c) not in REMOVED_CATEGORIES)


def same_person(a: str | None, b: str | None) -> bool:
    """Two names of one person (never true for an empty name)."""
    return bool(identity(a)) and identity(a) == identity(b)


def hidden_characters(name: str) -> list[str]:
    """The format and control characters in a name, as U+XXXX: a name shown to people must not
    hold what they cannot see."""
    return [f"U+{ord(c):04X}" for c in name if unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp"}]


@cache
def removed_ranges() -> tuple[tuple[int, int], ...]:
    """The code points an identity drops, as inclusive ranges (U+0000 left out: PostgreSQL's
    text cannot hold it)."""
    ranges: list[tuple[int, int]] = []
    for code in range(1, sys.maxunicode + 1):
        if unicodedata.category(chr(code)) in REMOVED_CATEGORIES:
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return tuple(ranges)


def removed_characters_class() -> str:
    """The code points an identity drops as a PostgreSQL regular expression's bracket
    expression, in escapes (\\uXXXX, \\UXXXXXXXX) so the SQL holds no invisible character."""

    def escaped(code: int) -> str:
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"

    parts = [escaped(a) if a == b else f"{escaped(a)}-{escaped(b)}" for a, b in removed_ranges()]
    return "[" + "".join(parts) + "]"
