"""Manual journal entries by administrators, and their reversal.

Each posting names an account and a debit or a credit, as a decimal string in
the account's own currency (its fixed currency, else the functional one);
foreign amounts are converted at the entry date. The entry must balance in
functional units after conversion, or it is refused as unbalanced.

An entry that a register posted (an award, a payment, a sale…) is undone only
through that register, which keeps its own state right: it cannot be
reversed by hand (:func:`reverse_manual_entry`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import access, audit, events, validate
from ledger.access import Actor
from ledger.errors import Conflict, Invalid
from ledger.fund import functional_currency
from ledger.fx import to_functional
from ledger.journal import Line, get_entry, post_step, reverse_entry
from ledger.lookup import fetch
from ledger.models import Account, Asset, Award, Case, JournalEntry, Victim
from ledger.money import Money

DIMENSIONS = {"case_id": Case, "victim_id": Victim, "award_id": Award, "asset_id": Asset}


def post_adjustment(
    session: Session,
    *,
    actor: Actor,
    value_date: date,
    memo: str,
    postings: Sequence[dict],
    idempotency_key: str | None = None,
) -> JournalEntry:
    access.require(actor, access.MANAGE_BOOKS)
    memo = validate.text("memo", memo, max_length=500)
    if not isinstance(postings, Sequence) or len(postings) < 2:
        raise Invalid.field("postings", "an entry needs at least two postings")
    functional = functional_currency(session)
    lines = [
        _line(session, i, posting, value_date, functional) for i, posting in enumerate(postings)
    ]
    dated = (value_date, "date")  # the field a refusal for a closed month names, as ever
    entry = post_step(
        session, actor, events.MANUAL_ENTRY, dated, memo, lines, idempotency_key=idempotency_key
    )
    audit.record(session, actor, events.MANUAL_ENTRY, "journal_entry", entry.number)
    return entry


def reverse_manual_entry(
    session: Session, *, actor: Actor, number: int, value_date: date, memo: str
) -> JournalEntry:
    """Reverse an entry posted by hand; a register's entries go back through their register."""
    access.require(actor, access.MANAGE_BOOKS)
    memo = validate.text("memo", memo, max_length=500)
    entry = get_entry(session, number)
    if entry.source_type is not None:
        raise Conflict(
            f"entry {number} was posted by {entry.source_type} {entry.source_id}; "
            "undo it through that record (cancel the award, return the payment, …)"
        )
    reversal = reverse_entry(session, number, actor=actor, value_date=value_date, memo=memo)
    after = {"reverses": number}
    audit.record(
        session, actor, events.ENTRY_REVERSED, "journal_entry", reversal.number, after=after
    )
    return reversal


def _line(session: Session, i: int, posting: dict, value_date: date, functional: str) -> Line:
    where = f"postings.{i}"
    code = posting.get("account")
    if not isinstance(code, str) or not re.fullmatch(r"[0-9]{1,10}", code):
        raise Invalid.field(f"{where}.account", "must be an account code of 1 to 10 digits")
    account = session.scalar(select(Account).where(Account.code == code))
    if account is None:
        raise Invalid.field(f"{where}.account", f"account {code} does not exist")
    debit, credit = posting.get("debit"), posting.get("credit")
    if (debit is None) == (credit is None):
        raise Invalid.field(where, "needs exactly one of debit or credit")
    currency = account.currency or functional
    field = f"{where}.debit" if debit is not None else f"{where}.credit"
    try:
        money = Money.parse(
            debit if debit is not None else credit, currency, field=field, allow_zero=False
        )
    except Invalid as exc:
        raise Invalid.field(field, next(iter(exc.errors.values()))[0]) from None
    amount = to_functional(session, money, value_date, functional, field)
    dims = {}
    for name, model in DIMENSIONS.items():
        if posting.get(name) is not None:
            dims[name] = fetch(
                session, model, posting[name], name.removesuffix("_id"), f"{where}.{name}"
            ).id
    if debit is None:
        return Line.credit(account.code, amount, money, **dims)
    return Line.debit(account.code, amount, money, **dims)
