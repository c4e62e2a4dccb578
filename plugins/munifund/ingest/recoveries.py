"""Recoveries reconciled: a disbursement with a negative amount claws back the payment it names in
`reverses`, and must fit it. Once a file's rows are loaded (in its transaction), each of its
recoveries, in line order, must name a payment that

- is of the same district and the same fiscal year,
- is not itself a recovery,
- still holds what the recovery takes back: its amount less every earlier recovery of it,
  across deliveries, as raw knows them on the recovery's partition (the latest version of each,
  as staging reads them), and less this file's earlier lines that passed.

A recovery that does not is moved from raw to the quarantine with the reason: a district showed
paid_to_date −919,840,764.81 when any recovery loaded. The payment named is the latest version
known before this file (the reference check, references.py, already requires one).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

import psycopg
from psycopg import sql

from munifund.ingest import reasons as why
from munifund.ingest.contracts import SourceContract
from munifund.ingest.quarantine import WITHOUT_LINEAGE


class _Recovery(NamedTuple):
    line: int
    payment_id: str
    district: str
    fiscal_year: str
    amount: Decimal
    reverses: str


def reconcile_recoveries(
    conn: psycopg.Connection, contract: SourceContract, partition: dt.date, file_name: str,
    run_id: str,
) -> int:  # fmt: skip
    """Move this file's recoveries that do not fit their payment from raw into the quarantine;
    the number of rows moved."""
    column = next((c for c in contract.columns if c.required_when_negative), None)
    if column is None:
        return 0
    table = sql.Identifier("raw", contract.name)
    key, amount, reverses = contract.key[0], column.required_when_negative, column.name
    names = {"t": table, "key": sql.Identifier(key), "amount": sql.Identifier(amount),
             "reverses": sql.Identifier(reverses)}  # fmt: skip
    this_file = {"day": partition, "file": file_name}
    recoveries = [
        _Recovery(*row)
        for row in conn.execute(
            sql.SQL(
                "select _line, {key}, district_code, fiscal_year, cast({amount} as numeric),"
                " {reverses} from {t} where _partition_date = %(day)s and _file = %(file)s"
                " and cast({amount} as numeric) < 0 order by _line"
            ).format(**names),
            this_file,
        ).fetchall()
    ]
    if not recoveries:
        return 0
    # every version known before this file: the partitions before, and the files taken before
    # it of its own partition
    known = sql.SQL(
        "select *, row_number() over (partition by {key}"
        "  order by _partition_date desc, _file desc, _line desc) as _rank"
        " from {t} where _partition_date <= %(day)s"
        " and not (_partition_date = %(day)s and _file = %(file)s)"
    ).format(**names)
    named = sorted({r.reverses for r in recoveries})
    payments = {
        payment: (district, year, paid)
        for payment, district, year, paid in conn.execute(
            sql.SQL(
                "select {key}, district_code, fiscal_year, cast({amount} as numeric)"
                " from ({known}) v where _rank = 1 and {key} = any(%(named)s)"
            ).format(known=known, **names),
            {**this_file, "named": named},
        ).fetchall()
    }
    # earlier recoveries of those payments, but for the ones this file delivers again
    recovered: dict[str, Decimal] = dict(
        conn.execute(
            sql.SQL(
                "select {reverses}, -sum(cast({amount} as numeric)) from ({known}) v"
                " where _rank = 1 and {reverses} = any(%(named)s)"
                " and cast({amount} as numeric) < 0 and not {key} = any(%(mine)s)"
                " group by {reverses}"
            ).format(known=known, **names),
            {**this_file, "named": named, "mine": [r.payment_id for r in recoveries]},
        ).fetchall()
    )
    refused = []
    for recovery in recoveries:
        problem = _misfit(recovery, payments.get(recovery.reverses), recovered, amount, reverses)
        if problem is None:
            recovered[recovery.reverses] = recovered.get(recovery.reverses, 0) - recovery.amount
        else:
            refused.append((recovery.line, *problem))
    if not refused:
        return 0
    with conn.cursor() as cur:
        cur.execute(
            "create temp table _misfits (line integer, column_name text, problem text)"
            " on commit drop"
        )
        with cur.copy("copy _misfits from stdin") as copy:
            for row in refused:
                copy.write_row(row)
        cur.execute(
            sql.SQL(
                "with removed as (delete from {t} r where _partition_date = %(day)s"
                "  and _file = %(file)s and _line in (select line from _misfits)"
                "  returning _line, to_jsonb(r) - {lineage} as row)"
                " insert into ops.quarantine (run_id, source, partition_date, file, line,"
                "  column_name, problem, raw_row)"
                " select %(run)s, %(source)s, %(day)s, %(file)s, m.line, m.column_name,"
                "  m.problem, x.row from removed x join _misfits m on m.line = x._line"
            ).format(t=table, lineage=WITHOUT_LINEAGE),
            {**this_file, "run": run_id, "source": contract.name},
        )
        cur.execute("drop table _misfits")
    return len(refused)


def _misfit(
    recovery: _Recovery,
    payment: tuple[str, str, Decimal] | None,
    recovered: dict[str, Decimal],
    amount: str,
    reverses: str,
) -> tuple[str, str] | None:
    """(column, problem) when the recovery does not fit the payment it names, else None."""
    named = recovery.reverses
    if payment is None:  # only a payment of this very file: none known before it
        return reverses, why.RECOVERY_OF_NOTHING_KNOWN(named)
    district, year, paid = payment
    if paid < 0:
        return reverses, why.RECOVERY_OF_RECOVERY(named)
    if district != recovery.district:
        return reverses, why.RECOVERY_OTHER_DISTRICT(named, district, recovery.district)
    if year != recovery.fiscal_year:
        return reverses, why.RECOVERY_OTHER_YEAR(named, year, recovery.fiscal_year)
    before = recovered.get(named, Decimal("0.00"))
    if -recovery.amount > paid - before:
        return amount, why.RECOVERY_TOO_LARGE(-recovery.amount, named, paid - before, paid, before)
    return None
