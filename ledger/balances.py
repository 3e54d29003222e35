"""Balances: current ones from the running totals, past ones from the postings.

Current balances and the trial balance read ``account_balances`` (one row per
account, O(accounts)). A balance as of a date is the month-end snapshot of the
last closed month before it plus the postings dated since (:mod:`ledger.snapshots`):
O(one period), however long the history. Both are
debit-positive functional minor units; :meth:`Account.on_normal_side` turns
them into the figures people read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.models import Account, AccountBalance, JournalEntry, JournalHead, Posting
from ledger.models.base import summed
from ledger.snapshots import account_totals_as_of, entries_as_of


@dataclass(frozen=True)
class BalanceLine:
    code: str
    name: str
    type: str
    currency: str | None
    #: Debit-positive functional minor units.
    balance: int

    @property
    def debit(self) -> int:
        return self.balance if self.balance > 0 else 0

    @property
    def credit(self) -> int:
        return -self.balance if self.balance < 0 else 0


@dataclass(frozen=True)
class TrialBalance:
    as_of: date | None
    head_hash: str
    entries: int
    lines: list[BalanceLine]

    @property
    def total_debit(self) -> int:
        return sum(line.debit for line in self.lines)

    @property
    def total_credit(self) -> int:
        return sum(line.credit for line in self.lines)


def current_balances(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(Account.code, AccountBalance.balance).join(
            AccountBalance, AccountBalance.account_id == Account.id
        )
    )
    return {code: balance for code, balance in rows}


def balances_as_of(session: Session, as_of: date) -> dict[str, int]:
    """Every account's balance from the postings of entries dated up to ``as_of``: the
    month-end snapshot of the last closed month before it plus the postings dated since
    (:mod:`ledger.snapshots`), so one period's postings are read, not the whole history."""
    totals = account_totals_as_of(session, as_of)
    return {code: totals.get(id_, 0) for id_, code in session.execute(_ACCOUNT_CODES)}


_ACCOUNT_CODES = select(Account.id, Account.code)


def trial_balance(session: Session, as_of: date | None = None) -> TrialBalance:
    """The trial balance now (running totals) or as of a date (postings)."""
    head = session.get(JournalHead, 1)
    balances = current_balances(session) if as_of is None else balances_as_of(session, as_of)
    current = head.last_number if head else 0
    entries = current if as_of is None else entries_as_of(session, as_of)
    accounts = session.scalars(select(Account).order_by(Account.code))
    lines = [
        BalanceLine(a.code, a.name, a.type, a.currency, balances.get(a.code, 0)) for a in accounts
    ]
    return TrialBalance(as_of, head.last_hash if head else "0" * 64, entries, lines)


def dimension_balance(session: Session, code: str, **dims: int) -> tuple[int, int]:
    """(functional, original) debit-positive sums of ``code``'s postings with these dimensions.

    Used for the part of a control account that belongs to one asset or award
    (seized cash of one asset in 1010, say). Original sums only make sense when
    those postings share a currency, which the registers guarantee.
    """
    query = (
        select(
            summed(Posting.amount),
            summed(Posting.original_amount),
        )
        .join(Account, Account.id == Posting.account_id)
        .where(Account.code == code)
    )
    for name, value in dims.items():
        query = query.where(getattr(Posting, name) == value)
    functional, original = session.execute(query).one()
    return int(functional), int(original)


@dataclass(frozen=True)
class ActivityLine:
    entry: int
    value_date: date
    memo: str
    amount: int
    original_amount: int
    currency: str
    #: Debit-positive running balance after this line.
    running: int


@dataclass(frozen=True)
class ActivityPage:
    opening: int
    lines: list[ActivityLine]
    total: int


def account_activity(
    session: Session,
    account: Account,
    date_from: date | None,
    date_to: date | None,
    page: int,
    per_page: int,
) -> ActivityPage:
    """One page of an account's postings in (date, entry) order with running balances.

    The balance before the page is summed in the database, so a late page
    costs one aggregate, not a walk through every earlier posting.
    """
    order = (JournalEntry.value_date, JournalEntry.number, Posting.line)
    base = (
        select(Posting, JournalEntry.value_date, JournalEntry.memo)
        .join(JournalEntry, JournalEntry.number == Posting.entry_number)
        .where(Posting.account_id == account.id)
    )
    if date_to is not None:
        base = base.where(JournalEntry.value_date <= date_to)
    opening = 0
    if date_from is not None:
        opening = sum_before(session, account.id, date_from)
        base = base.where(JournalEntry.value_date >= date_from)
    total = session.scalar(select(func.count()).select_from(base.subquery()))
    ordered = base.order_by(*order)
    skipped = ordered.with_only_columns(Posting.amount).limit((page - 1) * per_page).subquery()
    running = opening + int(session.scalar(select(summed(skipped.c.amount))))
    lines = []
    for posting, value_date, memo in session.execute(
        ordered.offset((page - 1) * per_page).limit(per_page)
    ):
        running += posting.amount
        lines.append(
            ActivityLine(
                posting.entry_number,
                value_date,
                memo,
                posting.amount,
                posting.original_amount,
                posting.currency,
                running,
            )
        )
    return ActivityPage(opening, lines, total)


def sum_before(session: Session, account_id: int, day: date) -> int:
    """An account's balance (functional, debit-positive) from the postings dated before ``day``."""
    return account_totals_as_of(session, day - timedelta(days=1), account_id).get(account_id, 0)
