"""The general ledger of one account and the journal: long, so streamed."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger import labels
from ledger.balances import sum_before
from ledger.chart import get_account
from ledger.errors import Invalid
from ledger.models import JournalEntry, Posting
from ledger.money import Money
from reports import queries
from reports.context import ReportRequest, make_meta
from reports.statement import Column, Statement

LEDGER_ORDER = "in value-date order, entries of one day by number"
JOURNAL_ORDER = "in entry-number order (as posted): a value date may precede the one above it"

LEDGER_COLUMNS = [
    Column("value_date", "Value date", "date", width=0.9),
    Column("entry", "Entry", "int", width=0.6),
    Column("event", "Event", width=1.3),
    Column("memo", "Memo", width=3.2),
    Column("original", "Original", "money_in", currency_key="currency", width=1.4),
    Column("debit", "Debit", "money", width=1.2),
    Column("credit", "Credit", "money", width=1.2),
    Column("balance", "Balance", "money", width=1.3),
]

JOURNAL_COLUMNS = [
    Column("entry", "Entry", "int", width=0.6),
    Column("value_date", "Value date", "date", width=0.9),
    Column("posted_at", "Posted at (UTC)", "datetime", width=1.1),
    Column("posted_by", "Posted by", width=0.9),
    Column("event", "Event", width=1.3),
    Column("memo", "Memo", width=2.8),
    Column("account", "Account", width=0.7),
    Column("debit", "Debit", "money", width=1.2),
    Column("credit", "Credit", "money", width=1.2),
    Column("original", "Original", "money_in", currency_key="currency", width=1.4),
    Column("victim", "Victim", width=0.9),
]


def general_ledger(session: Session, request: ReportRequest) -> Statement:
    """One account over a period: opening balance, each posting, running and closing balance.

    Balances are shown on the account's normal side (positive when healthy).
    """
    if not request.account:
        raise Invalid.field("account", "the general ledger needs an account code (account=1000)")
    account = get_account(session, request.account)
    meta = make_meta(session, request, point_in_time=False)
    opening = sum_before(session, account.id, meta.date_from) if meta.date_from else 0
    query = queries.postings_query(meta.date_from, meta.date_to, account.id).order_by(
        JournalEntry.value_date, JournalEntry.number, Posting.line
    )
    count = queries.count(session, query)
    movement = session.scalar(select(func.coalesce(func.sum(query.subquery().c.amount), 0)))
    closing = opening + int(movement)
    sign = 1 if account.normal_side == "debit" else -1

    def rows() -> Iterator[dict]:
        yield {"_style": "heading", "memo": "Opening balance", "balance": sign * opening}
        running = opening
        for row in queries.stream(session, query):
            running += row.amount
            yield {
                "value_date": row.value_date,
                "entry": row.number,
                "event": labels.label(labels.EVENT, row.event),
                "memo": row.memo,
                "original": row.original_amount,
                "currency": row.currency,
                **_debit_or_credit(row.amount),
                "balance": sign * running,
            }
        yield {"_style": "subtotal", "memo": "Closing balance", "balance": sign * closing}

    debits, credits = _sides(session, query)
    return Statement(
        "general-ledger",
        "General ledger",
        meta,
        LEDGER_COLUMNS,
        rows(),
        subtitle=f"{account.code} {account.name} · {LEDGER_ORDER}",
        row_count=count + 2,
        totals={"memo": "Movements in the period", "debit": debits, "credit": credits},
        summary={
            "account": account.code,
            "normal_side": account.normal_side,
            "opening_balance": Money(sign * opening, meta.functional_currency),
            "closing_balance": Money(sign * closing, meta.functional_currency),
        },
    )


def journal(session: Session, request: ReportRequest) -> Statement:
    """Every posting of every entry in the period, in journal (entry-number) order: who posted
    each entry and when, beside the value date it took effect on."""
    meta = make_meta(session, request, point_in_time=False)
    query = queries.postings_query(meta.date_from, meta.date_to).order_by(
        JournalEntry.number, Posting.line
    )
    count = queries.count(session, query)

    def rows() -> Iterator[dict]:
        for row in queries.stream(session, query):
            yield {
                "entry": row.number,
                "value_date": row.value_date,
                "posted_at": row.posted_at,
                "posted_by": row.created_by,
                "event": labels.label(labels.EVENT, row.event),
                "memo": row.memo,
                "account": row.code,
                **_debit_or_credit(row.amount),
                "original": row.original_amount,
                "currency": row.currency,
                "victim": row.victim,
            }

    debits, credits = _sides(session, query)
    return Statement(
        "journal",
        "Journal",
        meta,
        JOURNAL_COLUMNS,
        rows(),
        row_count=count,
        subtitle=JOURNAL_ORDER,
        totals={"entry": "Total", "debit": debits, "credit": credits},
        group_key="entry",
    )


def _debit_or_credit(amount: int) -> dict[str, int | None]:
    """A debit-positive amount in the debit column or in the credit column."""
    return {"debit": amount if amount > 0 else None, "credit": -amount if amount < 0 else None}


def _sides(session: Session, query) -> tuple[int, int]:
    sub = query.subquery()
    debit, credit = session.execute(
        select(
            func.coalesce(func.sum(sub.c.amount).filter(sub.c.amount > 0), 0),
            func.coalesce(-func.sum(sub.c.amount).filter(sub.c.amount < 0), 0),
        )
    ).one()
    return int(debit), int(credit)
