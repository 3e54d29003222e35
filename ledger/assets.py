"""Seized assets: seizure, forfeiture, sale, release (SPEC §4, §5).

State machine: ``seized → forfeited → liquidated`` and ``seized → released``;
anything else is a :class:`Conflict` and changes nothing.

Seized cash is held in escrow for its owner (1010 / 2100) until a court
decides; interest it earns follows it. Non-cash assets under seizure are not
fund assets: no entry until forfeiture brings them in at appraised value.
Forfeited cash moves to the fund's bank account at the functional value it
was carried at.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger import access, audit, events, validate
from ledger.access import Actor
from ledger.balances import dimension_balance
from ledger.cases import get_case
from ledger.chart import (
    BANK,
    DISPOSAL_GAIN,
    DISPOSAL_LOSS,
    ESCROW,
    FORFEITURE_REVENUE,
    HELD_FOR_SALE,
    SEIZED_PENDING,
)
from ledger.errors import Conflict, Invalid
from ledger.fund import functional_currency
from ledger.fx import to_functional
from ledger.journal import Line, debit_credit, gain_or_loss, post_step
from ledger.locks import lock_books
from ledger.lookup import fetch
from ledger.models import Account, Asset, JournalEntry, Posting
from ledger.models.registers import ASSET_KINDS
from ledger.money import Money

FIELDS = (
    "case_id",
    "kind",
    "description",
    "seized_on",
    "estimated_minor",
    "estimated_currency",
    "state",
    "forfeited_on",
    "forfeiture_order",
    "value_minor",
    "value_currency",
    "carrying_minor",
    "sold_on",
    "proceeds_minor",
    "selling_costs_minor",
    "sale_currency",
    "released_on",
    "release_reason",
)


def get_asset(session: Session, asset_id: object, field: str | None = None) -> Asset:
    return fetch(session, Asset, asset_id, "asset", field)


def seize_asset(
    session: Session,
    *,
    actor: Actor,
    case_id: int,
    kind: str,
    description: str,
    seized_on: date,
    estimated_value: Money,
) -> Asset:
    access.require(actor, access.MANAGE_ASSETS)
    validate.one_of("kind", kind, ASSET_KINDS)
    description = validate.text("description", description, max_length=500)
    validate.not_future("seized_on", seized_on)
    if kind == "cash":
        validate.positive("estimated_value.amount", estimated_value)
    elif estimated_value.minor < 0:
        raise Invalid.field("estimated_value.amount", "must not be negative")
    lock_books(session)
    case = get_case(session, case_id, "case_id")
    if case.status != "open":
        raise Conflict(f"case {case.reference} is closed")
    if seized_on < case.opened_on:
        raise Invalid.field("seized_on", "cannot be before the case was opened")
    asset = Asset(
        case_id=case.id,
        kind=kind,
        description=description,
        seized_on=seized_on,
        estimated_minor=estimated_value.minor,
        estimated_currency=estimated_value.currency,
        state="seized",
    )
    session.add(asset)
    session.flush()
    entry = None
    if kind == "cash":
        functional = to_functional(
            session, estimated_value, seized_on, functional_currency(session), "estimated_value"
        )
        lines = debit_credit(
            ESCROW, SEIZED_PENDING, functional, estimated_value, **_dimensions(asset)
        )
        entry = ((seized_on, "seized_on"), f"Cash seized in case {case.reference}", lines)
    return _conclude(session, actor, events.ASSET_SEIZED, asset, None, entry, {})


def forfeit_asset(
    session: Session,
    *,
    actor: Actor,
    asset_id: int,
    order_reference: str,
    forfeited_on: date,
    value: Money | None = None,
) -> Asset:
    access.require(actor, access.MANAGE_ASSETS)
    order_reference = validate.text("order_reference", order_reference, max_length=100)
    dated = (forfeited_on, "forfeited_on")
    asset, before = _leaving_seizure(session, asset_id, dated, "be forfeited")
    functional = functional_currency(session)
    dims = _dimensions(asset)
    if asset.kind == "cash":
        if value is not None:
            raise Invalid.field("value", "is not given for cash: the seized amount is forfeited")
        carried, cash = _in_escrow(session, asset)
        lines = [
            Line.debit(SEIZED_PENDING, carried, cash, **dims),
            Line.credit(FORFEITURE_REVENUE, carried, **dims),
            Line.debit(BANK, carried, **dims),
            Line.credit(ESCROW, carried, cash, **dims),
        ]
    else:
        if value is None:
            raise Invalid.field("value", "the appraised value is required for a non-cash asset")
        validate.positive("value.amount", value)
        carried = to_functional(session, value, forfeited_on, functional, "value")
        lines = debit_credit(HELD_FOR_SALE, FORFEITURE_REVENUE, carried, value, **dims)
        asset.value_minor, asset.value_currency = value.minor, value.currency
    asset.carrying_minor = carried
    memo = f"Forfeiture of asset {asset.id} (order {order_reference})"
    entry = (dated, memo, lines)
    changes = {
        "state": "forfeited",
        "forfeited_on": forfeited_on,
        "forfeiture_order": order_reference,
    }
    return _conclude(session, actor, events.ASSET_FORFEITED, asset, before, entry, changes)


def liquidate_asset(
    session: Session,
    *,
    actor: Actor,
    asset_id: int,
    sold_on: date,
    proceeds: Money,
    selling_costs: Money | None = None,
) -> Asset:
    """The sale of a forfeited asset for ``proceeds``, less ``selling_costs`` (none if None)."""
    access.require(actor, access.MANAGE_ASSETS)
    if selling_costs is None:
        selling_costs = Money(0, proceeds.currency)
    validate.not_future("sold_on", sold_on)
    validate.positive("proceeds.amount", proceeds)
    if selling_costs.minor < 0:
        raise Invalid.field("selling_costs.amount", "must not be negative")
    if selling_costs.currency != proceeds.currency:
        raise Invalid.field("selling_costs.currency", "must be the currency of the proceeds")
    net = proceeds - selling_costs
    if net.minor <= 0:
        raise Invalid.field(
            "selling_costs.amount",
            "must be less than the proceeds (record costs beyond them as an expense)",
        )
    asset, before = _fresh(session, asset_id)
    if asset.kind == "cash":
        raise Conflict("forfeited cash is already in the fund's bank account; it is not sold")
    _require_state(asset, "forfeited", "be sold")
    if sold_on < asset.forfeited_on:
        raise Invalid.field("sold_on", "cannot be before the forfeiture")
    functional = functional_currency(session)
    net_functional = to_functional(session, net, sold_on, functional, "proceeds")
    carried = asset.carrying_minor
    dims = _dimensions(asset)
    lines = [
        Line.debit(BANK, net_functional, **dims),
        Line.credit(HELD_FOR_SALE, carried, Money(asset.value_minor, asset.value_currency), **dims),
    ]
    lines += gain_or_loss(DISPOSAL_GAIN, DISPOSAL_LOSS, carried - net_functional, **dims)
    entry = ((sold_on, "sold_on"), f"Sale of forfeited asset {asset.id}", lines)
    changes = {
        "state": "liquidated",
        "sold_on": sold_on,
        "proceeds_minor": proceeds.minor,
        "selling_costs_minor": selling_costs.minor,
        "sale_currency": proceeds.currency,
    }
    return _conclude(session, actor, events.ASSET_LIQUIDATED, asset, before, entry, changes)


def release_asset(
    session: Session, *, actor: Actor, asset_id: int, released_on: date, reason: str
) -> Asset:
    access.require(actor, access.MANAGE_ASSETS)
    reason = validate.text("reason", reason, max_length=500)
    dated = (released_on, "released_on")
    asset, before = _leaving_seizure(session, asset_id, dated, "be released")
    entry = None
    if asset.kind == "cash":
        carried, cash = _in_escrow(session, asset)
        lines = debit_credit(SEIZED_PENDING, ESCROW, carried, cash, **_dimensions(asset))
        memo = f"Seized cash of asset {asset.id} released"
        entry = (dated, memo, lines)
    changes = {"state": "released", "released_on": released_on, "release_reason": reason}
    return _conclude(session, actor, events.ASSET_RELEASED, asset, before, entry, changes)


def _fresh(session: Session, asset_id: int) -> tuple[Asset, dict]:
    """The asset as it is now that the books are locked, and its state for the audit log."""
    lock_books(session)
    asset = fetch(session, Asset, asset_id, "asset", fresh=True)
    return asset, audit.snapshot(asset, FIELDS)


def _dimensions(asset: Asset) -> dict:
    """Every leg of an asset's entry names the asset and its case."""
    return {"asset_id": asset.id, "case_id": asset.case_id}


def _in_escrow(session: Session, asset: Asset) -> tuple[int, Money]:
    """Seized cash in escrow (1010) now: its functional carrying value and the cash itself."""
    carried, original = dimension_balance(session, ESCROW, asset_id=asset.id)
    return carried, Money(original, asset.estimated_currency)


def _conclude(
    session: Session,
    actor: Actor,
    event: str,
    asset: Asset,
    before: dict | None,
    entry: tuple[tuple[date, str], str, list[Line]] | None,
    changes: dict,
) -> Asset:
    """End a step as every asset step ends: post its ``entry`` (the step's day and the name of
    its request field, which a refusal for a closed month names; the memo; the lines), sourced
    to the asset, unless nothing moves (None); then give the asset its new fields
    (``changes``) and audit the step (``before``: the asset as it was, None for a new one)."""
    if entry is not None:
        post_step(session, actor, event, *entry, source=("asset", asset.id))
    for name, value in changes.items():
        setattr(asset, name, value)
    audit.record_change(session, actor, event, "asset", asset, FIELDS, before)
    return asset


def _leaving_seizure(
    session: Session, asset_id: int, dated: tuple[date, str], action: str
) -> tuple[Asset, dict]:
    """The asset and its state for the audit log, if it may leave seizure on ``dated`` (the
    day and the name of its request field) to ``action``: it is seized, and the day is
    neither in the future, nor before the seizure, nor before its escrow last moved."""
    day, field = dated
    validate.not_future(field, day)
    asset, before = _fresh(session, asset_id)
    _require_state(asset, "seized", action)
    if day < asset.seized_on:
        raise Invalid.field(field, "cannot be before the asset was seized")
    _not_before_escrow(session, asset, day, field)
    return asset, before


def _not_before_escrow(session: Session, asset: Asset, day: date, field: str) -> None:
    """Seized cash leaves escrow whole: not before interest already booked on it."""
    last = session.scalar(
        select(func.max(JournalEntry.value_date))
        .join(Posting, Posting.entry_number == JournalEntry.number)
        .join(Account, Account.id == Posting.account_id)
        .where(Account.code == ESCROW, Posting.asset_id == asset.id)
    )
    if last is not None and day < last:
        raise Invalid.field(field, f"cannot be before {last.isoformat()}, when escrow last moved")


def _require_state(asset: Asset, state: str, action: str) -> None:
    if asset.state != state:
        raise Conflict(
            f"asset {asset.id} is {asset.state}; only a {state} asset can {action}",
            {"state": [f"is {asset.state}"]},
        )
