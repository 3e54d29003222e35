"""What a step would post, before it is taken: a dry run inside a savepoint.

A confirmation page must show exactly the entry a step will post (accounts,
amounts, the FX difference and the fee of a payment). Rather than compute it
a second way, the step itself runs inside a savepoint, its entries are read,
and the savepoint is rolled back: what is shown is what the same code would
post, every rule included (a refusal surfaces here, before the confirmation).
The journal's numbering is untouched (the head row rolls back with the rest).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.fund import functional_currency
from ledger.journal import DebitCredit
from ledger.models import Account, JournalEntry, JournalHead, Posting
from ledger.money import Money

T = TypeVar("T")


@dataclass(frozen=True)
class PreviewLine(DebitCredit):
    account: str
    name: str
    #: Functional minor units, debit-positive.
    amount: int
    original: Money
    functional: str

    @property
    def foreign(self) -> bool:
        return self.original.currency != self.functional


@dataclass(frozen=True)
class PreviewEntry:
    value_date: object
    memo: str
    event: str
    lines: list[PreviewLine]


class _Undo(Exception):
    """Raised inside the savepoint to roll it back once the entries are read."""


def dry_run(session: Session, step: Callable[[], T]) -> list[PreviewEntry]:
    """Run ``step`` (a service call) in a savepoint; return the entries it posted, then undo it.

    A refusal of the step propagates unchanged, and nothing of it remains.
    """
    head = session.get(JournalHead, 1)
    before = head.last_number if head else 0
    entries: list[PreviewEntry] = []
    try:
        with session.begin_nested():
            step()
            session.flush()
            entries = _entries_after(session, before)
            raise _Undo
    except _Undo:
        pass
    return entries


def _entries_after(session: Session, number: int) -> list[PreviewEntry]:
    functional = functional_currency(session)
    found = session.scalars(
        select(JournalEntry).where(JournalEntry.number > number).order_by(JournalEntry.number)
    )
    out = []
    for entry in found:
        rows = session.execute(
            select(Posting, Account.code, Account.name)
            .join(Account, Account.id == Posting.account_id)
            .where(Posting.entry_number == entry.number)
            .order_by(Posting.line)
        )
        lines = [
            PreviewLine(code, name, p.amount, Money(p.original_amount, p.currency), functional)
            for p, code, name in rows
        ]
        out.append(PreviewEntry(entry.value_date, entry.memo, entry.event, lines))
    return out


def posted_by(session: Session, step: Callable[[], T]) -> tuple[T, list[int]]:
    """Take ``step`` for real; return its result and the numbers of the entries it posted
    (for the banner that tells the user where to find them in the journal)."""
    head = session.get(JournalHead, 1)
    before = head.last_number if head else 0
    result = step()
    session.flush()
    session.refresh(head)
    return result, list(range(before + 1, head.last_number + 1))
