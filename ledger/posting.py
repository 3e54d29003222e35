"""The critical section of posting: what happens while the journal head is locked.

:func:`ledger.journal.prepare_entry` does everything that does not need the
head before the lock (lookups, validation, FX, the posting rows, the canonical
JSON but for the number). :func:`write_entries` then takes the lock (once per
transaction, :mod:`ledger.posting_state`), and for each prepared entry, in
order: refuses a closed month, checks the no-overdraft rule against balances
read under the lock, takes the next number and the previous hash, hashes; and
writes them all with :func:`ledger.posting_sql.write` (one statement on
PostgreSQL). One entry or ten thousand, the numbering stays gapless and the
chain unbroken; a batch (:func:`ledger.journal.post_entries`) is one savepoint,
so a refusal anywhere in it leaves nothing of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from ledger import chain, posting_sql, posting_state
from ledger.errors import PeriodClosed
from ledger.models import AccountBalance, JournalEntry, JournalHead, SubledgerBalance
from ledger.periods import month_of
from ledger.running import Moves, check_moves


@dataclass
class PreparedEntry:
    """An entry ready to post: everything but its number, previous hash and hash."""

    value_date: date
    posted_at: datetime
    memo: str
    event: str
    source_type: str | None
    source_id: int | None
    reverses: int | None
    created_by: str
    idempotency_key: str | None
    #: (line, account id, amount, original amount, currency, case, victim, award, asset)
    postings: list[tuple]
    moves: Moves
    #: The canonical JSON around the number (:func:`ledger.chain.canonical_parts`).
    parts: tuple[str, str]
    #: What an idempotent retry must repeat (:func:`ledger.chain.request_fingerprint`).
    request: str
    date_field: str = "date"


def write_entries(
    session: Session,
    prepared: Sequence[PreparedEntry],
    *,
    replay=None,
    ensure_not_reversed=None,
    objects: bool = True,
) -> list[JournalEntry]:
    """Post ``prepared`` in order under the lock; return the entries (a replayed one for an
    ``idempotency_key`` already used: ``replay(session, key, request)``). ``objects=False``
    (a large batch): no ORM objects are made and the list is empty."""
    books = posting_state.lock(session)
    functional = posting_state.functional(session)
    _read_unknown(session, books, prepared)
    balances = dict(books.balances)
    subledgers = dict(books.subledgers)
    pending = _Pending(books, objects)
    out: list[JournalEntry | None] = []

    def flush() -> None:
        pending.flush(session, balances, subledgers)

    for entry in prepared:
        if entry.idempotency_key is not None and replay is not None:
            flush()
            existing = replay(session, entry.idempotency_key, entry.request)
            if existing is not None:
                out.append(existing)
                continue
        if entry.reverses is not None and ensure_not_reversed is not None:
            flush()
            ensure_not_reversed(session, entry.reverses)
        _ensure_open(books.closed_month, entry)
        after = check_moves(
            session, entry.moves, functional, entry.value_date, balances, subledgers, flush
        )
        pending.add(entry, after, balances, subledgers)
        out.append(None)
    flush()
    if not objects:
        return []
    made = iter(pending.made)
    return [found if found is not None else next(made) for found in out]


def _read_unknown(session: Session, books: posting_state.Books, prepared) -> None:
    """One probe for everything the lock holder does not know yet."""
    accounts = sorted({a for p in prepared for a in p.moves.to_read} - books.balances.keys())
    pairs = sorted({k for p in prepared for k in p.moves.legs_by_award} - books.subledgers.keys())
    tail, balances, rows = posting_sql.probe(
        session, tail=not books.tail_known, accounts=accounts, subledgers=pairs
    )
    if tail is not None:
        books.closed_month, books.audit_id, books.audit_hash = tail
        books.tail_known = True
        if books.audit_hash is None:
            from ledger.models.journal import GENESIS_HASH

            books.audit_hash = GENESIS_HASH
    books.balances.update(balances)
    for pair in pairs:
        books.subledgers[pair] = rows.get(pair)


def _ensure_open(closed_month: str | None, entry: PreparedEntry) -> None:
    day = entry.value_date
    if closed_month is not None and month_of(day) <= closed_month:
        raise PeriodClosed(
            f"{month_of(day)} is closed: no entry can be dated {day.isoformat()}",
            {"date": [f"{month_of(day)} is closed"]},
        ).on_field(entry.date_field)


class _Pending:
    """Entries checked but not written yet, and what they add to the balances."""

    def __init__(self, books: posting_state.Books, objects: bool = True):
        self.books, self.objects_wanted = books, objects
        self.number, self.hash = books.last_number, books.last_hash
        self.made: list[JournalEntry] = []
        self._reset()

    def _reset(self) -> None:
        self.work = posting_sql.Write([], [], {}, {}, {}, (self.number, self.hash))
        self.objects: list[JournalEntry] = []

    def add(self, entry: PreparedEntry, after, balances, subledgers) -> None:
        number = self.number + 1
        digest = chain.hash_of(self.hash, number, entry.parts)
        row = (
            number,
            entry.value_date,
            entry.posted_at,
            entry.memo,
            entry.event,
            entry.source_type,
            entry.source_id,
            entry.reverses,
            entry.created_by,
            entry.idempotency_key,
            self.hash,
            digest,
        )
        work = self.work
        work.entries.append(row)
        work.postings.extend((number, *p) for p in entry.postings)
        for account_id, (amount, original, count) in entry.moves.accounts.items():
            old = work.accounts.get(account_id, (0, 0, 0))
            work.accounts[account_id] = (old[0] + amount, old[1] + original, old[2] + count)
            if account_id in balances:
                b, o = balances[account_id]
                balances[account_id] = (b + amount, o + original)
        for key, (currency, balance, original, existed) in after.items():
            previous = subledgers.get(key)
            if key in work.subledger_inserts or not existed:
                work.subledger_inserts[key] = (currency, balance, original)
            else:
                d = work.subledger_updates.get(key, (0, 0))
                work.subledger_updates[key] = (
                    d[0] + balance - previous[1],
                    d[1] + original - previous[2],
                )
            subledgers[key] = (currency, balance, original)
        self.number, self.hash = number, digest
        work.head = (number, digest)
        if self.objects_wanted:
            self.objects.append(_entry_object(row))

    def flush(self, session: Session, balances, subledgers) -> None:
        if not self.work.entries:
            return
        posting_sql.write(session, self.work)
        books = self.books
        books.last_number, books.last_hash = self.number, self.hash
        books.balances.update({k: v for k, v in balances.items()})
        books.subledgers.update(subledgers)
        _sync_identity_map(session, self.work)
        for obj in self.objects:
            make_transient_to_detached(obj)
            session.add(obj)
        self.made.extend(self.objects)
        self._reset()


def _entry_object(row: tuple) -> JournalEntry:
    return JournalEntry(**dict(zip(posting_sql.ENTRY_COLUMNS, row, strict=True)))


def _sync_identity_map(session: Session, work: posting_sql.Write) -> None:
    """ORM objects of the rows just written, if the session holds any, see the new values."""
    identity = session.identity_map
    head = identity.get(session.identity_key(JournalHead, (1,)))
    if head is not None:
        set_committed_value(head, "last_number", work.head[0])
        set_committed_value(head, "last_hash", work.head[1])
    for account_id in work.accounts:
        row = identity.get(session.identity_key(AccountBalance, (account_id,)))
        if row is not None:
            session.expire(row)
    for key in list(work.subledger_updates) + list(work.subledger_inserts):
        row = identity.get(session.identity_key(SubledgerBalance, key))
        if row is not None:
            session.expire(row)
