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
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import chain, validate
from ledger.errors import Conflict, IdempotencyConflict, Invalid, NotFound, Overdraft, Unbalanced
from ledger.fund import functional_currency
from ledger.locks import lock_books
from ledger.models import (
    Account,
    AccountBalance,
    JournalEntry,
    Posting,
    SubledgerBalance,
)
from ledger.models.base import summed, utcnow
from ledger.money import MAX_MINOR, Money, check_currency
from ledger.periods import ensure_open

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


@dataclass
class _Leg:
    line: Line
    account: Account
    original: Money
    dims: dict[str, int | None] = field(default_factory=dict)


def post_entry(
    session: Session,
    *,
    value_date: date,
    memo: str,
    event: str,
    lines: Sequence[Line],
    created_by: str,
    source: tuple[str, int] | None = None,
    reverses: int | None = None,
    idempotency_key: str | None = None,
) -> JournalEntry:
    """Append one balanced entry and update the running balances; return it.

    With an ``idempotency_key`` already used for the same entry, the first
    entry is returned and nothing is written; used for a different one,
    :class:`IdempotencyConflict`.
    """
    functional = functional_currency(session)
    legs = _validate(session, lines, functional)
    _check_text(memo, event, created_by, source, idempotency_key)
    request = chain.request_fingerprint(value_date, memo, event, source, reverses, legs)

    if idempotency_key is not None:
        replay = _replay(session, idempotency_key, request)
        if replay is not None:
            return replay

    head = lock_books(session)
    # Checked again under the lock: a concurrent twin may have committed meanwhile.
    if idempotency_key is not None:
        replay = _replay(session, idempotency_key, request)
        if replay is not None:
            return replay
    if reverses is not None:
        _ensure_not_reversed(session, reverses)
    ensure_open(session, value_date)
    _apply_balances(session, legs, functional, value_date)

    entry = JournalEntry(
        number=head.last_number + 1,
        value_date=value_date,
        posted_at=utcnow(),
        memo=memo,
        event=event,
        source_type=source[0] if source else None,
        source_id=source[1] if source else None,
        reverses=reverses,
        created_by=created_by,
        idempotency_key=idempotency_key,
        prev_hash=head.last_hash,
        hash="",
    )
    postings = [
        Posting(
            line=i,
            account_id=leg.account.id,
            amount=leg.line.amount,
            original_amount=leg.original.minor,
            currency=leg.original.currency,
            **leg.dims,
        )
        for i, leg in enumerate(legs, start=1)
    ]
    codes = [leg.account.code for leg in legs]
    entry.hash = chain.entry_hash(entry, postings, codes)
    session.add(entry)
    session.flush()
    for posting in postings:
        posting.entry_number = entry.number
    session.add_all(postings)
    head.last_number = entry.number
    head.last_hash = entry.hash
    session.flush()
    return entry


def reverse_entry(
    session: Session,
    number: int,
    *,
    value_date: date,
    memo: str,
    created_by: str,
    idempotency_key: str | None = None,
    event: str | None = None,
    keep: frozenset[str] = frozenset(),
) -> JournalEntry:
    """Post the mirror image of entry ``number`` and link it to the original.

    ``keep`` names accounts whose legs are *not* reversed (a returned payment
    keeps its bank fee); the legs dropped must leave the reversal balanced.
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
        raise Invalid.field("date", f"cannot be before the date of entry {number}")
    lines = [
        Line(
            p.account.code,
            -p.amount,
            Money(-p.original_amount, p.currency),
            **{d: getattr(p, d) for d in DIMENSIONS},
        )
        for p in original.postings
        if p.account.code not in keep
    ]
    try:
        reversal = post_entry(
            session,
            value_date=value_date,
            memo=memo,
            event=event or "entry.reversed",
            lines=lines,
            created_by=created_by,
            source=(original.source_type, original.source_id) if original.source_type else None,
            reverses=number,
            idempotency_key=idempotency_key,
        )
    except Unbalanced:
        raise Invalid.field("keep", "leaving those legs out would unbalance the reversal") from None
    session.expire(original, ["reversed_by"])
    return reversal


def get_entry(session: Session, number: int) -> JournalEntry:
    entry = session.get(JournalEntry, number) if 0 < number < 2**31 else None
    if entry is None:
        raise NotFound(f"journal entry {number} does not exist")
    return entry


def _validate(session: Session, lines: Sequence[Line], functional: str) -> list[_Leg]:
    if len(lines) < 2:
        raise Unbalanced("an entry needs at least two postings", {"postings": ["at least two"]})
    codes = {line.account for line in lines}
    accounts = {a.code: a for a in session.scalars(select(Account).where(Account.code.in_(codes)))}
    legs: list[_Leg] = []
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
        legs.append(_Leg(line, account, original, dims))
        total += line.amount
    if total != 0:
        raise Unbalanced(
            f"postings sum to {total} minor units, not zero",
            {"postings": [f"debits and credits differ by {abs(total)} minor units"]},
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
    if any(ord(c) < 32 and c not in "\t\n" for c in value):
        raise Invalid.field(field, "must not contain control characters")


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


def _apply_balances(session: Session, legs: list[_Leg], functional: str, value_date: date) -> None:
    """Add the legs to the running balances, refusing any no-overdraft crossing.

    A back-dated outflow must also leave the balance on its side as of its own
    date and every later one, or statements as of those dates would show the
    bank overdrawn. Every balance is checked before any is changed, so a
    refusal leaves the session exactly as it was.
    """
    by_account: dict[int, list[_Leg]] = defaultdict(list)
    for leg in legs:
        by_account[leg.account.id].append(leg)
    updates = []
    for account_id in sorted(by_account):  # one lock order for everyone: no deadlocks
        account_legs = by_account[account_id]
        account = account_legs[0].account
        row = session.scalar(
            select(AccountBalance)
            .where(AccountBalance.account_id == account_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        balance = row.balance + sum(leg.line.amount for leg in account_legs)
        original = row.original_balance
        if account.currency is not None:
            original += sum(leg.original.minor for leg in account_legs)
        if account.overdraft_scope == "account":
            # A foreign-currency bank account is overdrawn when its own currency runs out;
            # its functional value moves with the rate and is restated at month end.
            foreign = account.currency is not None and account.currency != functional
            if foreign:
                _refuse_overdraft(account, original, account.currency)
            else:
                _refuse_overdraft(account, balance, functional)
            _refuse_backdated_overdraft(
                session,
                account,
                value_date,
                account_legs,
                watch=("original",) if foreign else ("functional",),
            )
        updates.append((row, balance, original, len(account_legs)))
        if account.overdraft_scope == "award":
            updates += _subledger_updates(session, account, account_legs, value_date)
    for row, balance, original, count in updates:
        if row not in session:
            session.add(row)
        row.balance, row.original_balance = balance, original
        if count is not None:
            row.postings += count


def _subledger_updates(
    session: Session, account: Account, legs: list[_Leg], value_date: date
) -> list:
    by_award: dict[int, list[_Leg]] = defaultdict(list)
    for leg in legs:
        by_award[leg.line.award_id].append(leg)
    updates = []
    for award_id in sorted(by_award):
        award_legs = by_award[award_id]
        row = session.scalar(
            select(SubledgerBalance)
            .where(SubledgerBalance.account_id == account.id, SubledgerBalance.award_id == award_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        currency = row.currency if row is not None else award_legs[0].original.currency
        if any(leg.original.currency != currency for leg in award_legs):
            raise Invalid.field(
                "currency", f"award {award_id} is kept in {currency} in account {account.code}"
            )
        balance = sum(leg.line.amount for leg in award_legs)
        original = sum(leg.original.minor for leg in award_legs)
        if row is not None:
            balance += row.balance
            original += row.original_balance
        _refuse_overdraft(account, balance, "functional", award_id)
        _refuse_overdraft(account, original, currency, award_id)
        _refuse_backdated_overdraft(
            session, account, value_date, award_legs, ("functional", "original"), award_id
        )
        if row is None:  # added to the session only once every balance has passed
            row = SubledgerBalance(
                account_id=account.id,
                award_id=award_id,
                currency=currency,
                balance=0,
                original_balance=0,
            )
        updates.append((row, balance, original, None))
    return updates


def _refuse_backdated_overdraft(
    session: Session,
    account: Account,
    value_date: date,
    legs: list[_Leg],
    watch: tuple[str, ...],
    award_id: int | None = None,
) -> None:
    """Refuse an outflow that would take the balance past zero as of its date or later.

    Only outflows dated before later postings need it: otherwise the running
    balance is the balance as of every date the outflow touches.
    """
    delta = (sum(leg.line.amount for leg in legs), sum(leg.original.minor for leg in legs))
    if account.on_normal_side(delta[0]) >= 0 and account.on_normal_side(delta[1]) >= 0:
        return
    scope = [Posting.account_id == account.id]
    if award_id is not None:
        scope.append(Posting.award_id == award_id)
    later = session.scalar(
        select(JournalEntry.number)
        .join(Posting, Posting.entry_number == JournalEntry.number)
        .where(JournalEntry.value_date > value_date, *scope)
        .limit(1)
    )
    if later is None:
        return
    daily = session.execute(
        select(JournalEntry.value_date, summed(Posting.amount), summed(Posting.original_amount))
        .join(JournalEntry, JournalEntry.number == Posting.entry_number)
        .where(*scope)
        .group_by(JournalEntry.value_date)
        .order_by(JournalEntry.value_date)
    )
    functional = original = 0
    points = []  # balances as of value_date and as of every later day with postings
    for day, day_functional, day_original in daily:
        if day > value_date and not points:
            points.append((functional, original))  # nothing on value_date itself
        functional += int(day_functional)
        original += int(day_original)
        if day >= value_date:
            points.append((functional, original))
    units = {"functional": 0, "original": 1}
    for point in points:
        for unit in watch:
            index = units[unit]
            _refuse_overdraft(
                account, point[index] + delta[index], f"{unit}, as of a later date", award_id
            )


def _refuse_overdraft(
    account: Account, debit_positive: int, unit: str, award_id: int | None = None
) -> None:
    if account.on_normal_side(debit_positive) >= 0:
        return
    what = f"award {award_id} in account {account.code}" if award_id else f"account {account.code}"
    raise Overdraft(
        f"{what} ({account.name}) would be overdrawn",
        {"amount": [f"exceeds what is available in {what} ({unit})"]},
    )
