"""Receipts and expenses: money in and out of the fund that is not a payment to a victim.

| kind | entry |
|---|---|
| receipt donation, grant, other | bank / 4200 |
| receipt interest | bank / 4300 |
| receipt escrow_interest | 1010 / 2100 (it follows the seized principal of ``asset_id``) |
| expense custody, disposal | 5200 / bank (dims asset, case) |
| expense bank_charges | 5300 / bank |
| expense administrative, other | 5500 / bank |

"bank" is the fund's bank account in the amount's currency (1000 for the
functional currency, or one an administrator added, such as 1001 in USD).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from ledger import access, audit, events, labels, posting_state, validate
from ledger.access import Actor
from ledger.assets import get_asset
from ledger.cases import get_case
from ledger.chart import (
    ADMINISTRATIVE_COSTS,
    BANK_CHARGES,
    CUSTODY_COSTS,
    DONATIONS,
    ESCROW,
    INTEREST,
    SEIZED_PENDING,
)
from ledger.errors import Conflict, Invalid
from ledger.fund import functional_currency
from ledger.fx import to_functional
from ledger.journal import debit_credit, post_step
from ledger.locks import lock_books
from ledger.models import CashMovement
from ledger.money import Money

RECEIPT_ACCOUNTS = {
    "donation": DONATIONS,
    "grant": DONATIONS,
    "interest": INTEREST,
    "escrow_interest": SEIZED_PENDING,
    "other": DONATIONS,
}
EXPENSE_ACCOUNTS = {
    "custody": CUSTODY_COSTS,
    "disposal": CUSTODY_COSTS,
    "bank_charges": BANK_CHARGES,
    "administrative": ADMINISTRATIVE_COSTS,
    "other": ADMINISTRATIVE_COSTS,
}
FIELDS = (
    "direction",
    "kind",
    "occurred_on",
    "amount_minor",
    "currency",
    "counterparty",
    "case_id",
    "asset_id",
    "entry_number",
)


def record_receipt(
    session: Session, *, actor: Actor, received_on: date, **movement
) -> CashMovement:
    """Record money received on ``received_on``; ``movement``: what :func:`_record` takes
    (``kind``, one of :data:`RECEIPT_ACCOUNTS`, ``amount``, ``counterparty``, ``case_id``…)."""
    return _record("receipt", session, actor, (received_on, "received_on"), **movement)


def record_expense(session: Session, *, actor: Actor, paid_on: date, **movement) -> CashMovement:
    """Record money spent on ``paid_on``; ``movement``: what :func:`_record` takes (``kind``,
    one of :data:`EXPENSE_ACCOUNTS`, ``amount``, ``counterparty``, ``case_id``…)."""
    return _record("expense", session, actor, (paid_on, "paid_on"), **movement)


def _record(
    direction: str,
    session: Session,
    actor: Actor,
    dated: tuple[date, str],
    *,
    kind: str,
    amount: Money,
    counterparty: str,
    case_id: int | None = None,
    asset_id: int | None = None,
) -> CashMovement:
    """One receipt or expense (the two differ but in the name of their day's field); ``dated``
    is the day and the name of its request field. ``case_id`` and ``asset_id``: what the
    money is for (an asset names its case)."""
    accounts = RECEIPT_ACCOUNTS if direction == "receipt" else EXPENSE_ACCOUNTS
    validate.one_of("kind", kind, accounts)
    access.require(actor, access.MANAGE_CASH)
    day, date_field = dated
    validate.not_future(date_field, day)
    validate.positive("amount.amount", amount)
    counterparty = validate.text("counterparty", counterparty, max_length=200)
    case = get_case(session, case_id, "case_id") if case_id is not None else None
    asset = None
    if asset_id is not None:
        lock_books(session)  # the asset's state is read under the lock: it may be changing
        asset = get_asset(session, asset_id, "asset_id")
        session.refresh(asset)
        if case is not None and asset.case_id != case.id:
            raise Invalid.field("asset_id", f"asset {asset.id} belongs to another case")
        case_id = asset.case_id
    dims = {"case_id": case_id, "asset_id": asset_id}
    functional = functional_currency(session)
    value = to_functional(session, amount, day, functional)
    if direction == "receipt" and kind == "escrow_interest":
        _check_escrow(asset, amount, day)
        debit, credit = ESCROW, SEIZED_PENDING
    else:
        bank = _bank_account_for(session, amount.currency)
        other = accounts[kind]
        debit, credit = (bank, other) if direction == "receipt" else (other, bank)
    lines = debit_credit(debit, credit, value, amount, **dims)
    movement = CashMovement(
        direction=direction,
        kind=kind,
        occurred_on=day,
        amount_minor=amount.minor,
        currency=amount.currency,
        counterparty=counterparty,
        case_id=case_id,
        asset_id=asset_id,
        created_by=actor.name,
    )
    session.add(movement)
    session.flush()
    event = events.RECEIPT_RECORDED if direction == "receipt" else events.EXPENSE_RECORDED
    memo = labels.movement_memo(direction, kind, counterparty)
    source = (direction, movement.id)
    entry = post_step(session, actor, event, dated, memo, lines, source=source)
    movement.entry_number = entry.number
    session.flush()
    audit.record_change(session, actor, event, direction, movement, FIELDS)
    return movement


def _bank_account_for(session: Session, currency: str) -> str:
    """:func:`ledger.bank.bank_account_for` from the chart this transaction has read already
    (no statement of its own): the code of the first active bank account in ``currency``."""
    _, chart = posting_state.context(session)
    for code in sorted(chart):
        account = chart[code]
        if (account.type, account.currency, account.overdraft_scope) == (
            "asset",
            currency,
            "account",
        ) and account.active:
            return code
    raise Invalid.field("amount.currency", f"the fund has no bank account in {currency}")


def _check_escrow(asset, amount: Money, day: date) -> None:
    """Interest on seized cash follows its principal: same asset, still in escrow, same currency."""
    if asset is None:
        raise Invalid.field("asset_id", "interest on escrowed cash names the seized cash asset")
    if asset.kind != "cash" or asset.state != "seized":
        message = f"asset {asset.id} is not seized cash held in escrow"
        raise Conflict(message, {"asset_id": [message]})
    if amount.currency != asset.estimated_currency:
        raise Invalid.field("amount.currency", f"must be {asset.estimated_currency}, as the cash")
    if day < asset.seized_on:
        raise Invalid.field("received_on", "cannot be before the cash was seized")
