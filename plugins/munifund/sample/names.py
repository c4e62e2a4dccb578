"""Names and numbers of the sample city's assets: numbered, plain, and in Chinese numerals."""

from __future__ import annotations

from munifund.sample import harbin


class Namer:
    """Readable ids and plausible Chinese names, per asset class."""

    def __init__(self) -> None:
        self.counters: dict[str, int] = {}

    def next_id(self, prefix: str, width: int) -> str:
        number = self.counters.get(prefix, 0) + 1
        self.counters[prefix] = number
        return f"{prefix}-{number:0{width}d}"


def width_for(count: int, minimum: int) -> int:
    return max(minimum, len(str(count)))


_ZH_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1..99 in Chinese numerals (一, 十二, 二十三); larger numbers stay Arabic."""
    if n < 10:
        return _ZH_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _ZH_DIGITS[tens]) + "十" + (_ZH_DIGITS[ones] if ones else "")
    return str(n)


def numbered_name(index: int, suffix: str) -> str:
    """`学府一道街`, `友谊二道街`, …: unique for every index."""
    stems = harbin.ROAD_STEMS
    stem = stems[index % len(stems)]
    return f"{stem}{chinese_number(index // len(stems) + 1)}{suffix}"


def plain_name(index: int, suffix: str) -> str:
    """`学府立交桥`, `友谊立交桥`, …, then `学府立交桥2`: unique for every index."""
    stems = harbin.ROAD_STEMS
    round_ = index // len(stems)
    return f"{stems[index % len(stems)]}{suffix}{round_ + 1 if round_ else ''}"
