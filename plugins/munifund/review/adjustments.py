"""What a decision did to its fiscal year's plan (published.budget_adjustments), in a few lines
for `munifund review`: the adjustment by kind, and every flag (a revocation that leaves an older
plan in force than payments already made: said, not refused)."""

from __future__ import annotations

import psycopg

KIND_WORDS = {
    "initial": "initial plan (年初下达)",
    "increase": "increase (追加)",
    "decrease": "decrease (追减)",
    "unchanged": "unchanged",
    "revocation": "revocation (撤销)",
}


def adjustment_lines(conn: psycopg.Connection, decision_id: int) -> list[str]:
    """The decision's adjustment of its year's plan, and its flags; nothing for a decision that
    changed no plan (a rejection of a draft, say)."""
    if conn.execute("select to_regclass('published.budget_adjustments')").fetchone()[0] is None:  # type: ignore[index]
        return []
    rows = conn.execute(
        "select fiscal_year, kind, count(*), sum(adjustment_yuan), plan_run_id"
        " from published.budget_adjustments where decision_id = %s"
        " group by fiscal_year, kind, plan_run_id order by kind",
        [decision_id],
    ).fetchall()
    if not rows:
        return []
    year, plan_run = rows[0][0], rows[0][4]
    kinds = ", ".join(f"{KIND_WORDS.get(kind, kind)} in {n} districts" for _, kind, n, _, _ in rows)
    total = sum((amount for *_, amount, _ in rows), start=0)
    lines = [
        f"plan of fiscal year {year}: {kinds}, {total:+,.2f} yuan in all; the plan in force is"
        + (f" run {plan_run}'s" if plan_run else " none")
        + " (published.budget_adjustments)"
    ]
    lines += [
        f"warning: district {code}: {flag}"
        for code, flag in conn.execute(
            "select district_code, flag from published.budget_adjustments"
            " where decision_id = %s and flag is not null order by district_code",
            [decision_id],
        ).fetchall()
    ]
    return lines
