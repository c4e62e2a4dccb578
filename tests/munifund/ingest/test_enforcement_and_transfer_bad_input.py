"""Bad input of the enforcement sources and of transfers (issue 24): each bad row is quarantined
with its file, line, column and a problem naming the value, the good rows of the file load, and
nothing of a bad row reaches raw (so nothing published can change).

Two checks look at another source: an assessment needs staffing of its district and year
delivered on or before its own partition, and a transfer may not take effect before its asset, as
last delivered on or before the transfer's partition, was commissioned. Both run on the fast path
(a plain CSV) and on the streaming path (a quoted field sends the file there).
"""

from __future__ import annotations

import pytest
from deliveries import ASSETS_HEADER, D1, D2, D3, deliver, english, quarantine

from munifund.ingest.loader import ingest

STAFFING = "district_code,fiscal_year,approved_headcount,yuan_per_head\n"
ASSESSMENTS = "district_code,fiscal_year,quarter,assessed_on,score,assessor\n"
TRANSFERS = "transfer_id,asset_id,work_type,to_tier,to_district_code,effective_date,decree_ref\n"
NO_STAFFING = (
    "no enforcement staffing of district {} for fiscal year {} delivered on or before this"
    " partition: deliver the staffing first, then the assessment again"
)


def _quoted(text: str, streaming: bool) -> str:
    """The same file; on the streaming path its first data line's last field is quoted."""
    if not streaming:
        return text
    header, first, *rest = text.split("\n")
    fields = first.split(",")
    fields[-1] = f'"{fields[-1]}"'
    return "\n".join([header, ",".join(fields), *rest])


PATHS = pytest.mark.parametrize("streaming", [False, True], ids=["fast", "streaming"])


@PATHS
def test_bad_staffing_rows_are_quarantined(empty_warehouse, landing, streaming: bool) -> None:
    deliver(landing, "enforcement_staffing", D1, "s.csv", _quoted(STAFFING
        + "230102,2026,120,86437.50\n"
        "230103,2026,-3,86437.50\n"
        "230103,2023,12.5,86437.50\n"
        "239999,2026,10,86437.50\n"
        "230103,2025,10,86437.505\n"
        "230103,2024,,100.00\n", streaming))  # fmt: skip
    with empty_warehouse.connect() as conn:
        ingest(conn, landing, D1, "run-1")
        rows = quarantine(conn, "enforcement_staffing")
        loaded = conn.execute(
            "select district_code, fiscal_year, approved_headcount from raw.enforcement_staffing"
        ).fetchall()
    assert loaded == [("230102", "2026", "120")]
    assert rows == [
        ("s.csv", 3, "approved_headcount", "negative: -3"),
        ("s.csv", 4, "approved_headcount", "not a whole number: 12.5"),
        ("s.csv", 5, "district_code", "unknown district: 239999"),
        ("s.csv", 6, "yuan_per_head", "more than 2 decimals: 86437.505"),
        ("s.csv", 7, "approved_headcount", "missing value"),
    ]


@PATHS
def test_bad_assessment_rows_are_quarantined(empty_warehouse, landing, streaming: bool) -> None:
    deliver(landing, "enforcement_staffing", D1, "s.csv", STAFFING
        + "230102,2026,120,86437.50\n230103,2025,80,86437.50\n")  # fmt: skip
    deliver(landing, "enforcement_assessments", D2, "a.csv", _quoted(ASSESSMENTS
        + "230102,2026,1,2026-04-15,60,bureau\n"
        "230102,2026,0,2026-04-15,70,bureau\n"
        "230102,2026,5,2026-04-15,70,bureau\n"
        "230102,2026,2,2026-07-15,100.01,bureau\n"
        "230102,2026,3,2026-10-15,-1,bureau\n"
        "230102,2026,4,2027-01-15,99.999,bureau\n"
        "230103,2026,1,2026-04-15,80,bureau\n", streaming))  # fmt: skip
    with empty_warehouse.connect() as conn:
        ingest(conn, landing, D2, "run-1")
        rows = quarantine(conn, "enforcement_assessments")
        loaded = conn.execute(
            "select district_code, quarter, score from raw.enforcement_assessments"
        ).fetchall()
    assert loaded == [("230102", "1", "60")]
    assert rows == [
        ("a.csv", 3, "quarter", "not a quarter (1-4): 0"),
        ("a.csv", 4, "quarter", "not a quarter (1-4): 5"),
        ("a.csv", 5, "score", "score outside 0-100: 100.01"),
        ("a.csv", 6, "score", "score outside 0-100: -1"),
        ("a.csv", 7, "score", "more than 2 decimals: 99.999"),
        # 230103 has staffing for 2025 only
        ("a.csv", 8, "district_code,fiscal_year", NO_STAFFING.format("230103", "2026")),
    ]


def test_an_assessment_needs_staffing_delivered_on_or_before_its_partition(
    empty_warehouse, landing
) -> None:
    """Staffing delivered later does not save an assessment taken before it (a catch-up run
    gives what the nights would have); the assessment delivered again after it loads."""
    deliver(landing, "enforcement_assessments", D1, "a.csv", ASSESSMENTS
        + "230102,2026,1,2026-04-15,60,bureau\n")  # fmt: skip
    deliver(landing, "enforcement_staffing", D2, "s.csv", STAFFING + "230102,2026,120,86437.50\n")
    deliver(landing, "enforcement_assessments", D3, "a.csv", ASSESSMENTS
        + "230102,2026,1,2026-04-15,60,bureau\n")  # fmt: skip
    with empty_warehouse.connect() as conn:
        ingest(conn, landing, D3, "run-1")
        rows = english(
            conn.execute(
                "select partition_date, line, column_name, problem from ops.quarantine"
                " where source = 'enforcement_assessments'"
            ).fetchall()
        )
        loaded = conn.execute("select _partition_date from raw.enforcement_assessments").fetchall()
    assert rows == [(D1, 2, "district_code,fiscal_year", NO_STAFFING.format("230102", "2026"))]
    assert loaded == [(D3,)]


@PATHS
def test_bad_transfers_are_quarantined(empty_warehouse, landing, streaming: bool) -> None:
    deliver(landing, "assets", D1, "assets.csv", ASSETS_HEADER
        + "A1,trunk_road,Road 1,230102,,,2025-06-01,\n"
        "A2,trunk_road,Road 2,230103,,,2026-03-01,\n")  # fmt: skip
    # A2's commissioning corrected later: the transfers delivered after it are checked against
    # the correction, those delivered before against what was known then
    deliver(landing, "assets", D3, "assets.csv", ASSETS_HEADER
        + "A2,trunk_road,Road 2,230103,,,2026-01-15,\n")  # fmt: skip
    deliver(landing, "asset_transfers", D2, "t.csv", _quoted(TRANSFERS
        + "T1,A1,*,district,230103,2025-06-01,decree 1\n"
        "T2,A1,*,district,239999,2026-01-01,decree 2\n"
        "T3,A1,sweeping,county,230103,2026-01-01,decree 3\n"
        "T4,A1,*,district,230103,2025-05-31,decree 4\n"
        "T5,A2,*,district,230102,2026-02-01,decree 5\n", streaming))  # fmt: skip
    deliver(landing, "asset_transfers", D3, "t.csv", TRANSFERS
        + "T6,A2,*,district,230102,2026-02-01,decree 6\n"
        "T7,A2,*,district,230102,2026-01-14,decree 7\n")  # fmt: skip
    with empty_warehouse.connect() as conn:
        ingest(conn, landing, D3, "run-1")
        rows = quarantine(conn, "asset_transfers")
        loaded = conn.execute("select transfer_id from raw.asset_transfers order by 1").fetchall()
    assert loaded == [("T1",), ("T6",)]
    before = (
        "effective {} is before asset {} was commissioned ({}): correct the transfer's"
        " effective_date (or the asset's commissioned_on) and deliver it again"
    )
    assert sorted(rows) == sorted([
        ("t.csv", 3, "to_district_code", "unknown district: 239999"),
        ("t.csv", 4, "to_tier", "unknown to tier: county"),
        ("t.csv", 5, "effective_date", before.format("2025-05-31", "A1", "2025-06-01")),
        ("t.csv", 6, "effective_date", before.format("2026-02-01", "A2", "2026-03-01")),
        ("t.csv", 3, "effective_date", before.format("2026-01-14", "A2", "2026-01-15")),
    ])  # fmt: skip
