"""Small helpers the sample generators share: seeded randomness, dates, money and quantity text."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta


def rng_for(seed: int, stream: str) -> random.Random:
    """One independent random stream per part of the sample city.

    Seeding with a string is deterministic across processes (it is hashed with SHA-512, not with
    the salted ``hash()``), and separate streams keep, say, the kiosks unchanged when the
    work-order generator changes.
    """
    return random.Random(f"munifund-sample:{seed}:{stream}")


def iso(day: date | None) -> str:
    return "" if day is None else day.isoformat()


def timestamp(moment: datetime, *, with_offset: bool = False) -> str:
    """ISO 8601 local time (Asia/Shanghai), optionally with its explicit +08:00 offset."""
    text = moment.isoformat(timespec="seconds")
    return text + "+08:00" if with_offset else text


def yuan(fen: int) -> str:
    """Integer fen as yuan with exactly 2 decimals: no float artefacts."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


# Quantities are kept in hundredths of their unit (m2 with 2 decimals) and formatted the same way.
hundredths = yuan


def divide_half_up(numerator: int, denominator: int) -> int:
    """Round numerator / denominator half up, in integers (for non-negative operands)."""
    return (2 * numerator + denominator) // (2 * denominator)


def random_day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def month_start(year: int, month: int) -> date:
    return date(year, month, 1)


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def month_end(day: date) -> date:
    return next_month(day) - timedelta(days=1)


def months(first: date, last: date) -> Iterator[date]:
    """The first day of every month from first's month to last's month, inclusive."""
    current = first.replace(day=1)
    while current <= last:
        yield current
        current = next_month(current)


def split_amount(total: int, parts: int, rng: random.Random) -> list[int]:
    """Split a non-negative integer (fen) into `parts` positive-ish integers summing exactly."""
    weights = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    scale = sum(weights)
    shares = [int(total * w / scale) for w in weights]
    shares[0] += total - sum(shares)
    return shares


def cumulative(weights: Sequence[float]) -> list[float]:
    """Cumulative weights for ``rng.choices(..., cum_weights=...)``: faster than weights=."""
    running = 0.0
    result = []
    for weight in weights:
        running += weight
        result.append(running)
    return result
