"""Register statements: awards with ageing, seized assets, one victim, one case.

Figures come from the journal (the award's part of 2000, postings carrying
the case or asset dimension), so each register ties to the trial balance:
the awards register's carrying values add up to 2000, the assets held for
sale to 1100, the cash in escrow to 1010.

Victims appear by code only: none of these statements ever opens personal data.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.distributions import case_net_proceeds
from ledger.errors import Invalid
from ledger.lookup import fetch
from ledger.models import Account, Asset, Award, Case, Disbursement, JournalEntry, Posting, Victim
from ledger.models.base import summed
from ledger.money import Money, format_money
from reports.context import ReportRequest, make_meta
from reports.statement import Column, Statement

PAYABLE, ESCROW, HELD_FOR_SALE = "2000", "1010", "1100"
AGEING = ((90, "0-90 days"), (180, "91-180 days"), (365, "181-365 days"), (None, "over 1 year"))


def _award_movements(session: Session, as_of: date, award_ids=None) -> dict[int, dict]:
    """Per award, from its 2000 postings up to ``as_of``: owed, paid, cancelled, carrying."""
    query = (
        select(
            Posting.award_id,
            JournalEntry.event,
            summed(Posting.amount),
            summed(Posting.original_amount),
        )
        .join(JournalEntry, JournalEntry.number == Posting.entry_number)
        .join(Account, Account.id == Posting.account_id)
        .where(Account.code == PAYABLE, JournalEntry.value_date <= as_of)
        .group_by(Posting.award_id, JournalEntry.event)
    )
    if award_ids is not None:
        query = query.where(Posting.award_id.in_(award_ids))
    out: dict[int, dict] = defaultdict(
        lambda: {"paid": 0, "cancelled": 0, "carrying": 0, "outstanding": 0}
    )
    for award_id, event, functional, original in session.execute(query):
        item = out[award_id]
        item["carrying"] -= int(functional)
        item["outstanding"] -= int(original)
        if event in ("disbursement.paid", "disbursement.returned"):
            item["paid"] += int(original)
        elif event == "award.cancelled":
            item["cancelled"] += int(original)
    return out


def _is_foreign(victim: Victim, case: Case) -> bool:
    """Foreign: gone home, or living outside the case's country (when that is an ISO code)."""
    jurisdiction = case.jurisdiction.strip().upper()
    return victim.returned_home or (
        len(jurisdiction) == 2 and victim.country_of_residence != jurisdiction
    )


def _bucket(days: int) -> str:
    for limit, label in AGEING:
        if limit is None or days <= limit:
            return label
    raise AssertionError("unreachable")


AWARD_COLUMNS = [
    Column("award", "Award", "int", width=0.55),
    Column("case", "Case", width=1.0),
    Column("victim", "Victim", width=0.75),
    Column("residence", "Victim is", width=0.75),
    Column("ordered_on", "Ordered", "date", width=0.85),
    Column("amount", "Amount", "money_in", currency_key="currency", width=1.35),
    Column("paid", "Paid", "money_in", currency_key="currency", width=1.35),
    Column("cancelled", "Cancelled", "money_in", currency_key="currency", width=1.2),
    Column("outstanding", "Outstanding", "money_in", currency_key="currency", width=1.35),
    Column("carrying", "Carrying value", "money", width=1.2),
    Column("age", "Days", "int", width=0.45),
    Column("bucket", "Ageing", width=0.95),
    Column("status", "Status", width=2.1),
]


def awards_register(session: Session, request: ReportRequest) -> Statement:
    """Every award with what is paid, cancelled and still owed, aged from its order date."""
    meta = make_meta(session, request, point_in_time=True)
    as_of = meta.as_of
    query = select(Award).where(Award.ordered_on <= as_of).order_by(Award.id)
    if request.court_user_id is not None:
        query = query.where(Award.court_user_id == request.court_user_id)
    if request.case_id is not None:
        query = query.where(Award.case_id == request.case_id)
    awards = list(session.scalars(query))
    figures = _award_movements(session, as_of, [a.id for a in awards])
    unclaimed = set(
        session.scalars(
            select(Disbursement.award_id).where(
                Disbursement.status == "returned", Disbursement.returned_on <= as_of
            )
        )
    )
    rows, ageing = [], defaultdict(int)
    for award in awards:
        f = figures[award.id]
        days = (as_of - award.ordered_on).days
        residence = "foreign" if _is_foreign(award.victim, award.case) else "domestic"
        status = (
            "paid"
            if f["outstanding"] == 0 and f["paid"]
            else (
                "cancelled"
                if f["outstanding"] == 0
                else "partially paid"
                if f["paid"]
                else "registered"
            )
        )
        if award.id in unclaimed and f["outstanding"] > 0:
            status += ", payment returned/unclaimed"
        rows.append(
            {
                "award": award.id,
                "case": award.case.reference,
                "victim": award.victim.code,
                "residence": residence,
                "ordered_on": award.ordered_on,
                "currency": award.currency,
                "amount": award.amount_minor,
                "paid": f["paid"],
                "cancelled": f["cancelled"],
                "outstanding": f["outstanding"],
                "carrying": f["carrying"],
                "age": days,
                "bucket": _bucket(days) if f["outstanding"] else "",
                "status": status,
            }
        )
        if f["outstanding"]:
            ageing[(residence, _bucket(days))] += f["carrying"]
    total = sum(row["carrying"] for row in rows)
    notes = [
        f"Outstanding, {residence} victims, {label}: "
        f"{format_money(Money(ageing[(residence, label)], meta.functional_currency))}"
        for residence in ("domestic", "foreign")
        for _, label in AGEING
        if ageing[(residence, label)]
    ]
    if request.court_user_id is not None:
        notes.insert(0, "Only the awards registered by this court are shown.")
    return Statement(
        slug="awards-register",
        title="Awards register",
        meta=meta,
        columns=AWARD_COLUMNS,
        rows=rows,
        row_count=len(rows),
        totals={"award": "Total", "carrying": total},
        notes=notes,
        summary={
            "carrying_total": total,
            "ageing": [
                {
                    "residence": r,
                    "bucket": label,
                    "outstanding": Money(ageing[(r, label)], meta.functional_currency).as_json(),
                }
                for r in ("domestic", "foreign")
                for _, label in AGEING
            ],
        },
    )


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
    if request.case_id is not None:
        query = query.where(Asset.case_id == request.case_id)
    assets = list(session.scalars(query))
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
        slug="asset-register",
        title="Seized-asset register",
        meta=meta,
        columns=ASSET_COLUMNS,
        rows=rows,
        row_count=len(rows),
        totals=totals,
        notes=notes,
        summary={
            "held_for_sale_total": totals["carrying"],
            "escrow_total": totals["escrow"],
            "under_seizure": [
                {"count": c, "estimated": Money(v, cur).as_json()}
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


VICTIM_COLUMNS = [
    Column("value_date", "Date", "date", width=0.9),
    Column("entry", "Entry", "int", width=0.55),
    Column("award", "Award", "int", width=0.55),
    Column("what", "Movement", width=2.6),
    Column("amount", "Amount", "money_in", currency_key="currency", width=1.4),
    Column("functional", "Functional", "money", width=1.3),
    Column("outstanding", "Owed on award", "money_in", currency_key="currency", width=1.4),
]

_MOVEMENTS = {
    "award.registered": "Award ordered",
    "award.cancelled": "Award cancelled or reduced",
    "disbursement.paid": "Payment",
    "disbursement.returned": "Payment returned undelivered",
    "fx.revalued": "FX revaluation",
}


def victim_statement(session: Session, request: ReportRequest) -> Statement:
    """What the fund owes and has paid one victim, named by code only."""
    if request.victim_id is None:
        raise Invalid.field("victim_id", "the victim statement needs victim_id")
    victim = fetch(session, Victim, request.victim_id, "victim", "victim_id")
    meta = make_meta(session, request, point_in_time=True)
    query = (
        select(
            JournalEntry.value_date,
            JournalEntry.number,
            JournalEntry.event,
            Posting.award_id,
            Posting.amount,
            Posting.original_amount,
            Posting.currency,
        )
        .join(JournalEntry, JournalEntry.number == Posting.entry_number)
        .join(Account, Account.id == Posting.account_id)
        .join(Award, Award.id == Posting.award_id)
        .where(
            Account.code == PAYABLE,
            Award.victim_id == victim.id,
            JournalEntry.value_date <= meta.as_of,
        )
        .order_by(JournalEntry.value_date, JournalEntry.number, Posting.line)
    )
    if request.court_user_id is not None:
        query = query.where(Award.court_user_id == request.court_user_id)
    owed: dict[int, int] = defaultdict(int)
    rows, carrying = [], 0
    for day, number, event, award_id, amount, original, currency in session.execute(query):
        owed[award_id] -= original
        carrying -= amount
        rows.append(
            {
                "value_date": day,
                "entry": number,
                "award": award_id,
                "what": _MOVEMENTS.get(event, event),
                "currency": currency,
                "amount": -original,
                "functional": -amount,
                "outstanding": owed[award_id],
            }
        )
    subtitle = (
        f"{victim.code} · resides in {victim.country_of_residence}"
        f"{' (returned home)' if victim.returned_home else ''}"
        f" · paid by {victim.payment_method.replace('_', ' ')} in "
        f"{victim.payment_currency}"
    )
    return Statement(
        slug="victim-statement",
        title="Victim statement",
        subtitle=subtitle,
        meta=meta,
        columns=VICTIM_COLUMNS,
        rows=rows,
        row_count=len(rows),
        totals={"what": "Still owed (carrying value)", "functional": carrying},
        notes=[
            "Amounts owed are positive; payments and cancellations reduce them. "
            "Personal data is never printed on statements."
        ],
        summary={"victim": victim.code, "carrying_total": carrying},
    )


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
            JournalEntry.event != "year.closed",
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
    figures = _award_movements(session, as_of, [a.id for a in awards])
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
        slug="case-statement",
        title="Case statement",
        subtitle=f"{case.reference} · {case.title} · {case.court}",
        meta=meta,
        columns=CASE_COLUMNS,
        rows=rows,
        row_count=len(rows),
        notes=[
            f"Net proceeds still available for distribution to this case's awards: "
            f"{format_money(Money(net, meta.functional_currency))} (today)."
        ],
        summary={
            "case": case.reference,
            "result_total": result,
            "owed_total": owed,
            "net_proceeds_amount": net,
        },
    )
