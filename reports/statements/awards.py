"""The awards register with ageing, and the statement of one victim.

Figures come from the journal (each award's part of 2000), so the register
ties to the trial balance: its carrying values add up to 2000. Victims appear
by code only: none of these statements ever opens personal data.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from ledger import events, labels
from ledger.awards import status_of
from ledger.chart import AWARDS_PAYABLE
from ledger.errors import Invalid
from ledger.lookup import fetch
from ledger.models import Account, Award, Disbursement, JournalEntry, Posting, Victim
from ledger.models.base import summed
from ledger.money import Money
from ledger.reads.awards import is_abroad
from ledger.reads.lists import filtered
from reports import queries
from reports.context import ReportRequest, make_meta
from reports.formatting import money_text
from reports.statement import Column, Statement

AGEING = ((90, "0-90 days"), (180, "91-180 days"), (365, "181-365 days"), (None, "over 1 year"))


def award_movements(session: Session, as_of: date, award_ids=None) -> dict[int, dict]:
    """Per award, from its 2000 postings up to ``as_of``: what was ordered (its registration
    and any other entry that credits it), paid, cancelled, still outstanding (award currency),
    and its carrying value (functional). A reversal counts under the event of the entry it
    reverses, so ``amount - paid - cancelled == outstanding`` always."""
    reversed_entry = aliased(JournalEntry)
    event = func.coalesce(reversed_entry.event, JournalEntry.event)
    query = (
        select(Posting.award_id, event, summed(Posting.amount), summed(Posting.original_amount))
        .join(JournalEntry, JournalEntry.number == Posting.entry_number)
        .outerjoin(reversed_entry, reversed_entry.number == JournalEntry.reverses)
        .join(Account, Account.id == Posting.account_id)
        .where(Account.code == AWARDS_PAYABLE, JournalEntry.value_date <= as_of)
        .group_by(Posting.award_id, event)
    )
    if award_ids is not None:
        query = query.where(Posting.award_id.in_(award_ids))
    out: dict[int, dict] = defaultdict(
        lambda: {"amount": 0, "paid": 0, "cancelled": 0, "carrying": 0, "outstanding": 0}
    )
    for award_id, what, functional, original in session.execute(query):
        item = out[award_id]
        item["carrying"] -= int(functional)
        item["outstanding"] -= int(original)
        if what in events.PAYMENT_EVENTS:
            item["paid"] += int(original)
        elif what == events.AWARD_CANCELLED:
            item["cancelled"] += int(original)
        else:
            item["amount"] -= int(original)
    return out


def _is_foreign(victim: Victim, case) -> bool:
    return is_abroad(victim.returned_home, victim.country_of_residence, case.jurisdiction)


def ageing_bucket(days: int) -> str:
    """The ageing bucket of an award ``days`` after its order (the register's and the notes')."""
    for limit, label in AGEING:
        if limit is None or days <= limit:
            return label
    raise AssertionError("unreachable")


AWARD_COLUMNS = [
    Column("award", "Award", "int", width=0.55),
    Column("case", "Case", width=1.0),
    Column("victim", "Victim", width=0.75),
    Column("residence", "Residence", width=0.75),
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
            status += ", a payment returned undelivered"
        rows.append(
            {
                "award": award.id,
                "case": award.case.reference,
                "victim": award.victim.code,
                "residence": residence,
                "ordered_on": award.ordered_on,
                "currency": award.currency,
                "amount": f["amount"],
                "paid": f["paid"],
                "cancelled": f["cancelled"],
                "outstanding": f["outstanding"],
                "carrying": f["carrying"],
                "age": days,
                "bucket": ageing_bucket(days) if f["outstanding"] else "",
                "status": status,
            }
        )
        if f["outstanding"]:
            ageing[(residence, ageing_bucket(days))] += f["carrying"]
    total = sum(row["carrying"] for row in rows)
    by_currency = currency_totals(rows)
    notes = [
        f"Outstanding, {residence} victims, {label}: "
        f"{money_text(Money(ageing[(residence, label)], meta.functional_currency), meta.locale)}"
        " (carrying value)"
        for residence in ("domestic", "foreign")
        for _, label in AGEING
        if ageing[(residence, label)]
    ]
    notes.insert(
        0,
        "Amount (as ordered and posted, net of any reversal), paid, cancelled and outstanding "
        "are in each award's own currency and are totalled per currency; the carrying value "
        f"is in {meta.functional_currency} "
        "(the outstanding amount at the rate of the last revaluation).",
    )
    if request.court_user_id is not None:
        notes.insert(0, "Only the awards registered by this court are shown.")
    functional = meta.functional_currency
    totals = [{"award": f"Total {line['currency']}", **line} for line in by_currency] + [
        {"award": "Total carrying value", "carrying": total}
    ]
    return Statement(
        "awards-register",
        "Awards register",
        meta,
        AWARD_COLUMNS,
        rows,
        totals=totals,
        notes=notes,
        summary={
            "carrying_total": Money(total, functional),
            "totals_by_currency": [
                {
                    "currency": line["currency"],
                    "count": line["awards"],
                    **{key: Money(line[key], line["currency"]) for key in PER_CURRENCY},
                    "carrying": Money(line["carrying"], functional),
                }
                for line in by_currency
            ],
            "ageing": [
                {
                    "residence": r,
                    "bucket": label,
                    "outstanding": Money(ageing[(r, label)], functional),
                }
                for r in ("domestic", "foreign")
                for _, label in AGEING
            ],
        },
    )


#: The register's columns totalled in each award's own currency.
PER_CURRENCY = ("amount", "paid", "cancelled", "outstanding")


def currency_totals(rows: list[dict]) -> list[dict]:
    """One closing line per award currency (in currency order): the sums of its awards'
    amount, paid, cancelled and outstanding, their carrying value (functional) and count."""
    lines: dict[str, dict] = {}
    for row in rows:
        line = lines.setdefault(
            row["currency"],
            {"currency": row["currency"], "awards": 0, "carrying": 0}
            | dict.fromkeys(PER_CURRENCY, 0),
        )
        line["awards"] += 1
        for key in (*PER_CURRENCY, "carrying"):
            line[key] += row[key]
    return [lines[currency] for currency in sorted(lines)]


def victim_columns(functional: str) -> list[Column]:
    return [
        Column("value_date", "Date", "date", width=0.9),
        Column("entry", "Entry", "int", width=0.55),
        Column("award", "Award", "int", width=0.55),
        Column("what", "Movement", width=2.4),
        Column("amount", "Amount", "money_in", currency_key="currency", width=1.4),
        Column("functional", f"Value in {functional}", "money", width=1.3),
        Column("outstanding", "Owed on award", "money_in", currency_key="currency", width=1.4),
    ]


#: What the victim statement reads of each posting to 2000 (names of ``POSTING_COLUMNS``).
VICTIM_SELECT = (
    "value_date",
    "number",
    "event",
    "award_id",
    "amount",
    "original_amount",
    "currency",
)


def victim_statement(session: Session, request: ReportRequest) -> Statement:
    """What the fund owes and has paid one victim, named by code only."""
    if request.victim_id is None:
        raise Invalid.field("victim_id", "the victim statement needs victim_id")
    victim = fetch(session, Victim, request.victim_id, "victim", "victim_id")
    meta = make_meta(session, request, point_in_time=True)
    query = (
        queries.postings_query(None, meta.as_of, columns=VICTIM_SELECT)
        .join(Account, Account.id == Posting.account_id)
        .join(Award, Award.id == Posting.award_id)
        .where(Account.code == AWARDS_PAYABLE, Award.victim_id == victim.id)
        .order_by(JournalEntry.value_date, JournalEntry.number, Posting.line)
    )
    if request.court_user_id is not None:
        query = query.where(Award.court_user_id == request.court_user_id)
    owed: dict[int, int] = defaultdict(int)
    carried: dict[int, int] = defaultdict(int)
    rows, carrying = [], 0
    for day, number, event, award_id, amount, original, currency in session.execute(query):
        owed[award_id] -= original
        carried[award_id] -= amount
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
        f" · paid by {labels.label(labels.PAYMENT_METHOD, victim.payment_method).lower()} in "
        f"{victim.payment_currency}"
    )
    still_owed = _owed_by_currency(session, owed, carried)
    functional = meta.functional_currency
    totals = [
        {"what": f"Still owed, {currency} awards", "currency": currency, **line}
        for currency, line in still_owed.items()
    ]
    if len(totals) > 1:
        totals.append({"what": "Still owed, all awards (carrying value)", "functional": carrying})
    return Statement(
        "victim-statement",
        "Victim statement",
        meta,
        victim_columns(functional),
        rows,
        subtitle=subtitle,
        subject=victim.code,
        totals=totals,
        notes=[
            "Amounts owed are positive; payments and cancellations reduce them. "
            "What is still owed is in each award's currency under 'Owed on award', and its "
            f"carrying value in {functional} under 'Value in {functional}'. "
            "Personal data is never printed on statements."
        ],
        summary={
            "victim": victim.code,
            "carrying_total": Money(carrying, functional),
            "still_owed": [
                {
                    "currency": currency,
                    "outstanding": Money(line["outstanding"], currency),
                    "carrying": Money(line["functional"], functional),
                }
                for currency, line in still_owed.items()
            ],
        },
    )


def _owed_by_currency(
    session: Session, owed: dict[int, int], carried: dict[int, int]
) -> dict[str, dict[str, int]]:
    """What the victim's awards still carry, per award currency (in currency order): the
    amount owed in that currency and its carrying value (functional)."""
    query = select(Award.id, Award.currency).where(Award.id.in_(list(owed)))
    currencies = {award_id: currency for award_id, currency in session.execute(query)}
    lines: dict[str, dict[str, int]] = {}
    for award_id in owed:
        line = lines.setdefault(currencies[award_id], {"outstanding": 0, "functional": 0})
        line["outstanding"] += owed[award_id]
        line["functional"] += carried[award_id]
    return dict(sorted(lines.items()))
