"""The journal in the formats of auditors' own tools: Ledger/hledger and Beancount.

SPEC §6: ``fundledger export-journal --format ledger|beancount`` writes the
journal so that an auditor can recompute every balance with hledger, Ledger
or Beancount instead of trusting ours. The export is streamed in entry-number
order a batch of rows at a time (:func:`reports.queries.stream`), so a
journal of any length is written in bounded memory.

What an auditor gets:

- every posting in the FUNCTIONAL currency, the unit the journal balances in,
  as an exact decimal string made from integer minor units (never a float);
  a posting made in another currency carries its original amount as a tag
  (``; original: USD 100.00``) or metadata (``original: "USD 100.00"``);
- accounts named by type, code and name, so figures match our statements line
  by line: ``Assets:1000-Fund-bank-account``, ``Liabilities:2000-Awards-payable``,
  ``Equity:3000-Fund-balance``, ``Income:4000-Forfeiture-revenue``,
  ``Expenses:5000-Victim-compensation``;
- per transaction the entry number, event, memo, hash (and the entry it
  reverses, and its source record); per posting the dimensions, victims by
  their pseudonymous CODE only: personal data is never read here;
- a header with the fund, the generation time, the journal head (entry number
  and hash) the export was built from and how many entries it holds;
- closing balance assertions, one per account, taken from the fund's own
  trial balance (the running balances when the export runs to today), so
  ``hledger``, ``ledger`` and ``bean-check`` themselves refuse the file if
  the postings do not add up to what the fund reports.

With ``date_from`` the export opens with an "opening balances" transaction
(every account's balance from the entries dated before it; not a journal
entry, and marked as such), so balances still tie to the trial balance at
the end of the period. Only entries up to the head read at the start are
written: a report session is one snapshot anyway, and entries posted while
the file is written can never slip in under a header that does not count them.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger import access, validate
from ledger.access import Actor
from ledger.balances import current_balances
from ledger.errors import Invalid
from ledger.fund import get_fund
from ledger.models import Account, JournalEntry, JournalHead, Posting
from ledger.models.journal import GENESIS_HASH
from ledger.money import Money, exponent
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
_HLEDGER_TYPES = {
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
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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
class _Posting:
    account: str
    amount: int
    original_amount: int
    currency: str
    victim: str | None
    dims: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class _Entry:
    number: int
    value_date: date
    event: str
    memo: str
    hash: str
    reverses: int | None
    source: str | None
    postings: list[_Posting]


@dataclass(frozen=True)
class _Plan:
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
            f"Fund: {_one_line(self.fund_name)}",
            f"Generated at: {self.generated_at.isoformat()}Z",
            f"Journal head: entry {self.head_number}, hash {self.head_hash}",
            f"Entries in this export: {self.entries} ({numbers}; value dates {start} {end})",
            f"Amounts in {self.currency}, the functional currency every entry balances in; "
            "a posting made in another currency carries its original amount as 'original'.",
            "Victims appear by their pseudonymous code only.",
            "Closing balance assertions at the end are the fund's own trial balance.",
        ]


def export_journal(
    session: Session,
    actor: Actor,
    fmt: str,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Iterator[str]:
    """The journal as Ledger/hledger (``ledger``) or Beancount (``beancount``) text, in pieces.

    Validation and the header's facts are read before this returns, so a bad
    request fails here, not half-way through a download.
    """
    access.require(actor, access.READ_BOOKS)
    validate.one_of("format", fmt, FORMATS)
    if date_from is not None and date_to is not None and date_from > date_to:
        raise Invalid.field("from", "must not be after 'to'")
    plan = _plan(session, date_from, date_to)
    writer = _ledger if fmt == "ledger" else _beancount
    return _pieces(writer(plan, _entries(session, plan)))


# -- reading -------------------------------------------------------------------------------


def _plan(session: Session, date_from: date | None, date_to: date | None) -> _Plan:
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
    return _Plan(
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


def _entries(session: Session, plan: _Plan) -> Iterator[_Entry]:
    """Entries with their postings, in number order, one batch of rows in memory at a time."""
    query = (
        queries.postings_query(plan.date_from, plan.date_to)
        .add_columns(JournalEntry.hash, JournalEntry.source_type, JournalEntry.source_id)
        .where(JournalEntry.number <= plan.head_number)
        .order_by(JournalEntry.number, Posting.line)
    )
    current: _Entry | None = None
    for row in queries.stream(session, query):
        if current is None or row.number != current.number:
            if current is not None:
                yield current
            current = _Entry(
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
            _Posting(
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


def _pieces(lines: Iterable[str]) -> Iterator[str]:
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= _LINES_PER_PIECE:
            yield "\n".join(batch) + "\n"
            batch = []
    if batch:
        yield "\n".join(batch) + "\n"


def _original(plan: _Plan, posting: _Posting) -> str | None:
    if posting.currency == plan.currency and posting.original_amount == posting.amount:
        return None
    return f"{posting.currency} {Money(posting.original_amount, posting.currency).amount_string()}"


def _one_line(text: str) -> str:
    return re.sub(r"[\r\n\t\v\f\x00-\x1f\x7f\u2028\u2029]+", " ", text).strip()


# -- what both journals write alike -------------------------------------------------------


@dataclass(frozen=True)
class _Syntax:
    """How one tool writes what both journals hold: metadata, and a posting's amount."""

    #: The indent of a transaction's lines (twice that for a posting's metadata).
    indent: str
    #: In front of a metadata line (Ledger's tags live in comments).
    comment: str
    #: A text value, written the way the tool reads text.
    text: Callable[[str], str]
    #: ``(amount, currency)`` as a posting writes them.
    money: Callable[[str, str], str]

    def metadata(self, depth: int, key: str, value: str | int) -> str:
        """``key: value`` under a transaction (depth 1) or a posting (depth 2); numbers as
        they are, text as the tool reads text."""
        shown = value if isinstance(value, int) else self.text(value)
        return f"{self.indent * depth}{self.comment}{key}: {shown}"

    def posting(self, account: str, amount: str, currency: str) -> str:
        return f"{self.indent}{account}  {self.money(amount, currency)}"


def _header(plan: _Plan, tool: str) -> Iterator[str]:
    for line in plan.header_lines(tool):
        yield f"; {line}"
    yield ""


def _opening_postings(plan: _Plan, syntax: _Syntax) -> Iterator[str]:
    """The opening balances transaction's postings (after its header, which each tool writes)."""
    for code, total in sorted(plan.opening.items()):
        yield syntax.posting(plan.accounts[code][0], plan.amount(total), plan.currency)
    yield ""


def _entry_metadata(entry: _Entry, syntax: _Syntax) -> Iterator[str]:
    """What a transaction says about its journal entry: number, event, hash, what it reverses,
    the record it came from."""
    yield syntax.metadata(1, "entry", entry.number)
    yield syntax.metadata(1, "event", entry.event)
    yield syntax.metadata(1, "hash", entry.hash)
    if entry.reverses is not None:
        yield syntax.metadata(1, "reverses", entry.reverses)
    if entry.source:
        yield syntax.metadata(1, "source", entry.source)


def _entry_postings(plan: _Plan, entry: _Entry, syntax: _Syntax) -> Iterator[str]:
    """Each posting in the functional currency, with its victim (by code), its dimensions and
    the original amount of a foreign one; then the blank line that ends the transaction."""
    for posting in entry.postings:
        yield syntax.posting(posting.account, plan.amount(posting.amount), plan.currency)
        if posting.victim:
            yield syntax.metadata(2, "victim", posting.victim)
        for label, value in posting.dims:
            yield syntax.metadata(2, label, value)
        original = _original(plan, posting)
        if original:
            yield syntax.metadata(2, "original", original)
    yield ""


# -- Ledger / hledger ----------------------------------------------------------------------


def _ledger(plan: _Plan, entries: Iterator[_Entry]) -> Iterator[str]:
    cur = plan.currency
    yield from _header(plan, "hledger and Ledger")
    yield f"commodity {cur}"
    yield f"    format {cur} {_ledger_format(plan)}"
    yield ""
    for name, type_ in plan.accounts.values():
        yield f"account {name}  ; type: {_HLEDGER_TYPES[type_]}"
    yield ""
    if plan.opening:
        yield (
            f"{plan.date_from.isoformat()} * Opening balances from the entries dated before "
            f"{plan.date_from.isoformat()}"
        )
        yield "    ; not a journal entry: the balances this export starts from"
        yield from _opening_postings(plan, LEDGER)
    for entry in entries:
        description = _ledger_description(entry.memo)
        yield f"{entry.value_date.isoformat()} * ({entry.number}) {description}"
        yield from _entry_metadata(entry, LEDGER)
        if description != entry.memo:
            yield f"    ; memo: {json.dumps(entry.memo, ensure_ascii=False)}"
        yield from _entry_postings(plan, entry, LEDGER)
    if plan.latest is not None:
        yield (
            f"{plan.latest.isoformat()} * Closing balances per the fund's trial balance "
            "(assertions only, not a journal entry)"
        )
        for code, (name, _) in plan.accounts.items():
            zero = plan.amount(0)
            yield f"    {name}  {cur} {zero} = {cur} {plan.amount(plan.closing[code])}"
        yield ""


def _ledger_format(plan: _Plan) -> str:
    """``1000.00``: declares '.' as the decimal mark, the minor-unit digits, no grouping."""
    digits = exponent(plan.currency)
    return "1000" + ("." + "0" * digits if digits else "")


def _ledger_description(memo: str) -> str:
    """A one-line description: ';' would start a comment, so it becomes ','.

    When the memo had to change, the exact memo follows as a ``memo:`` comment.
    """
    return _one_line(memo).replace(";", ",")


def _ledger_tag_value(text: str) -> str:
    """Tag values end at a comma or the end of the line."""
    return _one_line(text).replace(",", " ")


# -- Beancount -----------------------------------------------------------------------------


def _beancount(plan: _Plan, entries: Iterator[_Entry]) -> Iterator[str]:
    cur = plan.currency
    yield from _header(plan, "Beancount")
    yield f"option {_string('title')} {_string(plan.fund_name)}"
    yield f"option {_string('operating_currency')} {_string(cur)}"
    yield ""
    opened = plan.earliest.isoformat()
    yield f"{opened} commodity {cur}"
    for name, _ in plan.accounts.values():
        yield f"{opened} open {name}"
    yield ""
    if plan.opening:
        yield (
            f"{plan.date_from.isoformat()} * "
            + _string(f"Opening balances from the entries dated before {plan.date_from}")
        )
        yield '  note: "not a journal entry: the balances this export starts from"'
        yield from _opening_postings(plan, BEANCOUNT)
    for entry in entries:
        yield f"{entry.value_date.isoformat()} * {_string(entry.memo)}"
        yield from _entry_metadata(entry, BEANCOUNT)
        yield from _entry_postings(plan, entry, BEANCOUNT)
    if plan.latest is not None:
        # A balance directive holds at the start of its day: the day after the last entry.
        asserted = (plan.latest + timedelta(days=1)).isoformat()
        yield "; Closing balances per the fund's trial balance"
        for code, (name, _) in plan.accounts.items():
            yield f"{asserted} balance {name}  {plan.amount(plan.closing[code])} {cur}"
        yield ""


def _string(text: str) -> str:
    """A Beancount string literal: backslashes, quotes and line breaks escaped.

    Other control characters have no escape Beancount understands; they become spaces.
    """
    escaped = (
        _CONTROL.sub(" ", text)
        .replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\r", "\\r")
        .replace("\n", "\\n")
        .replace("\t", "\\t")
    )
    return f'"{escaped}"'


LEDGER = _Syntax("    ", "; ", _ledger_tag_value, lambda amount, currency: f"{currency} {amount}")
BEANCOUNT = _Syntax("  ", "", _string, lambda amount, currency: f"{amount} {currency}")
