"""Reads of the books: journal entries with their postings, and the chart with balances.

For administrators and auditors (courts do not read the books). Victims are
named by code; every figure is integer minor units in a :class:`Money`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ledger import access, journal
from ledger.access import Actor
from ledger.balances import account_activity
from ledger.chart import get_account as chart_account
from ledger.fund import functional_currency
from ledger.journal import DebitCredit
from ledger.models import Account, AccountBalance, JournalEntry, Posting, Victim
from ledger.money import Money
from ledger.reads.lists import dated, filtered, one_row, row_of
from ledger.reads.paging import Page, PageRequest, ordering, paginate


@dataclass(frozen=True)
class PostingRow(DebitCredit):
    line: int
    account: str
    account_name: str
    #: Functional minor units, debit-positive.
    amount: int
    original: Money
    functional: str
    case_id: int | None
    victim_id: int | None
    victim: str | None
    award_id: int | None
    asset_id: int | None


@dataclass(frozen=True)
class EntryRow:
    number: int
    value_date: date
    posted_at: datetime
    memo: str
    event: str
    source_type: str | None
    source_id: int | None
    reverses: int | None
    reversed_by: int | None
    created_by: str
    prev_hash: str
    hash: str
    postings: list[PostingRow]

    @property
    def total(self) -> Money:
        """What the entry moves: the sum of its debits (functional)."""
        functional = self.postings[0].functional if self.postings else "EUR"
        return Money(sum(p.amount for p in self.postings if p.amount > 0), functional)


ENTRY_SORTS = {
    "number": JournalEntry.number,
    "value_date": (JournalEntry.value_date, JournalEntry.number),
}


def _entry_rows(session: Session, entries: list[JournalEntry]) -> list[EntryRow]:
    """The page's entries with their postings and reversal links: two queries for the page."""
    functional = functional_currency(session)
    numbers = [e.number for e in entries]
    postings: dict[int, list[PostingRow]] = defaultdict(list)
    reversed_by: dict[int, int] = {}
    if numbers:
        for p, code, name, victim in session.execute(
            select(Posting, Account.code, Account.name, Victim.code)
            .join(Account, Account.id == Posting.account_id)
            .outerjoin(Victim, Victim.id == Posting.victim_id)
            .where(Posting.entry_number.in_(numbers))
            .order_by(Posting.entry_number, Posting.line)
        ):
            postings[p.entry_number].append(
                row_of(
                    PostingRow,
                    p,
                    account=code,
                    account_name=name,
                    original=Money(p.original_amount, p.currency),
                    functional=functional,
                    victim=victim,
                )
            )
        reversal = aliased(JournalEntry)
        reversed_by = dict(
            session.execute(
                select(reversal.reverses, reversal.number).where(reversal.reverses.in_(numbers))
            ).all()
        )
    return [
        row_of(EntryRow, e, reversed_by=reversed_by.get(e.number), postings=postings[e.number])
        for e in entries
    ]


def list_entries(
    session: Session,
    actor: Actor,
    page: PageRequest,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    account: str | None = None,
    event: str | None = None,
    number: int | None = None,
    sort: str | None = None,
) -> Page[EntryRow]:
    """Entries in number order (or by date), filtered by date, account, event or number."""
    access.require(actor, access.READ_BOOKS)
    # Only the entry's columns: its postings come in one query for the whole page.
    query = select(JournalEntry.__table__).order_by(*ordering(sort, ENTRY_SORTS, "number"))
    query = dated(query, JournalEntry.value_date, date_from, date_to)
    query = filtered(query, (JournalEntry.event, event), (JournalEntry.number, number))
    if account:
        touching = (
            select(Posting.entry_number)
            .join(Account, Account.id == Posting.account_id)
            .where(Account.code == account)
        )
        query = query.where(JournalEntry.number.in_(touching))
    return paginate(session, query, page, lambda rows: _entry_rows(session, list(rows)))


def get_entry(session: Session, actor: Actor, number: int) -> EntryRow:
    access.require(actor, access.READ_BOOKS)
    journal.get_entry(session, number)  # the usual NotFound, for any number at all
    entry = select(JournalEntry.__table__).where(JournalEntry.number == number)
    return one_row(session, entry, _entry_rows)


# -- accounts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountRow:
    code: str
    name: str
    type: str
    currency: str | None
    normal_side: str
    no_overdraft: bool
    active: bool
    #: On the normal side, functional.
    balance: Money
    #: On the normal side, in the account's own currency when it is not the functional one.
    balance_original: Money | None
    postings: int


def _account_row(account: Account, row: AccountBalance, functional: str) -> AccountRow:
    original = None
    if account.currency is not None and account.currency != functional:
        original = Money(account.on_normal_side(row.original_balance), account.currency)
    return row_of(
        AccountRow,
        account,
        balance=Money(account.on_normal_side(row.balance), functional),
        balance_original=original,
        postings=row.postings,
    )


def list_accounts(session: Session, actor: Actor, page: PageRequest) -> Page[AccountRow]:
    """The chart with every account's current balance on its normal side."""
    access.require(actor, access.READ_BOOKS)
    functional = functional_currency(session)
    query = (
        select(Account, AccountBalance)
        .join(AccountBalance, AccountBalance.account_id == Account.id)
        .order_by(Account.code)
    )
    return paginate(
        session, query, page, lambda rows: [_account_row(a, b, functional) for a, b in rows]
    )


def get_account(session: Session, actor: Actor, code: str) -> AccountRow:
    access.require(actor, access.READ_BOOKS)
    account = chart_account(session, code)
    balance = session.get(AccountBalance, account.id)
    return _account_row(account, balance, functional_currency(session))


@dataclass(frozen=True)
class LedgerLine:
    entry: int
    value_date: date
    memo: str
    debit: Money | None
    credit: Money | None
    original: Money
    #: The running balance after this line, on the account's normal side.
    balance: Money


@dataclass(frozen=True)
class AccountLedger:
    account: AccountRow
    opening_balance: Money
    page: Page[LedgerLine]


def account_ledger(
    session: Session,
    actor: Actor,
    code: str,
    page: PageRequest,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
) -> AccountLedger:
    """An account's postings in date order, with the running balance on its normal side."""
    access.require(actor, access.READ_BOOKS)
    functional = functional_currency(session)
    account = chart_account(session, code)
    activity = account_activity(session, account, date_from, date_to, page.page, page.per_page)

    def normal(debit_positive: int) -> Money:
        return Money(account.on_normal_side(debit_positive), functional)

    lines = [
        LedgerLine(
            line.entry,
            line.value_date,
            line.memo,
            Money(line.amount, functional) if line.amount > 0 else None,
            Money(-line.amount, functional) if line.amount < 0 else None,
            Money(line.original_amount, line.currency),
            normal(line.running),
        )
        for line in activity.lines
    ]
    row = get_account(session, actor, code)
    return AccountLedger(
        row, normal(activity.opening), Page(lines, activity.total, page.page, page.per_page)
    )
