"""The general ledger of one account and the journal: long, so streamed."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from sqlalchemy import BigInteger, cast, func, literal
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


#: What each statement selects (no more: the rows are streamed, every column costs) and the
#: order of each plain row's values (its ``record_keys``).
LEDGER_SELECT = (
    *("value_date", "number", queries.labelled(JournalEntry.event, labels.EVENT, "event")),
    *("memo", "original_amount", "currency", queries.debit_column(), queries.credit_column()),
)  # and the balance, which needs the opening balance
LEDGER_KEYS = (
    *("value_date", "entry", "event", "memo", "original", "currency", "debit", "credit"),
    "balance",
)
JOURNAL_SELECT = (
    *("number", "value_date", "posted_at", "created_by"),
    queries.labelled(JournalEntry.event, labels.EVENT, "event"),
    *("memo", "code", queries.debit_column(), queries.credit_column()),
    *("original_amount", "currency", "victim"),
)
JOURNAL_KEYS = (
    *("entry", "value_date", "posted_at", "posted_by", "event", "memo", "account", "debit"),
    *("credit", "original", "currency", "victim"),
)


def general_ledger(session: Session, request: ReportRequest) -> Statement:
    """One account over a period: opening balance, each posting, running and closing balance.

    Balances are shown on the account's normal side (positive when healthy). The count and
    the sums (movement, debits, credits: one scan) are queried only when a format reads
    ``row_count``, ``totals`` or ``summary``; the CSV reads none of them.
    """
    if not request.account:
        raise Invalid.field("account", "the general ledger needs an account code (account=1000)")
    account = get_account(session, request.account)
    meta = make_meta(session, request, point_in_time=False)
    opening = sum_before(session, account.id, meta.date_from) if meta.date_from else 0
    sign = 1 if account.normal_side == "debit" else -1
    order = (JournalEntry.value_date, JournalEntry.number, Posting.line)
    # The database gives each row as printed (LEDGER_KEYS): debit and credit apart, and the
    # running balance on the normal side (a window sum from the opening balance, exact in
    # integers), so the rows pass through as they come.
    running = func.sum(Posting.amount).over(order_by=order, rows=(None, 0))
    balance = cast((literal(opening, BigInteger) + running) * sign, BigInteger).label("balance")
    query = queries.postings_query(
        meta.date_from, meta.date_to, account.id, columns=(*LEDGER_SELECT, balance)
    ).order_by(*order)
    amounts = queries.postings_query(meta.date_from, meta.date_to, account.id, ("amount",))
    figures = cache(lambda: queries.totals(session, amounts))

    def rows() -> Iterator[dict | tuple]:
        yield {"_style": "heading", "memo": "Opening balance", "balance": sign * opening}
        row = None
        for row in queries.stream_tuples(session, query):
            yield row
        closing = sign * opening if row is None else row[-1]
        yield {"_style": "subtotal", "memo": "Closing balance", "balance": closing}

    def summary() -> dict:
        closing = opening + figures()[1]
        return {
            "account": account.code,
            "normal_side": account.normal_side,
            "opening_balance": Money(sign * opening, meta.functional_currency),
            "closing_balance": Money(sign * closing, meta.functional_currency),
        }

    return Statement(
        "general-ledger",
        "General ledger",
        meta,
        LEDGER_COLUMNS,
        rows(),
        subtitle=f"{account.code} {account.name} · {LEDGER_ORDER}",
        subject=account.code,
        row_count=lambda: figures()[0] + 2,
        totals=lambda: {
            "memo": "Movements in the period",
            "debit": figures()[2],
            "credit": figures()[3],
        },
        summary=summary,
        record_keys=LEDGER_KEYS,
    )


def journal(session: Session, request: ReportRequest) -> Statement:
    """Every posting of every entry in the period, in journal (entry-number) order: who posted
    each entry and when, beside the value date it took effect on. The count and the sums are
    queried only when a format reads them (the CSV does not)."""
    meta = make_meta(session, request, point_in_time=False)
    query = queries.postings_query(meta.date_from, meta.date_to, columns=JOURNAL_SELECT).order_by(
        JournalEntry.number, Posting.line
    )
    amounts = queries.postings_query(meta.date_from, meta.date_to, columns=("amount",))
    figures = cache(lambda: queries.totals(session, amounts))
    # The database gives each row as the statement prints it (JOURNAL_KEYS: the event's
    # label, debit and credit apart), so the rows pass through as they come.
    return Statement(
        "journal",
        "Journal",
        meta,
        JOURNAL_COLUMNS,
        queries.stream_tuples(session, query),
        row_count=lambda: figures()[0],
        subtitle=JOURNAL_ORDER,
        totals=lambda: {"entry": "Total", "debit": figures()[2], "credit": figures()[3]},
        group_key="entry",
        record_keys=JOURNAL_KEYS,
    )
