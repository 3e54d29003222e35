"""Reading the journal for an export: the plan (everything known before the first entry)
and the entries, a batch of rows at a time, in entry-number order."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.balances import current_balances
from ledger.fund import get_fund
from ledger.models import Account, JournalEntry, JournalHead, Posting
from ledger.models.journal import GENESIS_HASH
from ledger.money import Money
from ledger.reads.lists import dated
from reports import queries

#: format → (media type, file extension).
FORMATS = {
    "ledger": ("text/plain", "journal"),
    "beancount": ("text/plain", "beancount"),
}

#: Account type → top-level account (the five roots hledger and Beancount both know).
ROOTS = {
    "asset": "Assets",
    "liability": "Liabilities",
    "net_assets": "Equity",
    "revenue": "Income",
    "expense": "Expenses",
}
#: hledger's account type codes (``account … ; type: A``).
HLEDGER_TYPES = {
    "asset": "A",
    "liability": "L",
    "net_assets": "E",
    "revenue": "R",
    "expense": "X",
}
_DIMENSIONS = (("case", "case_id"), ("award", "award_id"), ("asset", "asset_id"))
#: Lines gathered before a piece is yielded: big enough for few writes, small enough to not matter.
_LINES_PER_PIECE = 2000
EPOCH = date(1970, 1, 1)
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def account_name(code: str, name: str, type_: str) -> str:
    """``Assets:1000-Fund-bank-account``: valid for hledger, Ledger and Beancount alike.

    The name is folded to ASCII and slugged to letters, digits and hyphens,
    first letter capitalised (a Beancount component must start with a capital
    or a digit); the code in front keeps names unique and in chart order.
    """
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", folded).strip("-")
    slug = slug[:1].upper() + slug[1:]
    component = "-".join(part for part in (code, slug) if part)
    return f"{ROOTS[type_]}:{component[:1].upper()}{component[1:]}"


@dataclass(frozen=True)
class ExportPosting:
    account: str
    amount: int
    original_amount: int
    currency: str
    victim: str | None
    dims: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Entry:
    number: int
    value_date: date
    event: str
    memo: str
    hash: str
    reverses: int | None
    source: str | None
    postings: list[ExportPosting]


@dataclass(frozen=True)
class Plan:
    """Everything read before the first entry, in the export's snapshot."""

    fund_name: str
    currency: str
    generated_at: datetime
    head_number: int
    head_hash: str
    date_from: date | None
    date_to: date | None
    accounts: dict[str, tuple[str, str]]  # code → (export name, type)
    entries: int
    first_number: int | None
    last_number: int | None
    first_day: date | None
    last_day: date | None
    opening: dict[str, int]  # code → debit-positive balance before date_from (non-zero only)
    closing: dict[str, int]  # code → debit-positive balance at the end of the export

    @property
    def opening_day(self) -> date | None:
        return self.date_from if self.opening else None

    @property
    def earliest(self) -> date:
        days = [d for d in (self.opening_day, self.first_day) if d is not None]
        return min(days) if days else EPOCH

    @property
    def latest(self) -> date | None:
        days = [d for d in (self.opening_day, self.last_day) if d is not None]
        return max(days) if days else None

    def amount(self, minor: int) -> str:
        return Money(minor, self.currency).amount_string()

    def header_lines(self, tool: str) -> list[str]:
        start = f"from {self.date_from.isoformat()}" if self.date_from else "from the first"
        end = f"to {self.date_to.isoformat()}" if self.date_to else "to the last"
        numbers = (
            f"entries {self.first_number} to {self.last_number}" if self.entries else "no entries"
        )
        return [
            f"fundledger journal export for {tool}",
            f"Fund: {one_line(self.fund_name)}",
            f"Generated at: {self.generated_at.isoformat()}Z",
            f"Journal head: entry {self.head_number}, hash {self.head_hash}",
            f"Entries in this export: {self.entries} ({numbers}; value dates {start} {end})",
            f"Amounts in {self.currency}, the functional currency every entry balances in; "
            "a posting made in another currency carries its original amount as 'original'.",
            "Victims appear by their pseudonymous code only.",
            "Closing balance assertions at the end are the fund's own trial balance.",
        ]


# -- reading -------------------------------------------------------------------------------


def read_plan(session: Session, date_from: date | None, date_to: date | None) -> Plan:
    fund = get_fund(session)
    head = session.get(JournalHead, 1)
    head_number = head.last_number if head else 0
    head_hash = head.last_hash if head else GENESIS_HASH
    accounts = {
        code: (account_name(code, name, type_), type_)
        for code, name, type_ in session.execute(
            select(Account.code, Account.name, Account.type).order_by(Account.code)
        )
    }
    extent = select(
        func.count(),
        func.min(JournalEntry.number),
        func.max(JournalEntry.number),
        func.min(JournalEntry.value_date),
        func.max(JournalEntry.value_date),
    ).where(JournalEntry.number <= head_number)
    entries, first_number, last_number, first_day, last_day = session.execute(
        dated(extent, JournalEntry.value_date, date_from, date_to)
    ).one()
    opening: dict[str, int] = {}
    if date_from is not None:
        before = _sums(session, head_number, JournalEntry.value_date < date_from)
        opening = {code: total for code, total in before.items() if total}
    if date_to is None:
        # Today's trial balance: the running balances, which the postings must reproduce.
        closing = current_balances(session)
    else:
        closing = _sums(session, head_number, JournalEntry.value_date <= date_to)
    return Plan(
        fund_name=fund.name,
        currency=fund.functional_currency,
        generated_at=datetime.now(UTC).replace(microsecond=0, tzinfo=None),
        head_number=head_number,
        head_hash=head_hash,
        date_from=date_from,
        date_to=date_to,
        accounts=accounts,
        entries=int(entries or 0),
        first_number=first_number,
        last_number=last_number,
        first_day=_as_date(first_day),
        last_day=_as_date(last_day),
        opening=opening,
        closing={code: closing.get(code, 0) for code in accounts},
    )


def _as_date(value) -> date | None:
    """SQLite's aggregate of a date column comes back as text."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _sums(session: Session, head_number: int, condition) -> dict[str, int]:
    rows = session.execute(
        select(Account.code, func.sum(Posting.amount))
        .join(Posting, Posting.account_id == Account.id)
        .join(JournalEntry, JournalEntry.number == Posting.entry_number)
        .where(JournalEntry.number <= head_number, condition)
        .group_by(Account.code)
    )
    return {code: int(total or 0) for code, total in rows}


def read_entries(session: Session, plan: Plan) -> Iterator[Entry]:
    """Entries with their postings, in number order, one batch of rows in memory at a time."""
    query = (
        queries.postings_query(plan.date_from, plan.date_to)
        .add_columns(JournalEntry.hash, JournalEntry.source_type, JournalEntry.source_id)
        .where(JournalEntry.number <= plan.head_number)
        .order_by(JournalEntry.number, Posting.line)
    )
    current: Entry | None = None
    for row in queries.stream(session, query):
        if current is None or row.number != current.number:
            if current is not None:
                yield current
            current = Entry(
                number=row.number,
                value_date=_as_date(row.value_date),
                event=row.event,
                memo=row.memo,
                hash=row.hash,
                reverses=row.reverses,
                source=f"{row.source_type} {row.source_id}" if row.source_type else None,
                postings=[],
            )
        current.postings.append(
            ExportPosting(
                account=plan.accounts[row.code][0],
                amount=row.amount,
                original_amount=row.original_amount,
                currency=row.currency,
                victim=row.victim,
                dims=tuple(
                    (label, getattr(row, column))
                    for label, column in _DIMENSIONS
                    if getattr(row, column) is not None
                ),
            )
        )
    if current is not None:
        yield current


def pieces(lines: Iterable[str]) -> Iterator[str]:
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= _LINES_PER_PIECE:
            yield "\n".join(batch) + "\n"
            batch = []
    if batch:
        yield "\n".join(batch) + "\n"


def original_of(plan: Plan, posting: ExportPosting) -> str | None:
    if posting.currency == plan.currency and posting.original_amount == posting.amount:
        return None
    return f"{posting.currency} {Money(posting.original_amount, posting.currency).amount_string()}"


def one_line(text: str) -> str:
    return re.sub(r"[\r\n\t\v\f\x00-\x1f\x7f\u2028\u2029]+", " ", text).strip()
