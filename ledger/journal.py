"""Posting to the journal: the one door every money movement goes through.

The invariants of SPEC §2 are enforced here, in order:

1. an entry has at least two postings and sums to exactly zero in functional units;
2. nothing is ever updated: a correction is a reversing entry (:func:`reverse_entry`);
3. no entry is dated in a closed month;
4. a no-overdraft balance (the fund's bank account; each award in 2000) never
   crosses zero, checked after the journal head is locked, so two concurrent
   payments queue and the second sees the first;
5. each entry's hash covers the previous hash and the canonical JSON of the
   entry and its postings (:mod:`ledger.chain`).

A service calls :func:`post_entry` inside its own transaction and commits (or
rolls back) as one unit with whatever register change caused the entry.

Posting is split around the journal-head lock (issue 11): :func:`prepare_entry`
does everything that does not need the head (validation against the chart the
transaction read once, the posting rows, the canonical JSON but for the number);
:mod:`ledger.posting` does the rest under the lock, in as few statements as the
engine allows. :func:`post_entries` posts many prepared entries as one batch
under one lock (imports, historical loads), all or nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import chain, events, posting_state, validate
from ledger.access import Actor
from ledger.errors import Conflict, IdempotencyConflict, Invalid, NotFound, Unbalanced
from ledger.models import JournalEntry
from ledger.models.base import utcnow
from ledger.money import MAX_MINOR, Money, check_currency
from ledger.posting import PreparedEntry, write_entries
from ledger.running import Leg, moves_of

DIMENSIONS = ("case_id", "victim_id", "award_id", "asset_id")
MAX_MEMO = 500


@dataclass(frozen=True)
class Line:
    """One leg of an entry, as a service asks for it.

    ``amount`` is functional minor units, debit-positive. ``original`` is the
    same movement in its own currency; it defaults to the functional amount.
    """

    account: str
    amount: int
    original: Money | None = None
    case_id: int | None = None
    victim_id: int | None = None
    award_id: int | None = None
    asset_id: int | None = None

    @classmethod
    def debit(cls, account: str, amount: int, original: Money | None = None, **dims) -> Line:
        return cls(account, amount, original, **dims)

    @classmethod
    def credit(cls, account: str, amount: int, original: Money | None = None, **dims) -> Line:
        return cls(account, -amount, None if original is None else -original, **dims)


class DebitCredit:
    """A read-side line whose ``amount`` is functional minor units, debit-positive (as a
    :class:`Line`'s), shown as money in the ``debit`` or the ``credit`` column."""

    amount: int
    functional: str

    @property
    def debit(self) -> Money | None:
        return Money(self.amount, self.functional) if self.amount > 0 else None

    @property
    def credit(self) -> Money | None:
        return Money(-self.amount, self.functional) if self.amount < 0 else None


def debit_credit(
    debit: str, credit: str, amount: int, original: Money | None = None, **dims
) -> list[Line]:
    """The two legs of a simple entry: ``amount`` debited to one account, credited to another."""
    return [
        Line.debit(debit, amount, original, **dims),
        Line.credit(credit, amount, original, **dims),
    ]


def gain_or_loss(gain: str, loss: str, shortfall: int, **dims) -> list[Line]:
    """The leg that balances an entry: a ``shortfall`` of debits (functional) is a debit to
    ``loss``, a surplus a credit to ``gain``; nothing when the entry balances already."""
    if shortfall > 0:
        return [Line.debit(loss, shortfall, **dims)]
    if shortfall < 0:
        return [Line.credit(gain, -shortfall, **dims)]
    return []


def post_entry(session: Session, *, actor: Actor, **entry) -> JournalEntry:
    """Append one balanced entry and update the running balances; return it.

    ``entry``: the keywords of :func:`prepare_entry` (``value_date``, ``memo``, ``event``,
    ``lines``, ``source``, ``reverses``, ``idempotency_key``, ``date_field``), which this
    prepares and then writes under the lock. With an ``idempotency_key`` already used for
    the same entry, the first entry is returned and nothing is written; used for a
    different one, :class:`IdempotencyConflict`. A refusal for a closed month names
    ``date_field``, the caller's own name for the value date.
    """
    prepared = prepare_entry(session, author=actor, **entry)
    if isinstance(prepared, JournalEntry):
        return prepared
    return _write(session, [prepared])[0]


def post_step(
    session: Session,
    author: Actor,
    event: str,
    dated: tuple[date, str],
    memo: str,
    lines: Sequence[Line],
    **options,
) -> JournalEntry:
    """Post the entry of ``author``'s step in a register (:func:`post_entry`). ``dated`` is the
    step's day and the name of its request field, which a refusal for a closed month names:
    every step dates its entry by a field of its own, so the two travel together.
    ``options``: the other keywords of :func:`post_entry` (``source``, ``reverses``…)."""
    day, date_field = dated
    return post_entry(
        session,
        actor=author,
        value_date=day,
        date_field=date_field,
        memo=memo,
        event=event,
        lines=lines,
        **options,
    )


def post_entries(
    session: Session, prepared: Sequence[PreparedEntry], *, objects: bool = True
) -> list[JournalEntry]:
    """Post many prepared entries (:func:`prepare_entry`) in one go, under one lock: a
    batch (an import, a historical load). The same entries, numbers, hashes and balances
    as posting them one by one; all or nothing (one savepoint: a refusal of any entry
    leaves none of them). ``objects=False``: returns nothing (a large batch has no use for
    ten thousand ORM objects)."""
    if not prepared:
        return []
    if len(prepared) == 1:
        return _write(session, prepared, objects)
    with session.begin_nested():
        return _write(session, prepared, objects)


def prepare_entry(
    session: Session,
    *,
    author: Actor,
    value_date: date,
    memo: str,
    event: str,
    lines: Sequence[Line],
    source: tuple[str, int] | None = None,
    reverses: int | None = None,
    idempotency_key: str | None = None,
    date_field: str = "date",
) -> PreparedEntry | JournalEntry:
    """Everything of :func:`post_entry` that does not need the journal head: validation,
    the posting rows, the canonical JSON but for the number. An entry already posted
    under ``idempotency_key`` (the same one) is returned as it is. ``author`` is the
    actor the entry is posted for (whose step audits it)."""
    if not isinstance(author, Actor):
        raise TypeError(f"post_entry needs an Actor, not {type(author).__name__}")
    functional, chart = posting_state.context(session)
    legs = _validate(chart, lines, functional)
    _check_text(memo, event, author.name, source, idempotency_key)
    request = chain.request_fingerprint(value_date, memo, event, source, reverses, legs)
    if idempotency_key is not None:
        replay = _replay(session, idempotency_key, request)
        if replay is not None:
            return replay
    posted_at = utcnow()
    postings = [
        (
            i,
            leg.account.id,
            leg.line.amount,
            leg.original.minor,
            leg.original.currency,
            *(leg.dims[d] for d in DIMENSIONS),
        )
        for i, leg in enumerate(legs, start=1)
    ]
    entry = SimpleNamespace(
        number=0,
        value_date=value_date,
        posted_at=posted_at,
        memo=memo,
        event=event,
        source_type=source[0] if source else None,
        source_id=source[1] if source else None,
        reverses=reverses,
        created_by=author.name,
        idempotency_key=idempotency_key,
    )
    rows = [
        SimpleNamespace(
            line=p[0],
            amount=p[2],
            original_amount=p[3],
            currency=p[4],
            **dict(zip(DIMENSIONS, p[5:], strict=True)),
        )
        for p in postings
    ]
    parts = chain.canonical_parts(entry, rows, [leg.account.code for leg in legs])
    return PreparedEntry(
        value_date=value_date,
        posted_at=posted_at,
        memo=memo,
        event=event,
        source_type=entry.source_type,
        source_id=entry.source_id,
        reverses=reverses,
        created_by=author.name,
        idempotency_key=idempotency_key,
        postings=postings,
        moves=moves_of(legs, functional),
        parts=parts,
        request=request,
        date_field=date_field,
    )


def _write(
    session: Session, prepared: Sequence[PreparedEntry], objects: bool = True
) -> list[JournalEntry]:
    # Checked again under the lock: a concurrent twin may have committed meanwhile.
    return write_entries(
        session,
        prepared,
        replay=_replay,
        ensure_not_reversed=_ensure_not_reversed,
        objects=objects,
    )


def reverse_entry(
    session: Session,
    number: int,
    *,
    actor: Actor,
    value_date: date,
    memo: str,
    idempotency_key: str | None = None,
    event: str = events.ENTRY_REVERSED,
    keep_lines: Collection[int] = (),
    date_field: str = "date",
) -> JournalEntry:
    """Post the mirror image of entry ``number`` and link it to the original.

    ``keep_lines`` names lines of the original that are *not* reversed (a
    returned payment keeps its bank fee); what is left must still balance.
    """
    memo = validate.text("memo", memo, max_length=MAX_MEMO, required=False) or ""
    original = get_entry(session, number)
    if original.reverses is not None:
        raise Conflict(f"entry {number} is itself a reversal; post a new entry instead")
    earlier = original.reversed_by
    if earlier is not None:
        if idempotency_key is not None and earlier.idempotency_key == idempotency_key:
            return earlier
        raise Conflict(f"entry {number} was already reversed by entry {earlier.number}")
    if value_date < original.value_date:
        raise Invalid.field(date_field, f"cannot be before the date of entry {number}")
    lines = [
        Line(
            p.account.code,
            -p.amount,
            Money(-p.original_amount, p.currency),
            **{d: getattr(p, d) for d in DIMENSIONS},
        )
        for p in original.postings
        if p.line not in keep_lines
    ]
    try:
        reversal = post_step(
            session,
            actor,
            event,
            (value_date, date_field),
            memo,
            lines,
            source=(original.source_type, original.source_id) if original.source_type else None,
            reverses=number,
            idempotency_key=idempotency_key,
        )
    except Unbalanced:
        raise Invalid.field("keep_lines", "leaving those lines out would unbalance it") from None
    session.expire(original, ["reversed_by"])
    return reversal


def get_entry(session: Session, number: int) -> JournalEntry:
    entry = session.get(JournalEntry, number) if 0 < number < 2**31 else None
    if entry is None:
        raise NotFound(f"journal entry {number} does not exist")
    return entry


def _validate(accounts: dict, lines: Sequence[Line], functional: str) -> list[Leg]:
    if len(lines) < 2:
        raise Unbalanced("an entry needs at least two postings", {"postings": ["at least two"]})
    legs: list[Leg] = []
    total = 0
    for i, line in enumerate(lines):
        where = f"postings.{i}"
        account = accounts.get(line.account)
        if account is None:
            raise Invalid.field(f"{where}.account", f"account {line.account} does not exist")
        if not account.active:
            raise Invalid.field(f"{where}.account", f"account {line.account} is closed")
        if not isinstance(line.amount, int) or isinstance(line.amount, bool):
            raise Invalid.field(f"{where}.amount", "must be an integer of minor units")
        original = line.original or Money(line.amount, functional)
        if not isinstance(original.minor, int) or isinstance(original.minor, bool):
            raise Invalid.field(f"{where}.original", "must be an integer of minor units")
        check_currency(original.currency, f"{where}.currency")
        if abs(line.amount) > MAX_MINOR or abs(original.minor) > MAX_MINOR:
            raise Invalid.field(f"{where}.amount", "is too large")
        if line.amount == 0 and original.minor == 0:
            raise Invalid.field(f"{where}.amount", "must not be zero")
        if line.amount * original.minor < 0:
            raise Invalid.field(f"{where}.amount", "functional and original amounts differ in sign")
        if original.currency == functional and original.minor != line.amount:
            raise Invalid.field(
                f"{where}.amount", "a functional-currency amount must equal its original"
            )
        if account.currency is not None and original.currency != account.currency:
            raise Invalid.field(
                f"{where}.currency",
                f"account {account.code} is kept in {account.currency}, not {original.currency}",
            )
        if account.overdraft_scope == "award" and line.award_id is None:
            raise Invalid.field(f"{where}.award_id", f"account {account.code} needs an award")
        dims = {d: getattr(line, d) for d in DIMENSIONS}
        for name, value in dims.items():
            if value is not None and (not isinstance(value, int) or value < 1):
                raise Invalid.field(f"{where}.{name}", "must be a positive integer")
        legs.append(Leg(line, account, original, dims))
        total += line.amount
    if total != 0:
        raise Unbalanced(
            f"postings sum to {total} minor units, not zero",
            {"postings": [f"debits and credits differ by {Money(abs(total), functional)}"]},
        )
    return legs


def _check_text(memo, event, created_by, source, idempotency_key) -> None:
    """What goes into the entry's text columns fits them and holds no control characters."""
    _text("memo", memo, 0, MAX_MEMO)
    _text("event", event, 1, 64)
    _text("created_by", created_by, 1, 64)
    if idempotency_key is not None:
        _text("idempotency_key", idempotency_key, 1, 128)
    if source is not None:
        _text("source_type", source[0], 1, 32)
        if not isinstance(source[1], int) or isinstance(source[1], bool) or source[1] < 1:
            raise Invalid.field("source_id", "must be a positive integer")


def _text(field: str, value: object, least: int, most: int) -> None:
    if not isinstance(value, str) or not least <= len(value) <= most:
        raise Invalid.field(field, f"must be text of {least} to {most} characters")
    validate.clean_characters(field, value)


def _replay(session: Session, key: str, request: str) -> JournalEntry | None:
    existing = session.scalar(select(JournalEntry).where(JournalEntry.idempotency_key == key))
    if existing is None:
        return None
    if chain.request_fingerprint_of(existing) != request:
        raise IdempotencyConflict(
            "this Idempotency-Key was used for a different entry",
            {"idempotency_key": ["already used for a different entry"]},
        )
    return existing


def _ensure_not_reversed(session: Session, number: int) -> None:
    """Under the head lock, so two concurrent reversals of one entry cannot both pass."""
    target = session.get(JournalEntry, number)
    if target is None:
        raise NotFound(f"journal entry {number} does not exist")
    done = session.scalar(select(JournalEntry.number).where(JournalEntry.reverses == number))
    if done is not None:
        raise Conflict(f"entry {number} was already reversed by entry {done}")
