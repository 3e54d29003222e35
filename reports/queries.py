"""Read-side SQL: rows streamed straight from the database, never the ORM row by row.

``yield_per`` makes PostgreSQL (psycopg) use a server-side cursor and SQLite
step through its result, so a query over 200,000 postings holds a batch,
not the lot.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ledger.models import Account, JournalEntry, Posting, Victim
from ledger.reads.lists import dated, filtered

BATCH = 2000


def stream(session: Session, query: Select) -> Iterator:
    yield from session.execute(query.execution_options(yield_per=BATCH))


def count(session: Session, query: Select) -> int:
    return session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


def postings_query(
    date_from: date | None, date_to: date | None, account_id: int | None = None
) -> Select:
    """Postings with their entry and account, in journal order."""
    query = (
        select(
            JournalEntry.number,
            JournalEntry.value_date,
            JournalEntry.event,
            JournalEntry.memo,
            JournalEntry.reverses,
            JournalEntry.posted_at,
            JournalEntry.created_by,
            Account.code,
            Account.name,
            Posting.line,
            Posting.amount,
            Posting.original_amount,
            Posting.currency,
            Posting.case_id,
            Posting.award_id,
            Posting.asset_id,
            Victim.code.label("victim"),
        )
        .join(JournalEntry, JournalEntry.number == Posting.entry_number)
        .join(Account, Account.id == Posting.account_id)
        .outerjoin(Victim, Victim.id == Posting.victim_id)
    )
    query = filtered(query, (Posting.account_id, account_id))
    return dated(query, JournalEntry.value_date, date_from, date_to)
