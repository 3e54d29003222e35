"""Seized assets: the entries an asset's kind and state imply, the fields each step
fills, and the values and days those entries carry."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ledger import assets, events
from ledger.chart import BANK, ESCROW, FORFEITURE_REVENUE, HELD_FOR_SALE
from ledger.models import Asset
from ledger.verify_registers.books import Books, Entry
from ledger.verify_registers.findings import compare_snapshot, dated, rows, set_in_states

_FORFEITED = ("forfeited", "liquidated")
#: The fields a step fills, and the states in which they are therefore set.
_SET_IN = {
    **dict.fromkeys(("forfeited_on", "forfeiture_order", "carrying_minor"), _FORFEITED),
    **dict.fromkeys(
        ("sold_on", "proceeds_minor", "selling_costs_minor", "sale_currency"), ("liquidated",)
    ),
    **dict.fromkeys(("released_on", "release_reason"), ("released",)),
}
#: The steps whose entry moves the carrying value: the account it names and the verb.
_CARRYING = {
    events.ASSET_FORFEITED: (FORFEITURE_REVENUE, "forfeiture", "says"),
    events.ASSET_LIQUIDATED: (HELD_FOR_SALE, "sale", "derecognises"),
}


def _asset_steps(asset) -> list[str]:
    """The entries an asset in its state must have, in order."""
    cash = asset.kind == "cash"
    steps = [events.ASSET_SEIZED] if cash else []
    if asset.state in _FORFEITED:
        steps.append(events.ASSET_FORFEITED)
    if asset.state == "liquidated":
        steps.append(events.ASSET_LIQUIDATED)
    if asset.state == "released" and cash:
        steps.append(events.ASSET_RELEASED)
    return steps


def verify_assets(session: Session, books: Books) -> list[str]:
    """Each asset against the entries sourced to it and the last audit event on it."""
    problems = []
    for asset in rows(session, Asset):
        what = f"asset {asset.id}"
        posted = books.by_source.get(("asset", str(asset.id)), [])
        expected = _asset_steps(asset)
        if sorted(e.event for e in posted) != sorted(expected):
            problems.append(
                f"{what}: {asset.kind} {asset.state} implies "
                f"{', '.join(expected) or 'no entries'} but the journal has "
                f"{', '.join(f'{e.event} (entry {e.number})' for e in posted) or 'none'}"
            )
        problems += set_in_states(what, asset.state, asset, _SET_IN)
        non_cash_forfeited = asset.kind != "cash" and asset.state in _FORFEITED
        for name in ("value_minor", "value_currency"):
            if (getattr(asset, name) is not None) != non_cash_forfeited:
                problems.append(f"{what}: {asset.kind} {asset.state} but {name} is set wrongly")
        problems += _asset_entries(books, what, asset, {e.event: e for e in posted})
        problems += compare_snapshot(books, what, ("asset", str(asset.id)), asset, assets.FIELDS)
    return problems


def _asset_entries(books: Books, what: str, asset, by_event: dict[str, Entry]) -> list[str]:
    problems = []
    for event, (column, label, check) in _STEPS.items():
        entry = by_event.get(event)
        if entry is None:
            continue
        problems += dated(what, label, getattr(asset, column), entry, "its entry")
        if event in _CARRYING:
            code, kind, verb = _CARRYING[event]
            if -entry.amount(code) != asset.carrying_minor:
                problems.append(
                    f"{what}: carrying value {books.money(asset.carrying_minor, None)} but its "
                    f"{kind} entry {entry.number} {verb} {books.money(-entry.amount(code), None)}"
                )
        if check is not None:
            problems += check(books, what, asset, entry)
    return problems


def _seizure(books: Books, what: str, asset, seized: Entry) -> list[str]:
    if seized.original(ESCROW) == asset.estimated_minor and seized.currencies(ESCROW) == {
        asset.estimated_currency
    }:
        return []
    return [
        f"{what}: seized {books.money(asset.estimated_minor, asset.estimated_currency)} "
        f"but its seizure entry {seized.number} puts "
        f"{books.money(seized.original(ESCROW), asset.estimated_currency)} in escrow"
    ]


def _forfeiture(books: Books, what: str, asset, forfeited: Entry) -> list[str]:
    problems = []
    if asset.kind != "cash" and (
        forfeited.original(HELD_FOR_SALE) != asset.value_minor
        or forfeited.currencies(HELD_FOR_SALE) != {asset.value_currency}
    ):
        problems.append(
            f"{what}: value {books.money(asset.value_minor, asset.value_currency)} but its "
            f"forfeiture entry {forfeited.number} says "
            f"{books.money(forfeited.original(HELD_FOR_SALE), asset.value_currency)}"
        )
    if asset.forfeiture_order is None or f"(order {asset.forfeiture_order})" not in (
        forfeited.memo
    ):
        problems.append(
            f"{what}: forfeiture_order is not the one its entry {forfeited.number} states"
        )
    return problems


def _sale(books: Books, what: str, asset, sold: Entry) -> list[str]:
    if (
        asset.sale_currency == books.functional
        and asset.proceeds_minor is not None
        and asset.selling_costs_minor is not None
        and sold.amount(BANK) != asset.proceeds_minor - asset.selling_costs_minor
    ):
        return [
            f"{what}: proceeds less costs "
            f"{books.money(asset.proceeds_minor - asset.selling_costs_minor, None)} but its "
            f"sale entry {sold.number} banks {books.money(sold.amount(BANK), None)}"
        ]
    return []


#: Each step's entry: the column holding its day, how a finding names that day, and
#: what else its entry must carry.
_STEPS = {
    events.ASSET_SEIZED: ("seized_on", "seized on", _seizure),
    events.ASSET_FORFEITED: ("forfeited_on", "forfeited on", _forfeiture),
    events.ASSET_LIQUIDATED: ("sold_on", "sold on", _sale),
    events.ASSET_RELEASED: ("released_on", "released on", None),
}
