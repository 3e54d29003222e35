"""The seized-asset register, and the statement of one case.

Figures come from the journal (postings carrying the asset or case
dimension), so each ties to the trial balance: the assets held for sale add
up to 1100, the cash in escrow to 1010.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.chart import ESCROW, HELD_FOR_SALE
from ledger.closing import is_closing_entry
from ledger.distributions import case_net_proceeds
from ledger.errors import Invalid
from ledger.lookup import fetch
from ledger.models import Account, Asset, Award, Case, JournalEntry, Posting
from ledger.models.base import summed
from ledger.money import Money, format_money
from ledger.reads.lists import filtered
from reports.context import ReportRequest, make_meta
from reports.statement import Column, Statement
from reports.statements.awards import award_movements

ASSET_COLUMNS = [
    Column("asset", "Asset", "int", width=0.5),
    Column("case", "Case", width=1.1),
    Column("kind", "Kind", width=0.9),
    Column("description", "Description", width=2.6),
    Column("seized_on", "Seized", "date", width=0.85),
    Column("state", "State", width=0.8),
    Column("changed_on", "Since", "date", width=0.85),
    Column("estimated", "Estimated value", "money_in", currency_key="currency", width=1.4),
    Column("carrying", "Held for sale", "money", width=1.2),
    Column("escrow", "Cash in escrow", "money", width=1.2),
]


def asset_register(session: Session, request: ReportRequest) -> Statement:
    """Every seized asset and its state on the as-of date."""
    meta = make_meta(session, request, point_in_time=True)
    as_of = meta.as_of
    query = select(Asset).where(Asset.seized_on <= as_of).order_by(Asset.id)
    assets = list(session.scalars(filtered(query, (Asset.case_id, request.case_id))))
    held = _per_asset(session, HELD_FOR_SALE, as_of)
    escrow = _per_asset(session, ESCROW, as_of)
    rows, under_seizure = [], defaultdict(lambda: [0, 0])
    for asset in assets:
        state, since = _state_on(asset, as_of)
        rows.append(
            {
                "asset": asset.id,
                "case": asset.case.reference,
                "kind": asset.kind,
                "description": asset.description,
                "seized_on": asset.seized_on,
                "state": state,
                "changed_on": since,
                "currency": asset.estimated_currency,
                "estimated": asset.estimated_minor,
                "carrying": held.get(asset.id, 0),
                "escrow": escrow.get(asset.id, 0),
            }
        )
        if state == "seized" and asset.kind != "cash":
            under_seizure[asset.estimated_currency][0] += 1
            under_seizure[asset.estimated_currency][1] += asset.estimated_minor
    notes = [
        f"Note: {count} non-cash asset(s) under seizure, estimated "
        f"{format_money(Money(value, currency))}, "
        "are not fund assets until forfeited."
        for currency, (count, value) in sorted(under_seizure.items())
    ]
    totals = {"asset": "Total", "carrying": sum(held.values()), "escrow": sum(escrow.values())}
    return Statement(
        "asset-register",
        "Seized-asset register",
        meta,
        ASSET_COLUMNS,
        rows,
        totals=totals,
        notes=notes,
        summary={
            "held_for_sale_total": Money(totals["carrying"], meta.functional_currency),
            "escrow_total": Money(totals["escrow"], meta.functional_currency),
            "under_seizure": [
                {"count": c, "estimated": Money(v, cur)}
                for cur, (c, v) in sorted(under_seizure.items())
            ],
        },
    )


def _state_on(asset: Asset, as_of: date) -> tuple[str, date]:
    for state, day in (
        ("released", asset.released_on),
        ("liquidated", asset.sold_on),
        ("forfeited", asset.forfeited_on),
    ):
        if day is not None and day <= as_of:
            return state, day
    return "seized", asset.seized_on


def _per_asset(session: Session, code: str, as_of: date) -> dict[int, int]:
    rows = session.execute(
        select(Posting.asset_id, summed(Posting.amount))
        .join(JournalEntry, JournalEntry.number == Posting.entry_number)
        .join(Account, Account.id == Posting.account_id)
        .where(
            Account.code == code, JournalEntry.value_date <= as_of, Posting.asset_id.is_not(None)
        )
        .group_by(Posting.asset_id)
    )
    return {asset_id: int(total) for asset_id, total in rows if int(total)}


CASE_COLUMNS = [
    Column("item", "Item", width=1.4),
    Column("detail", "Detail", width=3.2),
    Column("status", "Status", width=1.3),
    Column("amount", "Amount", "money_in", currency_key="currency", width=1.5),
    Column("functional", "Functional", "money", width=1.4),
]


def case_statement(session: Session, request: ReportRequest) -> Statement:
    """One case: its assets, the income and costs booked to it, its awards, its net proceeds."""
    if request.case_id is None:
        raise Invalid.field("case_id", "the case statement needs case_id")
    case = fetch(session, Case, request.case_id, "case", "case_id")
    meta = make_meta(session, request, point_in_time=True)
    as_of = meta.as_of
    rows: list[dict] = [{"_style": "heading", "item": "Seized assets"}]
    held = _per_asset(session, HELD_FOR_SALE, as_of)
    for asset in session.scalars(
        select(Asset).where(Asset.case_id == case.id, Asset.seized_on <= as_of).order_by(Asset.id)
    ):
        state, since = _state_on(asset, as_of)
        rows.append(
            {
                "item": f"Asset {asset.id} ({asset.kind})",
                "detail": asset.description,
                "status": f"{state} {since.isoformat()}",
                "currency": asset.estimated_currency,
                "amount": asset.estimated_minor,
                "functional": held.get(asset.id),
            }
        )
    rows.append({"_style": "heading", "item": "Income and costs booked to the case"})
    result = 0
    for code, name, kind, total in session.execute(
        select(Account.code, Account.name, Account.type, summed(Posting.amount))
        .join(Posting, Posting.account_id == Account.id)
        .join(JournalEntry, JournalEntry.number == Posting.entry_number)
        .where(
            Posting.case_id == case.id,
            JournalEntry.value_date <= as_of,
            Account.type.in_(("revenue", "expense")),
            ~is_closing_entry(),
        )
        .group_by(Account.code, Account.name, Account.type)
        .order_by(Account.code)
    ):
        result -= int(total)
        shown = -int(total) if kind == "revenue" else int(total)
        rows.append({"item": code, "detail": name, "status": kind, "functional": shown})
    rows.append({"_style": "subtotal", "item": "Result of the case", "functional": result})
    rows.append({"_style": "heading", "item": "Awards"})
    awards = list(
        session.scalars(
            select(Award)
            .where(Award.case_id == case.id, Award.ordered_on <= as_of)
            .order_by(Award.id)
        )
    )
    figures = award_movements(session, as_of, [a.id for a in awards])
    owed = 0
    for award in awards:
        f = figures[award.id]
        owed += f["carrying"]
        rows.append(
            {
                "item": f"Award {award.id}",
                "detail": f"{award.victim.code}, order {award.order_reference}",
                "status": "outstanding" if f["outstanding"] else "settled",
                "currency": award.currency,
                "amount": f["outstanding"],
                "functional": f["carrying"],
            }
        )
    rows.append({"_style": "subtotal", "item": "Owed to victims of the case", "functional": owed})
    net = case_net_proceeds(session, case.id)
    return Statement(
        "case-statement",
        "Case statement",
        meta,
        CASE_COLUMNS,
        rows,
        subtitle=f"{case.reference} · {case.title} · {case.court}",
        notes=[
            f"Net proceeds still available for distribution to this case's awards: "
            f"{format_money(Money(net, meta.functional_currency))} (today)."
        ],
        summary={
            "case": case.reference,
            "result_total": Money(result, meta.functional_currency),
            "owed_total": Money(owed, meta.functional_currency),
            "net_proceeds_amount": Money(net, meta.functional_currency),
        },
    )
