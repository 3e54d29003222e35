"""Trial balance: every account's balance as debit or credit; the columns tie."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ledger.balances import trial_balance
from reports.context import ReportRequest, make_meta
from reports.statement import Column, Statement, dated_summary

COLUMNS = [
    Column("code", "Account", width=0.8),
    Column("name", "Name", width=3.2),
    Column("debit", "Debit", "money", width=1.5),
    Column("credit", "Credit", "money", width=1.5),
]


def build(session: Session, request: ReportRequest) -> Statement:
    meta = make_meta(session, request, point_in_time=True)
    tb = trial_balance(session, request.as_of)
    rows = [
        {"code": line.code, "name": line.name, "debit": line.debit, "credit": line.credit}
        for line in tb.lines
    ]
    return Statement(
        "trial-balance",
        "Trial balance",
        meta,
        COLUMNS,
        rows,
        totals={"debit": tb.total_debit, "credit": tb.total_credit},
        summary=dated_summary(meta),
    )
