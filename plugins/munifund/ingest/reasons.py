"""Why a row or a file was refused, declared once, in Chinese first and then in English.

Every reason the quarantine records is a `Reason` of this table: a code, the Chinese that a
department's clerk reads first, and the English text (as it always was, so that what greps the
English still finds it). `Reason(...)` writes `日期无法识别 / not a date (YYYY-MM-DD): 03/04/2026`:
the Chinese half names the kind of problem, the English half says it in full with the value.

The reader (reader.py, delivery.py) and the streaming path say what they find in English only;
their texts are declared here too, as patterns, and `bilingual()` gives such a text its Chinese
half where it enters the quarantine (quarantine.quarantine_entry, validation.FileChecks), so
that no reason reaches the warehouse in one language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

SEPARATOR = " / "


@dataclass(frozen=True)
class Reason:
    code: str
    zh: str
    # the English text; each `{}` takes an argument in order
    en: str

    def __call__(self, *args: object) -> str:
        """The reason as the quarantine records it, its arguments in the English half; an
        argument beyond its `{}`s follows the text (the value a "not a date: " is about)."""
        n = self.en.count("{}")
        return self.zh + SEPARATOR + self.en.format(*args[:n]) + "".join(map(str, args[n:]))

    @property
    def prefix(self) -> str:
        """The reason up to its first argument: what a value follows in a polars expression."""
        return self.zh + SEPARATOR + self.en.split("{}", 1)[0]

    @property
    def pattern(self) -> re.Pattern[str]:
        """The English text with any argument: how a text said in English only is recognised."""
        parts = (re.escape(part) for part in self.en.split("{}"))
        return re.compile("(?s)" + "(.*?)".join(parts))


def _r(code: str, zh: str, en: str) -> Reason:
    return Reason(code, zh, en)


# -------------------------------------------------------------------- a value of a row
MISSING = _r("missing", "缺少必填值", "missing value")
TOO_LONG = _r("too_long", "值过长", "too long: {} characters, at most {}")
NOT_ASCII_DIGITS = _r("not_ascii_digits", "数字须为半角 0-9", "{} ({}): ")
NOT_A_CODE = _r(
    "not_a_code", "代码含全角或兼容字符",
    "not a code: full-width or compatibility characters (write it as {}): ",
)  # fmt: skip
AMBIGUOUS_DATE = _r(
    "ambiguous_date", "日期有歧义（日、月无法区分）",
    "ambiguous date (day and month cannot be told apart): write YYYY-MM-DD: ",
)  # fmt: skip
NOT_A_DATE = _r("not_a_date", "日期无法识别", "not a date (YYYY-MM-DD): ")
NOT_A_TIMESTAMP = _r("not_a_timestamp", "时间无法识别", "not an ISO 8601 timestamp: ")
NOT_A_YEAR = _r("not_a_year", "年份无法识别", "not a year: ")
NOT_AN_ORDINAL = _r("not_an_ordinal", "须为不小于 1 的整数", "not a whole number >= 1: ")
NOT_A_WHOLE_NUMBER = _r("not_a_whole_number", "须为整数", "not a whole number: ")
NOT_A_QUARTER = _r("not_a_quarter", "季度须为 1-4", "not a quarter (1-4): ")
NOT_A_NUMBER = _r("not_a_number", "数字无法识别", "not a number: ")
NEGATIVE = _r("negative", "不能为负数", "negative: ")
SCORE_OUT_OF_RANGE = _r("score_out_of_range", "得分超出范围", "score outside 0-{}: ")
TOO_MANY_DECIMALS = _r("too_many_decimals", "小数位数过多", "more than {} decimals: ")
TOO_MANY_DIGITS = _r(
    "too_many_digits", "整数位数过多", "more than {} digits before the decimal point: "
)
TOO_MANY_DIGITS_ROUNDED = _r(
    "too_many_digits_rounded", "舍入后整数位数过多",
    "more than {} digits before the decimal point once rounded: ",
)  # fmt: skip
NOT_A_BOOLEAN = _r("not_a_boolean", "须为 是/否", "not true/false/是/否: ")
SHARE_TOO_HIGH = _r("share_too_high", "奖励比例超过上限", "incentive share above {}: ")
SHARE_NOT_POSITIVE = _r("share_not_positive", "比例须大于 0", "share not above 0: ")
SHARE_ABOVE_ONE = _r("share_above_one", "比例不能超过 1", "share above 1: ")
UNKNOWN_VALUE = _r("unknown_value", "不是允许的取值", "unknown {}: ")
UNKNOWN_REFERENCE = _r("unknown_reference", "引用的记录不存在", "unknown {}: ")
RECOVERY_NAMES_NOTHING = _r(
    "recovery_names_nothing", "追回款未注明冲回的拨付",
    "missing value: a negative {} is a recovery and must name in {} the payment it claws back",
)  # fmt: skip
# the contract says the rest (contracts.KeyReference.problem, contracts.NotBefore.problem)
MISSING_PREREQUISITE = _r("missing_prerequisite", "所依据的数据尚未交付", "{}")
BEFORE_REFERENCED_DATE = _r("before_referenced_date", "日期早于所引用记录的日期", "{}")
DUPLICATE_KEY = _r("duplicate_key", "同一交付中主键重复", "duplicate key in this delivery")
DUPLICATE_FIRST_AT = _r("duplicate_key", DUPLICATE_KEY.zh, DUPLICATE_KEY.en + " (first at line {})")
DUPLICATE_ALSO_IN = _r("duplicate_key", DUPLICATE_KEY.zh, DUPLICATE_KEY.en + " (also in {})")

# a recovery (a negative disbursement) against the payment it names (recoveries.py)
RECOVERY_OF_NOTHING_KNOWN = _r(
    "recovery_of_unknown_payment", "冲回的拨付此前未交付",
    "reverses {}, which no earlier file or partition delivered",
)  # fmt: skip
RECOVERY_OF_RECOVERY = _r(
    "recovery_of_recovery", "冲回的本身是追回款",
    "reverses {}, itself a recovery: a recovery names the payment it claws back",
)  # fmt: skip
RECOVERY_OTHER_DISTRICT = _r(
    "recovery_other_district", "冲回的拨付属于其他区",
    "reverses {} of district {}: a recovery claws back a payment of its own district ({})",
)  # fmt: skip
RECOVERY_OTHER_YEAR = _r(
    "recovery_other_year", "冲回的拨付属于其他年度",
    "reverses {} of fiscal year {}: a recovery claws back a payment of its own fiscal year ({})",
)  # fmt: skip
RECOVERY_TOO_LARGE = _r(
    "recovery_too_large", "追回金额超过拨付余额",
    "recovers {} of {}, of which {} remains (paid {}, recovered {} before)",
)  # fmt: skip

# what reading a row found (streaming.py, reader.py: said in English there)
RAGGED_ROW = _r("ragged_row", "该行字段数与表头不符", "has {} fields, the header has {}")
FIELD_TOO_LONG = _r(
    "field_too_long", "字段超出长度上限", "too long: {} characters, beyond the field limit{}"
)
CELL_ERROR = _r("cell_error", "单元格是错误值而不是数值", "an error instead of a value: {}")
FORMULA_WITHOUT_RESULT = _r(
    "formula_without_result", "公式没有保存结果", "a formula with no saved result{}"
)

# -------------------------------------------------------------------- a whole file
FILE_NOT_LOADED = _r("file_not_loaded", "文件未载入", "file not loaded: {}")
# what the reader says of a file it cannot read (reader.py, delivery.py), after "file not loaded: "
NOT_CSV_OR_XLSX = _r("not_csv_or_xlsx", "不是 CSV 或 .xlsx 文件", "not a CSV or .xlsx file{}")
MISSING_COLUMNS = _r("missing_columns", "缺少必填列", "missing required column(s): {}")
COLUMN_TWICE = _r("column_twice", "表头中同一列出现两次", "column {} appears twice in the header{}")
WRONG_ENCODING = _r(
    "wrong_encoding", "文件编码不是 UTF-8、带 BOM 的 UTF-8 或 GB18030/GBK",
    "encoding is none of UTF-8, UTF-8 with BOM or GB18030/GBK{}",
)  # fmt: skip
UTF16 = _r("utf16", "文件编码为 UTF-16", "encoded as UTF-16{}")
BAD_BOM = _r("bad_bom", "文件带 UTF-8 BOM 但内容不是 UTF-8", "starts with a UTF-8 BOM but{}")
NO_HEADER = _r("no_header", "没有表头行", "{}no header row{}")
NOT_CSV = _r("not_readable_csv", "无法按 CSV 读取", "not readable as CSV{}")
NOT_XLSX = _r("not_readable_xlsx", "无法读取 .xlsx 工作簿", "not a readable .xlsx workbook{}")
NO_SHEET = _r("no_sheet", "工作簿没有工作表", "the workbook has no sheet")
XLSX_TOO_LARGE = _r("xlsx_too_large", "工作簿解压后过大", "its part {} unpacks to {}")
NOT_TAKEN = _r(
    "not_taken", "文件无法载入，请联系运维人员", "could not be taken ({}); tell the operators"
)
OTHER_SHEETS = _r("other_sheets", "其他工作表未读取", "sheet(s) {} not read: {}")

# -------------------------------------------------------------------- the landing area
FOLDER_NOT_A_DATE = _r(
    "folder_not_a_date", "文件夹名不是交付日期",
    "folder not read: its name is not a delivery date (YYYY-MM-DD);"
    " rename it to the date the data became known",
)  # fmt: skip
UNKNOWN_SOURCE = _r(
    "unknown_source", "没有此名称的数据源",
    "folder not read: no source has this name (see sources.md for the sources)",
)  # fmt: skip
LINK_OUTSIDE = _r(
    "link_outside", "链接指向交付区之外", "not followed: a link that leads outside the landing area"
)
LOOSE_FILE = _r(
    "loose_file", "文件不在任何交付日期文件夹内",
    "file not read: it lies outside any partition; put it in <source>/<YYYY-MM-DD>/",
)  # fmt: skip
INNER_FOLDER = _r(
    "inner_folder",
    "交付日期文件夹内不能有子文件夹",
    "folder not read: a partition holds files only",
)
NOT_A_FILE = _r(
    "not_a_file", "既不是文件也不是文件夹", "not read: neither a file nor a folder (a broken link?)"
)
UNLISTABLE = _r("unlistable", "文件夹无法列出", "folder not read: it cannot be listed{}")

# anything said in English that no reason above declares: never recorded in one language
OTHER = _r("other", "数据有误", "{}")

#: what a file's reason may say after "file not loaded: ", most specific first
FILE_REASONS = (
    NOT_TAKEN, NOT_CSV_OR_XLSX, MISSING_COLUMNS, COLUMN_TWICE, WRONG_ENCODING, UTF16, BAD_BOM,
    NO_HEADER, NOT_CSV, NOT_XLSX, NO_SHEET, XLSX_TOO_LARGE,
)  # fmt: skip
#: what the reader and the landing survey say in English, recognised by `bilingual`
ENGLISH_ONLY = (
    DUPLICATE_FIRST_AT, DUPLICATE_ALSO_IN, RAGGED_ROW, FIELD_TOO_LONG, CELL_ERROR,
    FORMULA_WITHOUT_RESULT, OTHER_SHEETS, FOLDER_NOT_A_DATE, UNKNOWN_SOURCE, LINK_OUTSIDE,
    LOOSE_FILE, INNER_FOLDER, NOT_A_FILE, UNLISTABLE,
)  # fmt: skip


def all_reasons() -> list[Reason]:
    """Every reason declared here."""
    return [value for value in globals().values() if isinstance(value, Reason)]


@cache
def _zh() -> tuple[str, ...]:
    return tuple({r.zh for r in all_reasons()})


def is_bilingual(text: str) -> bool:
    """Whether the text starts with a reason's Chinese half (a file's carries what the reader
    found in brackets) and has its English half after it."""
    return text.startswith(_zh()) and SEPARATOR in text


def _recognised(text: str, reasons: tuple[Reason, ...]) -> Reason | None:
    return next((r for r in reasons if r.pattern.fullmatch(text)), None)


def bilingual(text: str) -> str:
    """A reason said in English only, with its Chinese half first; one said in both, as it is.

    "file not loaded: missing required column(s): amount_yuan" reads
    "文件未载入（缺少必填列） / file not loaded: missing required column(s): amount_yuan"."""
    if is_bilingual(text):
        return text
    if (inner := _recognised(text, (FILE_NOT_LOADED,))) is not None:
        detail = text.removeprefix(FILE_NOT_LOADED.en.split("{}")[0])
        if (what := _recognised(detail, FILE_REASONS)) is not None:
            return f"{FILE_NOT_LOADED.zh}（{what.zh}）{SEPARATOR}{text}"
        return inner.zh + SEPARATOR + text
    reason = _recognised(text, ENGLISH_ONLY) or OTHER
    return reason.zh + SEPARATOR + text


def english(text: str) -> str:
    """The English half of a reason (all of a text that has no Chinese half)."""
    return text.split(SEPARATOR, 1)[1] if is_bilingual(text) else text
