"""The awards register with ageing, and the statement of one victim.

Figures come from the journal (each award's part of 2000), so the register
ties to the trial balance: its carrying values add up to 2000. Victims appear
by code only: none of these statements ever opens personal data.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import events, labels
from ledger.awards import status_of
from ledger.chart import AWARDS_PAYABLE
from ledger.errors import Invalid
from ledger.lookup import fetch
from ledger.models import Account, Award, Disbursement, JournalEntry, Posting, Victim
from ledger.models.base import summed
from ledger.money import Money, format_money
from ledger.reads.awards import is_abroad
from ledger.reads.lists import filtered
from reports.context import ReportRequest, make_meta
from reports.statement import Column, Statement

AGEING = ((90, "0-90 days"), (180, "91-180 days"), (365, "181-365 days"), (None, "over 1 year"))


def award_movements(session: Session, as_of: date, award_ids=None) -> dict[int, dict]:
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
        .where(Account.code == AWARDS_PAYABLE, JournalEntry.value_date <= as_of)
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
        if event in events.PAYMENT_EVENTS:
            item["paid"] += int(original)
        elif event == events.AWARD_CANCELLED:
            item["cancelled"] += int(original)
    return out


def _is_foreign(victim: Victim, case) -> bool:
    return is_abroad(victim.returned_home, victim.country_of_residence, case.jurisdiction)


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
    query = filtered(
        select(Award).where(Award.ordered_on <= as_of).order_by(Award.id),
        (Award.court_user_id, request.court_user_id),
        (Award.case_id, request.case_id),
    )
    awards = list(session.scalars(query))
    figures = award_movements(session, as_of, [a.id for a in awards])
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
        status = labels.label(labels.AWARD_STATUS, status_of(f["paid"], f["outstanding"]))
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
        "awards-register",
        "Awards register",
        meta,
        AWARD_COLUMNS,
        rows,
        totals={"award": "Total", "carrying": total},
        notes=notes,
        summary={
            "carrying_total": Money(total, meta.functional_currency),
            "ageing": [
                {
                    "residence": r,
                    "bucket": label,
                    "outstanding": Money(ageing[(r, label)], meta.functional_currency),
                }
                for r in ("domestic", "foreign")
                for _, label in AGEING
            ],
        },
    )


VICTIM_COLUMNS = [
    Column("value_date", "Date", "date", width=0.9),
    Column("entry", "Entry", "int", width=0.55),
    Column("award", "Award", "int", width=0.55),
    Column("what", "Movement", width=2.6),
    Column("amount", "Amount", "money_in", currency_key="currency", width=1.4),
    Column("functional", "Functional", "money", width=1.3),
    Column("outstanding", "Owed on award", "money_in", currency_key="currency", width=1.4),
]


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
            Account.code == AWARDS_PAYABLE,
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
                "what": labels.label(labels.EVENT, event),
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
        "victim-statement",
        "Victim statement",
        meta,
        VICTIM_COLUMNS,
        rows,
        subtitle=subtitle,
        totals={"what": "Still owed (carrying value)", "functional": carrying},
        notes=[
            "Amounts owed are positive; payments and cancellations reduce them. "
            "Personal data is never printed on statements."
        ],
        summary={
            "victim": victim.code,
            "carrying_total": Money(carrying, meta.functional_currency),
        },
    )
