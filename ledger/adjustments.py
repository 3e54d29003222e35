"""Manual journal entries by administrators (``POST /journal``).

Each posting names an account and a debit or a credit, as a decimal string in
the account's own currency (its fixed currency, else the functional one);
foreign amounts are converted at the entry date. The entry must balance in
functional units after conversion, or it is refused as unbalanced.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import validate
from ledger.errors import Invalid
from ledger.fund import functional_currency
from ledger.fx import to_functional
from ledger.journal import Line, post_entry
from ledger.lookup import fetch
from ledger.models import Account, Asset, Award, Case, JournalEntry, Victim
from ledger.money import Money

DIMENSIONS = {"case_id": Case, "victim_id": Victim, "award_id": Award, "asset_id": Asset}


def post_adjustment(
    session: Session,
    *,
    actor: str,
    value_date: date,
    memo: str,
    postings: Sequence[dict],
    idempotency_key: str | None = None,
) -> JournalEntry:
    memo = validate.text("memo", memo, max_length=500)
    if not isinstance(postings, Sequence) or len(postings) < 2:
        raise Invalid.field("postings", "an entry needs at least two postings")
    functional = functional_currency(session)
    lines = [
        _line(session, i, posting, value_date, functional) for i, posting in enumerate(postings)
    ]
    return post_entry(
        session,
        value_date=value_date,
        memo=memo,
        event="journal.adjusted",
        lines=lines,
        created_by=actor,
        idempotency_key=idempotency_key,
    )


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
