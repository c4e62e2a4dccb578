"""Every delivered row against its contract, batch by batch, in polars.

The checks run in vectorised Rust beside the COPY that loads the rows (fast_copy.py,
streaming.py), so they cost little of a large load's time. Each batch goes through a cheap
screen first (one test per column: a regular expression, a set lookup); only the rows it does
not pass get the full checks, which name each column's first problem as the quarantine shows
it. A value is judged trimmed, an empty one as missing.

A key repeated inside one file is found without keeping the file's keys in memory: a Bloom
filter of fixed size (32 MiB) over the keys' hashes names candidates, and duplicates.py settles
them exactly. Problems are written to a spill file as they are found, so neither a large file
nor one full of bad rows fills memory.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO

import numpy as np
import polars as pl

from munifund.ingest import reasons as why
from munifund.ingest.contracts import (
    BOOLEAN_FALSE,
    BOOLEAN_TRUE,
    Column,
    KeyReference,
    Kind,
    NotBefore,
    SourceContract,
)
from munifund.ingest.values import (
    AMBIGUOUS_DATE,
    ASCII_ONLY,
    CODE_SUFFIXES,
    DATE_SHAPE,
    LOCAL_HINTS,
    NEGATIVE_SHAPE,
    NOT_ASCII,
    NUMBER_SHAPE,
    ORDINAL_SHAPE,
    TIME_PART,
    TIMESTAMP_SHAPE,
    YEAR_SHAPE,
    YEAR_ZERO,
)

LINE = "_line"
# set by the streaming reader: what reading a row found wrong, as (column, problem) pairs: a
# ragged row (column "*"), a cell with no value to read (a formula never calculated)
READ = "_read"
READ_PROBLEMS = pl.List(pl.Struct({"column_name": pl.String, "problem": pl.String}))
KEY_SEPARATOR = "\x1f"  # joins the columns of a composite key; cannot occur in delivered text
DUPLICATE = why.DUPLICATE_KEY()

# the precision staging casts to: numeric(18, 2) for yuan, numeric(18, 4) for quantities
INTEGER_DIGITS = {
    Kind.MONEY: 16,
    Kind.BALANCE: 16,
    Kind.QUANTITY: 14,
    Kind.SHARE: 14,
    Kind.CUMULATIVE_SHARE: 14,
}
DECIMALS = {Kind.MONEY: 2, Kind.BALANCE: 2, Kind.SHARE: 4, Kind.CUMULATIVE_SHARE: 4}
MAX_SHARE = 0.5
COUNT_SHAPE = r"^\+?[0-9]{1,9}$"  # 0 to 999,999,999: a headcount
QUARTER_SHAPE = r"^0*[1-4]$"
MAX_SCORE = 100

WORD_BITS = 22  # 2**22 words of 64 bits = 32 MiB, whatever the file's size
BITS_PER_KEY = 6  # with the word, 58 of the hash's 64 bits


def trimmed(name: str) -> pl.Expr:
    value = pl.col(name).str.strip_chars()
    return pl.when(value == "").then(None).otherwise(value)


def _first_problem(rules: list[tuple[pl.Expr, pl.Expr]]) -> pl.Expr:
    if not rules:
        return pl.lit(None, dtype=pl.String)
    (condition, message), *rest = rules
    chain = pl.when(condition).then(message)
    for condition, message in rest:
        chain = chain.when(condition).then(message)
    return chain.otherwise(None)


# what a value of each kind is not, as its problem says it
NOT_A = {
    Kind.DATE: why.NOT_A_DATE,
    Kind.TIMESTAMP: why.NOT_A_TIMESTAMP,
    Kind.YEAR: why.NOT_A_YEAR,
    Kind.ORDINAL: why.NOT_AN_ORDINAL,
    **dict.fromkeys(INTEGER_DIGITS, why.NOT_A_NUMBER),
}


def is_code(column: Column) -> bool:
    """A code (values.py): a key or a column naming one, free text of no set list."""
    return (
        column.kind is Kind.TEXT
        and not column.allowed
        and (column.references is not None or column.name.endswith(CODE_SUFFIXES))
    )


def column_problem(column: Column, known: Mapping[str, pl.Series]) -> pl.Expr:
    """The first problem of this column in each row, or null.

    `known` holds, per referenced source, the keys a reference may name.
    """
    v = trimmed(column.name)
    present = v.is_not_null()

    def says(reason: why.Reason, *args: object) -> pl.Expr:
        """The reason, then the value as delivered."""
        return pl.lit(reason(*args)) + v

    rules: list[tuple[pl.Expr, pl.Expr]] = []
    if column.required:
        rules.append((~present, pl.lit(why.MISSING())))
    if (limit := column.length_limit) is not None:
        # first, and without the value: the other rules would repeat the whole of it
        length = v.str.len_chars()
        rules.append((length > limit, pl.format(why.TOO_LONG("{}", limit), length)))
    kind = column.kind
    if kind in NOT_A:
        # before the shape: a full-width digit would otherwise read as "not a number" unexplained
        not_a = NOT_A[kind].en.removesuffix(": ")
        rules.append(
            (present & v.str.contains(NOT_ASCII), says(why.NOT_ASCII_DIGITS, not_a, ASCII_ONLY))
        )
    if is_code(column):
        nfkc = v.str.normalize("NFKC")
        rules.append((present & (v != nfkc), pl.format(why.NOT_A_CODE("{}") + "{}", nfkc, v)))
    if kind is Kind.DATE:
        rules.append((present & v.str.contains(AMBIGUOUS_DATE), says(why.AMBIGUOUS_DATE)))
        bad = (
            ~v.str.contains(DATE_SHAPE)
            | v.str.starts_with(YEAR_ZERO)
            | v.str.strptime(pl.Date, "%Y-%m-%d", strict=False).is_null()
        )
        rules.append((present & bad, says(why.NOT_A_DATE)))
    elif kind is Kind.TIMESTAMP:
        day = v.str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d", strict=False)
        bad = ~v.str.contains(TIMESTAMP_SHAPE) | v.str.starts_with(YEAR_ZERO) | day.is_null()
        rules.append((present & bad, says(why.NOT_A_TIMESTAMP)))
    elif kind is Kind.YEAR:
        rules.append((present & ~v.str.contains(YEAR_SHAPE), says(why.NOT_A_YEAR)))
    elif kind is Kind.ORDINAL:
        rules.append((present & ~v.str.contains(ORDINAL_SHAPE), says(why.NOT_AN_ORDINAL)))
    elif kind is Kind.COUNT:
        rules.append((present & v.str.contains(NEGATIVE_SHAPE), says(why.NEGATIVE)))
        rules.append((present & ~v.str.contains(COUNT_SHAPE), says(why.NOT_A_WHOLE_NUMBER)))
    elif kind is Kind.QUARTER:
        rules.append((present & ~v.str.contains(QUARTER_SHAPE), says(why.NOT_A_QUARTER)))
    elif kind is Kind.SCORE:
        rules.append((present & ~v.str.contains(NUMBER_SHAPE), says(why.NOT_A_NUMBER)))
        number = v.cast(pl.Float64, strict=False)
        rules.append(
            (
                present & ((number < 0) | (number > MAX_SCORE)),
                says(why.SCORE_OUT_OF_RANGE, MAX_SCORE),
            )
        )
        rules.append((present & v.str.contains(r"\.\d{2}\d*[1-9]"), says(why.TOO_MANY_DECIMALS, 2)))
    elif kind is Kind.BOOLEAN:
        spellings = list(BOOLEAN_TRUE + BOOLEAN_FALSE)
        rules.append((present & ~v.str.to_lowercase().is_in(spellings), says(why.NOT_A_BOOLEAN)))
    elif kind in INTEGER_DIGITS:
        rules.append((present & ~v.str.contains(NUMBER_SHAPE), says(why.NOT_A_NUMBER)))
        if kind is not Kind.BALANCE:
            rules.append((present & v.str.contains(NEGATIVE_SHAPE), says(why.NEGATIVE)))
        digits = INTEGER_DIGITS[kind]
        rules.append(
            (
                present & v.str.contains(rf"^[+-]?0*[1-9][0-9]{{{digits},}}"),
                says(why.TOO_MANY_DIGITS, digits),
            )
        )
        if kind is Kind.QUANTITY:
            # staging keeps 4 decimals: 14 nines and .99995 round to 15 digits, which overflow
            rules.append(
                (
                    present & v.str.contains(rf"^[+-]?0*9{{{digits}}}\.9999[5-9]"),
                    says(why.TOO_MANY_DIGITS_ROUNDED, digits),
                )
            )
        if kind in DECIMALS:
            places = DECIMALS[kind]
            # a digit other than 0 after the allowed places (1.230 is 1.23)
            rules.append(
                (
                    present & v.str.contains(rf"\.[0-9]{{{places}}}[0-9]*[1-9]"),
                    says(why.TOO_MANY_DECIMALS, places),
                )
            )
        if kind is Kind.SHARE:
            rules.append(
                (
                    present & (v.cast(pl.Float64, strict=False) > MAX_SHARE),
                    says(why.SHARE_TOO_HIGH, MAX_SHARE),
                )
            )
        if kind is Kind.CUMULATIVE_SHARE:
            number = v.cast(pl.Float64, strict=False)
            rules.append((present & (number <= 0), says(why.SHARE_NOT_POSITIVE)))
            rules.append((present & (number > 1), says(why.SHARE_ABOVE_ONE)))
    if column.allowed:
        allowed = list(column.allowed) + ([column.wildcard] if column.wildcard else [])
        rules.append(
            (present & ~v.is_in(allowed), says(why.UNKNOWN_VALUE, column.name.replace("_", " ")))
        )
    if column.references:
        source = column.references[0]
        rules.append(
            (
                present & ~v.is_in(known[source].implode()),
                says(why.UNKNOWN_REFERENCE, source.rstrip("s").replace("_", " ")),
            )
        )
    if column.required_when_negative:
        other = column.required_when_negative
        rules.append(
            (
                ~present & _is_negative(other),
                pl.lit(why.RECOVERY_NAMES_NOTHING(other, column.name)),
            )
        )
    return _first_problem(rules)


def _is_negative(name: str) -> pl.Expr:
    return trimmed(name).str.contains(NEGATIVE_SHAPE).fill_null(False)


# Days 29 to 31 exist only in some months: the screen sends them to the full check.
SCREEN_DATE = r"[0-9]{3}[1-9]-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])"
SCREEN = {
    Kind.DATE: rf"^{SCREEN_DATE}$",
    Kind.TIMESTAMP: rf"^{SCREEN_DATE}{TIME_PART}",
    Kind.YEAR: YEAR_SHAPE,
    Kind.ORDINAL: r"^[1-9][0-9]{0,3}$",
    Kind.QUANTITY: r"^[0-9]{1,14}(\.[0-9]{0,4})?$",  # more decimals: rounded, checked in full
    Kind.MONEY: r"^[0-9]{1,16}(\.[0-9]{0,2})?$",
    Kind.BALANCE: r"^-?[0-9]{1,16}(\.[0-9]{0,2})?$",
    Kind.COUNT: r"^[0-9]{1,9}$",
    Kind.QUARTER: r"^[1-4]$",
    Kind.SCORE: r"^(100(\.0{0,2})?|[0-9]{1,2}(\.[0-9]{0,2})?)$",
}


def column_screen(column: Column, known: Mapping[str, pl.Series]) -> pl.Expr:
    """True where the value is certainly good: one cheap test per column over every row, so
    that the full check (column_problem) runs only on the few rows the screen does not pass.
    Values here are as delivered, untrimmed: the loader never trusts the screen with a value
    that has spaces to trim (such a file takes the streaming path, which trims first)."""
    v = pl.col(column.name)
    tests: list[pl.Expr] = []
    if (limit := column.length_limit) is not None:
        tests.append(v.str.len_bytes() <= limit)  # no fewer bytes than characters: certain
    if column.kind in SCREEN:
        tests.append(v.str.contains(SCREEN[column.kind]))
    elif column.kind is Kind.BOOLEAN:
        tests.append(v.is_in(list(BOOLEAN_TRUE + BOOLEAN_FALSE)))
    elif column.kind in (Kind.SHARE, Kind.CUMULATIVE_SHARE):
        tests.append(pl.lit(False))  # a few rows a year: always the full check
    if column.allowed:
        tests.append(v.is_in(list(column.allowed)))
    if column.references:
        tests.append(v.is_in(known[column.references[0]].implode()))
    if is_code(column):
        tests.append(v.str.contains(r"^[!-~]+$"))  # printable ASCII: its own NFKC form
    if column.required_when_negative:
        # a missing value is good only beside an amount that is certainly not negative
        absent_ok = ~pl.col(column.required_when_negative).str.contains("-").fill_null(False)
        good = pl.all_horizontal(tests) if tests else pl.lit(True)
        return (v.is_null() & absent_ok) | (v.is_not_null() & good).fill_null(False)
    if not tests:
        return v.is_not_null() if column.required else pl.lit(True)
    good = pl.all_horizontal(tests)
    return good.fill_null(False) if column.required else (v.is_null() | good)


def _valid_date(name: str) -> pl.Expr:
    v = trimmed(name)
    return (
        v.str.contains(DATE_SHAPE) & v.str.strptime(pl.Date, "%Y-%m-%d", strict=False).is_not_null()
    )


def _joined(names: Sequence[str]) -> pl.Expr:
    return pl.concat_str([trimmed(n) for n in names], separator=KEY_SEPARATOR)


def key_reference_check(
    reference: KeyReference, known: Mapping[str, pl.Series]
) -> tuple[pl.Expr, pl.Expr]:
    """(problem, screen) of a row whose columns together must name another source's key; a
    row missing one of them is faulted by that column's own check."""
    named = _joined(reference.columns).is_in(known[reference.name].implode())
    message = pl.format(
        why.MISSING_PREREQUISITE(reference.problem), *(trimmed(n) for n in reference.columns)
    )
    problem = pl.when(named.not_()).then(message).otherwise(None)
    return problem, named.fill_null(False)


def not_before_check(
    contract: SourceContract, rule: NotBefore, known: Mapping[str, pl.Series]
) -> tuple[pl.Expr, pl.Expr]:
    """(problem, screen) of a date that may not precede the date of the row another column
    names. An unknown key or a bad date is its column's own problem, not this one's."""
    dates = known[rule.name(contract)]
    other = trimmed(rule.via).replace_strict(
        dates.struct.field("key"), dates.struct.field("date"), default=None,
        return_dtype=pl.String,
    )  # fmt: skip
    own = trimmed(rule.column)
    # ISO dates compare as text; only valid dates are compared
    before = _valid_date(rule.column) & other.is_not_null() & (own < other)
    message = pl.format(why.BEFORE_REFERENCED_DATE(rule.problem), own, trimmed(rule.via), other)
    problem = pl.when(before.fill_null(False)).then(message).otherwise(None)
    return problem, before.not_().fill_null(False)


def _to_rewrite(column: Column) -> pl.Expr:
    """Where a value must be rewritten before it loads: spaces to trim, a local form to
    normalise (values.py). Only the streaming path rewrites."""
    v = pl.col(column.name)
    rewrite = v.str.strip_chars() != v
    if (hint := LOCAL_HINTS.get(column.kind.value)) is not None:
        rewrite = rewrite | v.str.contains(hint)
    return rewrite


def key_expression(contract: SourceContract) -> pl.Expr:
    """The row's key as one string (null when a key column is missing)."""
    parts = [trimmed(k) for k in contract.key]
    if len(parts) == 1:
        return parts[0]
    return pl.concat_str(parts, separator=KEY_SEPARATOR)  # null if any part is null


@dataclass
class FileChecks:
    """What the checks of one file found, batch after batch.

    Problems go to `spill`, a CSV of (line, column, problem, row as delivered) that the loader
    copies into the warehouse: a file full of bad rows does not fill memory either.
    """

    contract: SourceContract
    known: Mapping[str, pl.Series]
    spill: IO[bytes]
    # keys of the same delivery (source and partition) that other files hold, with the files
    # (duplicates.other_files_keys)
    other_files_keys: pl.DataFrame | None = None
    duplicate_candidates: set[str] = field(default_factory=set)
    # this file's keys that other files of the delivery hold: their copies there must go too
    keys_elsewhere: set[str] = field(default_factory=set)
    # columns with values to trim or local forms to normalise: the fast path hands over
    untrimmed_columns: set[str] = field(default_factory=set)
    # what of the file was not read though the rest loads (a workbook's other sheets)
    file_problems: list[str] = field(default_factory=list)
    rows: int = 0
    problems: int = 0
    bad_lines: int = 0

    def __post_init__(self) -> None:
        self._words = np.zeros(1 << WORD_BITS, dtype=np.uint64)
        # (quarantine column label, problem expression) per check
        self._checks = [(c.name, column_problem(c, self.known)) for c in self.contract.columns]
        self._screens = [column_screen(c, self.known) for c in self.contract.columns]
        for reference in self.contract.key_references:
            problem, screen = key_reference_check(reference, self.known)
            self._checks.append((",".join(reference.columns), problem))
            self._screens.append(screen)
        for rule in self.contract.not_before:
            problem, screen = not_before_check(self.contract, rule, self.known)
            self._checks.append((rule.column, problem))
            self._screens.append(screen)
        self._elsewhere: pl.Series | None = None
        if self.other_files_keys is not None and self.other_files_keys.height:
            self._elsewhere = self.other_files_keys.get_column("key")
            files = key_expression(self.contract).replace_strict(
                self._elsewhere, self.other_files_keys.get_column("files"), default=None
            )
            label = ",".join(self.contract.key)
            self._checks.append((label, pl.format(why.DUPLICATE_ALSO_IN("{}"), files)))
            self._screens.append(
                ~key_expression(self.contract).is_in(self._elsewhere.implode()).fill_null(False)
            )

    def check(self, batch: pl.DataFrame) -> list[int]:
        """Check one batch and return the lines with a problem, which must not load.

        The batch has the contract's columns (an absent optional one may be missing), a `_line`
        column, and from the streaming reader a `_read` column; a problem found by reading a
        cell stands for that column's problem (a formula with no result is not "missing")."""
        names = [c.name for c in self.contract.columns]
        delivered = [c for c in batch.columns if c not in (LINE, READ)]
        read = [READ] if READ in batch.columns else []
        batch = batch.with_columns(
            pl.lit(None, dtype=pl.String).alias(n) for n in names if n not in batch.columns
        )
        self.rows += batch.height
        screened = batch.select(
            pl.all_horizontal(self._screens).alias("good"),
            key_expression(self.contract).alias("key"),
            *(_to_rewrite(c).any().alias(c.name) for c in self.contract.columns),
        )
        self._mark_duplicate_candidates(screened.get_column("key"))
        if self._elsewhere is not None:
            keys = screened.get_column("key")
            self.keys_elsewhere.update(keys.filter(keys.is_in(self._elsewhere.implode())))
        self.untrimmed_columns.update(n for n in names if screened.get_column(n)[0])
        # rechunked: polars 2.1 panics on string expressions over a filtered frame read from
        # CSV that holds a value of some 40 KB or more
        suspects = batch.filter(~screened.get_column("good")).rechunk()
        if read:
            suspects = pl.concat([suspects, batch.filter(pl.col(READ).is_not_null())]).unique(
                LINE, keep="first", maintain_order=True
            )
        if suspects.is_empty():
            return []
        labels = {f"p{i}": label for i, (label, _) in enumerate(self._checks)}
        flagged = suspects.select(
            pl.col(LINE),
            *(expression.alias(f"p{i}") for i, (_, expression) in enumerate(self._checks)),
            *read,
        ).filter(pl.any_horizontal(pl.col(*labels, *read).is_not_null()))
        if flagged.is_empty():
            return []
        problems = (
            flagged.unpivot(
                index=LINE, on=list(labels), variable_name="check", value_name="problem"
            )
            .drop_nulls("problem")
            .select(LINE, pl.col("check").replace_strict(labels).alias("column_name"), "problem")
        )
        if read:
            # what reading found is said in English only (reader.py, streaming.py)
            found = (
                flagged.select(LINE, READ)
                .drop_nulls(READ)
                .explode(READ)
                .unnest(READ)
                .with_columns(pl.col("problem").map_elements(why.bilingual, return_dtype=pl.String))
            )
            problems = pl.concat(
                [problems.join(found, on=[LINE, "column_name"], how="anti"), found]
            )
        rows = suspects.join(flagged.select(LINE), on=LINE, how="semi").select(
            LINE, pl.struct(delivered).struct.json_encode().alias("raw_row")
        )
        problems.join(rows, on=LINE, how="left").select(
            LINE, "column_name", "problem", "raw_row"
        ).write_csv(self.spill, include_header=False)
        self.problems += problems.height
        self.bad_lines += flagged.height
        return flagged.get_column(LINE).to_list()

    def _mark_duplicate_candidates(self, keys: pl.Series) -> None:
        """A blocked Bloom filter: each key sets six bits of one 64-bit word, all taken from
        its 64-bit hash (the word from the top bits, the bit positions from the bottom ones). A
        key whose bits are all set already, or whose hash repeats in this batch, is a candidate.
        False candidates: none in a million keys, about a hundred in five million (simulated);
        the loader settles every candidate exactly."""
        present = keys.drop_nulls()
        if present.is_empty():
            return
        hashes = present.hash().to_numpy()
        order = np.argsort(hashes)  # sorts by word too: the word is the hash's top bits
        hashes = hashes[order]
        words = (hashes >> np.uint64(64 - WORD_BITS)).astype(np.int64)
        masks = np.zeros(len(hashes), dtype=np.uint64)
        for i in range(BITS_PER_KEY):
            masks |= np.left_shift(np.uint64(1), (hashes >> np.uint64(6 * i)) & np.uint64(63))
        suspect = (self._words[words] & masks) == masks
        repeated = hashes[1:] == hashes[:-1]
        suspect[1:] |= repeated
        suspect[:-1] |= repeated
        # one OR per word: a fancy-indexed |= would keep only one of a word's keys
        starts = np.flatnonzero(np.r_[True, words[1:] != words[:-1]])
        self._words[words[starts]] |= np.bitwise_or.reduceat(masks, starts)
        if suspect.any():
            self.duplicate_candidates.update(present.gather(order[suspect]).to_list())


def known_keys(values: Sequence[str]) -> pl.Series:
    return pl.Series(values, dtype=pl.String)
