"""The cash-flow statement of a period, by the direct method.

Every entry that moves the fund's bank accounts is classified by its other
legs, so the lines add up exactly to the change in the bank balances.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from ledger import chart, events
from ledger.balances import balances_as_of
from ledger.models import Account, JournalEntry, Posting
from ledger.money import Money
from reports.context import ReportRequest, make_meta
from reports.statement import Meta, Statement, dated_summary
from reports.statements.financial import (
    LINE_COLUMNS,
    chart_accounts,
    money_text,
    opening_balances_for,
    period_of,
)

DONATIONS = "Donations and grants received"
INTEREST = "Interest received"
FORFEITED = "Forfeited cash received"
SALES = "Proceeds from sale of forfeited assets"
COMPENSATION = "Compensation paid to victims"
RETURNED = "Payments returned undelivered"
BANK_CHARGES = "Bank charges"
CUSTODY = "Custody and disposal costs"
ADMINISTRATIVE = "Administrative costs"
OTHER = "Other movements"
FX_EFFECT = "Effect of exchange-rate changes on cash held"
OPERATING = (
    DONATIONS,
    INTEREST,
    FORFEITED,
    SALES,
    COMPENSATION,
    RETURNED,
    BANK_CHARGES,
    CUSTODY,
    ADMINISTRATIVE,
    OTHER,
)
#: Events whose non-cash legs all belong to one line (but for a payment's bank fee).
BY_EVENT = {
    events.ASSET_FORFEITED: FORFEITED,
    events.ASSET_LIQUIDATED: SALES,
    events.PAYMENT_PAID: COMPENSATION,
    events.PAYMENT_RETURNED: RETURNED,
    events.FX_REVALUED: FX_EFFECT,
}
BY_ACCOUNT = {
    chart.DONATIONS: DONATIONS,
    chart.INTEREST: INTEREST,
    chart.FORFEITURE_REVENUE: FORFEITED,
    chart.HELD_FOR_SALE: SALES,
    chart.DISPOSAL_GAIN: SALES,
    chart.DISPOSAL_LOSS: SALES,
    chart.AWARDS_PAYABLE: COMPENSATION,
    chart.COMPENSATION: COMPENSATION,
    chart.BANK_CHARGES: BANK_CHARGES,
    chart.CUSTODY_COSTS: CUSTODY,
    chart.ADMINISTRATIVE_COSTS: ADMINISTRATIVE,
}


def _classify(event: str, code: str) -> str:
    """The cash-flow line of a non-cash leg of an entry that moved cash."""
    if code == chart.BANK_CHARGES:  # a bank charge is one wherever it appears (a payment's fee)
        return BANK_CHARGES
    return BY_EVENT.get(event) or BY_ACCOUNT.get(code, OTHER)


def _cash_accounts(accounts: Iterable[Account]) -> list[Account]:
    """The fund's bank accounts: assets with a fixed currency that may never be overdrawn."""
    return [
        a
        for a in accounts
        if a.type == "asset" and a.currency is not None and a.overdraft_scope == "account"
    ]


def _cash_legs(
    session: Session, cash_ids: list[int], date_from: date | None, date_to: date
) -> dict[tuple[str, str], int]:
    """Debit-positive sums of the non-cash legs of entries that move cash, by (event, account).

    A reversal counts under the event of the entry it reverses (a reversed
    donation is negative donations); a returned payment keeps its own event.
    """
    original = aliased(JournalEntry)
    moved_cash = select(Posting.entry_number).where(Posting.account_id.in_(cash_ids)).distinct()
    query = (
        select(JournalEntry.event, original.event, Account.code, func.sum(Posting.amount))
        .join(JournalEntry, JournalEntry.number == Posting.entry_number)
        .join(Account, Account.id == Posting.account_id)
        .outerjoin(original, original.number == JournalEntry.reverses)
        .where(
            JournalEntry.value_date <= date_to,
            Posting.entry_number.in_(moved_cash),
            Posting.account_id.not_in(cash_ids),
        )
        .group_by(JournalEntry.event, original.event, Account.code)
    )
    if date_from is not None:
        query = query.where(JournalEntry.value_date >= date_from)
    legs: dict[tuple[str, str], int] = defaultdict(int)
    for event, reversed_event, code, total in session.execute(query):
        # A plain reversal counts under the event it reverses; every other event stands.
        effective = reversed_event if event == events.ENTRY_REVERSED and reversed_event else event
        legs[effective, code] += int(total)
    return legs


def cash_flow(session: Session, request: ReportRequest) -> Statement:
    """Cash flows of a period by the direct method, from opening to closing cash."""
    meta = make_meta(session, request, point_in_time=False)
    date_from, date_to = period_of(meta)
    cash_accounts = _cash_accounts(chart_accounts(session))
    cash_ids = [a.id for a in cash_accounts]
    opening_balances = opening_balances_for(session, date_from)
    closing_balances = balances_as_of(session, date_to)
    opening = sum(opening_balances.get(a.code, 0) for a in cash_accounts)
    closing = sum(closing_balances.get(a.code, 0) for a in cash_accounts)

    flows: dict[str, int] = defaultdict(int)
    if cash_ids:
        for (event, code), total in _cash_legs(session, cash_ids, date_from, date_to).items():
            flows[_classify(event, code)] -= total
    operating = sum(flows[line] for line in OPERATING)
    fx_effect = flows[FX_EFFECT]
    change = operating + fx_effect

    rows: list[dict] = [{"_style": "heading", "line": "Cash flows from operating activities"}]
    rows += [{"line": line, "amount": flows[line]} for line in OPERATING]
    rows += [
        {"_style": "subtotal", "line": "Net cash from operating activities", "amount": operating},
        {"line": FX_EFFECT, "amount": fx_effect},
        {"_style": "subtotal", "line": "Net increase (decrease) in cash", "amount": change},
        {"line": "Cash at beginning of period", "amount": opening},
        {"_style": "total", "line": "Cash at end of period", "amount": opening + change},
    ]
    originals = {a.code: _original_balance(session, a, date_to) for a in cash_accounts}
    bank = [
        {
            "code": a.code,
            "name": a.name,
            "balance": Money(originals[a.code], a.currency),
            "functional": Money(closing_balances.get(a.code, 0), meta.functional_currency),
        }
        for a in cash_accounts
    ]
    return Statement(
        "cash-flow",
        "Cash-flow statement",
        meta,
        LINE_COLUMNS,
        rows,
        subtitle="direct method",
        summary={
            **dated_summary(
                meta,
                opening_cash=opening,
                net_operating_cash=operating,
                fx_effect_on_cash=fx_effect,
                net_change_in_cash=change,
                closing_cash=closing,
            ),
            "bank_accounts": bank,
        },
        notes=_cash_notes(cash_accounts, originals, closing_balances, meta),
    )


def _original_balance(session: Session, account: Account, as_of: date) -> int:
    """A bank account's balance in its own currency as of a day."""
    return int(
        session.scalar(
            select(func.coalesce(func.sum(Posting.original_amount), 0))
            .join(JournalEntry, JournalEntry.number == Posting.entry_number)
            .where(Posting.account_id == account.id, JournalEntry.value_date <= as_of)
        )
    )


def _cash_notes(
    cash_accounts: list[Account], originals: dict[str, int], closing: dict[str, int], meta: Meta
) -> list[str]:
    functional = meta.functional_currency
    codes = ", ".join(a.code for a in cash_accounts) or "none"
    notes = [
        f"Cash is the fund's bank accounts ({codes}); "
        "seized cash in escrow is held for its owners, not the fund."
    ]
    for account in cash_accounts:
        if account.currency != functional:
            original = originals[account.code]
            notes.append(
                f"{account.code} {account.name}: {money_text(original, account.currency, meta)}"
                f" carried at {money_text(closing.get(account.code, 0), functional, meta)}"
                f" on {meta.date_to.isoformat()}."
            )
    return notes
