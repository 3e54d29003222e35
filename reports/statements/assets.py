"""The seized-asset register, and the statement of one case.

Figures come from the journal (postings carrying the asset or case
dimension), so each ties to the trial balance: the assets held for sale add
up to 1100, the cash in escrow to 1010.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from ledger import events, labels
from ledger.awards import status_of
from ledger.chart import (
    BANK,
    DISPOSAL_GAIN,
    DISPOSAL_LOSS,
    ESCROW,
    FORFEITURE_REVENUE,
    HELD_FOR_SALE,
)
from ledger.closing import is_closing_entry
from ledger.distributions import case_net_proceeds_by_line
from ledger.errors import Invalid
from ledger.lookup import fetch
from ledger.models import Account, Asset, Award, Case, JournalEntry, Posting
from ledger.models.base import summed
from ledger.money import Money
from ledger.reads.lists import filtered
from reports.context import ReportRequest, make_meta
from reports.formatting import money_text
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
                "kind": labels.label(labels.ASSET_KIND, asset.kind),
                "description": asset.description,
                "seized_on": asset.seized_on,
                "state": labels.label(labels.ASSET_STATE, state),
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
        f"{count} non-cash asset(s) under seizure, estimated at "
        f"{money_text(Money(value, currency), meta.locale)}, "
        "are not fund assets until forfeited."
        for currency, (count, value) in sorted(under_seizure.items())
    ]
    shown = {row["asset"] for row in rows}
    totals = {
        "asset": "Total",
        "carrying": sum(v for k, v in held.items() if k in shown),
        "escrow": sum(v for k, v in escrow.items() if k in shown),
    }
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
    Column("item", "Item", width=1.5),
    Column("detail", "Detail", width=3.0),
    Column("status", "Status", width=1.3),
    Column("amount", "Amount", "money_in", currency_key="currency", width=1.5),
    Column("functional", "Functional", "money", width=1.4),
]


def case_statement(session: Session, request: ReportRequest) -> Statement:
    """One case: each asset from its estimate at seizure to its forfeiture and sale, the income
    and costs booked to the case, its awards, and its net proceeds line by line."""
    if request.case_id is None:
        raise Invalid.field("case_id", "the case statement needs case_id")
    case = fetch(session, Case, request.case_id, "case", "case_id")
    meta = make_meta(session, request, point_in_time=True)
    functional = meta.functional_currency
    columns = [
        replace(c, title=f"In {functional}") if c.key == "functional" else c for c in CASE_COLUMNS
    ]
    rows = _asset_rows(session, case, meta.as_of)
    result, result_rows = _result_rows(session, case, meta.as_of)
    rows += result_rows
    owed, award_rows = _award_rows(session, case, meta.as_of)
    rows += award_rows
    today = meta.generated_at.date()  # the day the stamp says it was made
    net, proceeds_rows = net_proceeds_lines(session, case.id, today)
    rows += proceeds_rows
    return Statement(
        "case-statement",
        "Case statement",
        meta,
        columns,
        rows,
        subtitle=f"{case.reference} · {case.title} · {case.court}",
        subject=case.reference,
        notes=[
            "Each asset shows its estimate at seizure (not a fund asset while seized), the value "
            "its forfeiture brought into the books and, once sold, the net proceeds received and "
            "the gain or loss against that value, as posted in the journal.",
            f"Net proceeds still available for distribution to this case's awards, today "
            f"({today.isoformat()}): {money_text(Money(net, functional), meta.locale)}. They "
            "count every posting and every payment awaiting approval or execution up to now, "
            "whatever the statement's date.",
        ],
        summary={
            "case": case.reference,
            "result_total": Money(result, functional),
            "owed_total": Money(owed, functional),
            "net_proceeds_amount": Money(net, functional),
            "net_proceeds_on": today.isoformat(),
        },
    )


def _of_case(session: Session, model, day, case: Case, as_of: date) -> list:
    """The case's records of one register (its assets, its awards) that existed on ``as_of``
    (their ``day`` of seizure or order on or before it), by number."""
    query = select(model).where(model.case_id == case.id, day <= as_of).order_by(model.id)
    return list(session.scalars(query))


def _asset_rows(session: Session, case: Case, as_of: date) -> list[dict]:
    """Per asset: its line (state, estimate at seizure), then what the journal holds of it."""
    rows: list[dict] = [{"_style": "heading", "item": "Seized assets"}]
    assets = _of_case(session, Asset, Asset.seized_on, case, as_of)
    posted = asset_postings(session, [a.id for a in assets], as_of)
    held = _per_asset(session, HELD_FOR_SALE, as_of)
    for asset in assets:
        state, since = _state_on(asset, as_of)
        kind = labels.label(labels.ASSET_KIND, asset.kind)
        rows.append(
            {
                "item": f"Asset {asset.id} · {kind}",
                "detail": f"{asset.description} — estimate at seizure, "
                f"{asset.seized_on.isoformat()}",
                "status": f"{labels.label(labels.ASSET_STATE, state)} since {since.isoformat()}",
                "currency": asset.estimated_currency,
                "amount": asset.estimated_minor,
            }
        )
        mine = posted.get(asset.id, {})
        forfeited = mine.get((events.ASSET_FORFEITED, FORFEITURE_REVENUE))
        if forfeited is not None:
            amount, original, currency = forfeited
            rows.append(
                {
                    "item": "Forfeited at",
                    "detail": f"Forfeiture revenue ({FORFEITURE_REVENUE}), "
                    f"order {asset.forfeiture_order or '—'}",
                    "status": asset.forfeited_on.isoformat() if asset.forfeited_on else "",
                    "currency": currency,
                    "amount": -original,
                    "functional": -amount,
                }
            )
        sold = mine.get((events.ASSET_LIQUIDATED, BANK))
        if sold is not None:
            rows.append(_sale_row(asset, sold[0], meta_currency=sold[2]))
            gain = -mine.get((events.ASSET_LIQUIDATED, DISPOSAL_GAIN), (0, 0, ""))[0]
            loss = mine.get((events.ASSET_LIQUIDATED, DISPOSAL_LOSS), (0, 0, ""))[0]
            if gain or loss:
                code = DISPOSAL_GAIN if gain else DISPOSAL_LOSS
                rows.append(
                    {
                        "item": "Gain on sale" if gain else "Loss on sale",
                        "detail": f"Net proceeds less the value forfeited ({code})",
                        "functional": gain - loss,
                    }
                )
        if held.get(asset.id):
            rows.append(
                {
                    "item": "Held for sale",
                    "detail": f"Carrying value in assets held for sale ({HELD_FOR_SALE})",
                    "functional": held[asset.id],
                }
            )
    return rows


def _sale_row(asset: Asset, bank: int, *, meta_currency: str) -> dict:
    row = {
        "item": "Sold for",
        "detail": f"Net proceeds received in bank ({BANK})",
        "status": asset.sold_on.isoformat() if asset.sold_on else "",
        "functional": bank,
    }
    if asset.proceeds_minor is not None and asset.sale_currency:
        costs = asset.selling_costs_minor or 0
        sale = asset.sale_currency
        row["detail"] = (
            f"Proceeds {money_text(Money(asset.proceeds_minor, sale))} less selling costs "
            f"{money_text(Money(costs, sale))}: net proceeds received in bank ({BANK})"
        )
        row["currency"], row["amount"] = sale, asset.proceeds_minor - costs
    else:
        row["currency"], row["amount"] = meta_currency, bank
    return row


def asset_postings(
    session: Session, asset_ids: list[int], as_of: date
) -> dict[int, dict[tuple[str, str], tuple[int, int, str]]]:
    """Per asset, per (event, account): the functional and original sums of its postings up to
    ``as_of``, and their currency. A reversal counts under the event of the entry it
    reverses, so a reversed forfeiture or sale nets to nothing."""
    if not asset_ids:
        return {}
    reversed_entry = aliased(JournalEntry)
    event = func.coalesce(reversed_entry.event, JournalEntry.event)
    query = (
        select(
            Posting.asset_id,
            event,
            Account.code,
            Posting.currency,
            summed(Posting.amount),
            summed(Posting.original_amount),
        )
        .join(JournalEntry, JournalEntry.number == Posting.entry_number)
        .outerjoin(reversed_entry, reversed_entry.number == JournalEntry.reverses)
        .join(Account, Account.id == Posting.account_id)
        .where(
            Posting.asset_id.in_(asset_ids),
            JournalEntry.value_date <= as_of,
            event.in_((events.ASSET_FORFEITED, events.ASSET_LIQUIDATED)),
        )
        .group_by(Posting.asset_id, event, Account.code, Posting.currency)
    )
    out: dict[int, dict] = defaultdict(dict)
    for asset_id, what, code, currency, amount, original in session.execute(query):
        if int(amount) or int(original):
            out[asset_id][(what, code)] = (int(amount), int(original), currency)
    return out


def _result_rows(session: Session, case: Case, as_of: date) -> tuple[int, list[dict]]:
    """The revenue and expenses booked to the case up to ``as_of`` (closing entries aside)."""
    rows: list[dict] = [{"_style": "heading", "item": "Income and costs booked to the case"}]
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
        status = labels.label(labels.ACCOUNT_TYPE, kind)
        rows.append({"item": code, "detail": name, "status": status, "functional": shown})
    rows.append({"_style": "subtotal", "item": "Result of the case", "functional": result})
    return result, rows


def _award_rows(session: Session, case: Case, as_of: date) -> tuple[int, list[dict]]:
    rows: list[dict] = [{"_style": "heading", "item": "Awards"}]
    awards = _of_case(session, Award, Award.ordered_on, case, as_of)
    figures = award_movements(session, as_of, [a.id for a in awards])
    owed = 0
    for award in awards:
        f = figures[award.id]
        owed += f["carrying"]
        status = status_of(f["paid"], f["outstanding"])
        rows.append(
            {
                "item": f"Award {award.id}",
                "detail": f"{award.victim.code}, order {award.order_reference}: still owed",
                "status": labels.label(labels.AWARD_STATUS, status),
                "currency": award.currency,
                "amount": f["outstanding"],
                "functional": f["carrying"],
            }
        )
    rows.append({"_style": "subtotal", "item": "Owed to victims of the case", "functional": owed})
    return owed, rows


def net_proceeds_lines(session: Session, case_id: int, today: date) -> tuple[int, list[dict]]:
    """:func:`ledger.distributions.case_net_proceeds` line by line, from the lines it is
    made of (every posting, no date: it is today's figure): what the case earned on each of
    its proceeds accounts, less what its awards were paid from the bank and what payments
    awaiting approval or execution commit. Returns the total and the rows."""
    lines = case_net_proceeds_by_line(session, case_id)
    query = select(Account.code, Account.name).where(Account.code.in_(lines.earned))
    names = {code: name for code, name in session.execute(query)}
    rows: list[dict] = [
        {"_style": "heading", "item": f"Net proceeds still available, today {today.isoformat()}"}
    ]
    rows += [
        {"item": code, "detail": names[code], "functional": amount}
        for code, amount in lines.earned.items()
    ]
    rows.append(
        {
            "item": f"Paid ({BANK})",
            "detail": "Payments to the case's awards, less payments returned",
            "functional": lines.paid,
        }
    )
    rows.append(
        {
            "item": "Committed",
            "detail": "Payments to the case's awards awaiting approval or execution",
            "functional": -lines.committed,
        }
    )
    rows.append(
        {
            "_style": "total",
            "item": "Net proceeds still available",
            "detail": "For distribution to this case's awards",
            "functional": lines.net,
        }
    )
    return lines.net, rows
