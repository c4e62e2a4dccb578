"""The bundled sample city's demo of the budget year (下达, 追加, 结算), for `munifund run` without
`--landing` only: what a finance bureau and a treasury would do between two runs, done for the
demo so that a first run shows a plan, an adjustment, a district paid in full and a settlement.

When fiscal year Y-1 is published first (runner.py), it is published as of Y-1-12-10 and as of
Y-1-12-31, and between and after them:

- each run is approved by `SAMPLE_APPROVER` with a comment saying that the sample approved it
  (never done on a real landing: there, approving is the bureau's, `munifund review approve`);
- after the first approval the treasury squares every district but 香坊 Xiangfang with its plan
  (a payment of the balance, or a recovery of the excess naming the district's last payment),
  paid and delivered on Y-1-12-20: the run of 12-31 shows them `paid_in_full` against that plan;
- the pool revised on Y-1-12-20 (the generator's 追加) makes the second plan larger: its approval
  is an adjustment (追加, driver pool); the treasury pays each squared district the adjustment in
  January (paid and delivered Y-01-15), so the settlement of Y-1 shows a January payment and
  owes those districts nothing.

The treasury's files are written into the sample's landing beside the generator's, as any
delivery would be; they are computed from the published plan, which the generator cannot know.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import psycopg

from munifund.ingest.contracts import BY_NAME

SAMPLE_APPROVER = "示例财政局 sample bureau"
SAMPLE_COMMENT = (
    "示例城市演示：由 munifund run 自动批准 / the bundled sample city's demo, approved"
    " automatically by munifund run (never on a real --landing)"
)
UNSQUARED_DISTRICT = "230110"  # Xiangfang: left as the schedule paid it, for contrast


def first_date(previous_year: int) -> dt.date:
    return dt.date(previous_year, 12, 10)


def treasury_dates(previous_year: int) -> tuple[dt.date, dt.date]:
    """When the treasury squares the first plan, and when it pays the adjustment (January)."""
    return dt.date(previous_year, 12, 20), dt.date(previous_year + 1, 1, 15)


def approve(conn: psycopg.Connection, run_id: str) -> int:
    from munifund.review.decisions import record_decision

    return record_decision(conn, run_id, "approved", SAMPLE_APPROVER, SAMPLE_COMMENT).decision_id


def balances(conn: psycopg.Connection, run_id: str) -> dict[str, Decimal]:
    """Per district: the plan in force once the run is approved minus what was paid by its date."""
    from munifund.review.queries import unpaid_balances

    return unpaid_balances(conn, run_id)


def write_treasury_payments(
    landing: Path, paid_on: dt.date, fiscal_year: int, owed: dict[str, Decimal], tag: str
) -> Path | None:
    """One disbursements partition dated paid_on: each district's balance (a recovery of an
    excess names the district's last payment of the year, as the contract requires)."""
    rows = [
        (
            f"TREASURY-{fiscal_year}-{code}-{tag}",
            code,
            fiscal_year,
            paid_on.isoformat(),
            f"{amount:.2f}",
            f"PAY-{fiscal_year}-{code}-4" if amount < 0 else "",
        )
        for code, amount in sorted(owed.items())
        if amount != 0 and code != UNSQUARED_DISTRICT
    ]
    if not rows:
        return None
    folder = landing / "disbursements" / paid_on.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"treasury_{tag}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(BY_NAME["disbursements"].column_names)
        writer.writerows(rows)
    return path
