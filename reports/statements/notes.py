"""Notes to the financial statements, generated from the ledger (IPSAS 1).

As of a date, like the statement of financial position (the period
statements' default, the fiscal year to that date, is named in the basis of
preparation). A :class:`~reports.statement.Statement` whose rows are
headings, paragraphs (``_style: "text"``, the text under ``line``) and
figure lines; each table ends with a subtotal that ties to the face of the
statements:

1. basis of preparation; 2. accounting policies (functional currency,
foreign currency, forfeiture, awards, current/non-current, cash-flow
classification); 3. cash: each bank account in its currency and carried in
the functional currency, adding up to the cash of the position and the cash
flow; 4. forfeited assets held for sale and seized cash in escrow (1100,
1010 / 2100 of the position); 5. seized assets not yet forfeited, by kind:
contingent assets, not recognised; 6. awards payable by status and by age,
each adding up to awards payable (2000) of the position; 7. foreign-currency
exposure: bank accounts and awards in other currencies, in their currency
and their functional carrying value.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import chart, labels
from ledger.awards import status_of
from ledger.balances import balances_as_of
from ledger.models import Award
from ledger.money import Money
from reports.context import ReportRequest, fiscal_year_begin, make_meta
from reports.formatting import money_text
from reports.statement import Column, Meta, Statement
from reports.statements.awards import AGEING, ageing_bucket, award_movements
from reports.statements.cash_flow import POLICY, cash_accounts, original_balance
from reports.statements.comparative import prior_as_of
from reports.statements.financial import chart_accounts, normal, seized_non_cash

NOTE_COLUMNS = [
    Column("line", "Note", width=4.2),
    Column("count", "Number", "int", width=0.7),
    Column("original", "In its currency", "money_in", currency_key="currency", width=1.6),
    Column("amount", "Carried at", "money", width=1.5),
]


class Notes:
    """The rows of the notes, numbered as they are written."""

    def __init__(self, meta: Meta) -> None:
        self.meta = meta
        self.rows: list[dict] = []
        self.number = 0

    def heading(self, title: str) -> None:
        self.number += 1
        self.rows.append({"_style": "heading", "line": f"{self.number}. {title}"})

    def text(self, *paragraphs: str) -> None:
        self.rows += [{"_style": "text", "line": p} for p in paragraphs]

    def figure(self, label: str, amount: int | None = None, **cells) -> None:
        row = {"line": label, **cells}
        if amount is not None:
            row["amount"] = amount
        self.rows.append(row)

    def subtotal(self, label: str, amount: int, **cells) -> None:
        self.rows.append({"_style": "subtotal", "line": label, "amount": amount, **cells})

    def money(self, minor: int, currency: str | None = None) -> str:
        return money_text(Money(minor, currency or self.meta.functional_currency), self.meta.locale)


def notes(session: Session, request: ReportRequest) -> Statement:
    """The notes as of a date: policies, and the figures behind the position's lines."""
    meta = make_meta(session, request, point_in_time=True)
    as_of, functional = meta.as_of, meta.functional_currency
    accounts = chart_accounts(session)
    by_code = {a.code: a for a in accounts}
    balances = balances_as_of(session, as_of)

    def shown(code: str) -> int:
        account = by_code.get(code)
        return normal(account, balances.get(code, 0)) if account else 0

    n = Notes(meta)
    start = fiscal_year_begin(as_of, meta.fiscal_year_start)
    n.heading("Basis of preparation")
    n.text(
        f"{meta.fund_name} prepares its financial statements on the accrual basis under "
        "International Public Sector Accounting Standards (IPSAS), from the fund's journal: "
        "every figure is read from the postings, and the statements carry the journal head "
        "hash they were built from.",
        f"The fiscal year starts on 1 {calendar.month_name[meta.fiscal_year_start]}. These "
        f"notes are as of {as_of.isoformat()}, the date of the statement of financial position; "
        f"the period statements cover the fiscal year to that date ({start.isoformat()} to "
        f"{as_of.isoformat()}) unless another period is asked for. Comparative figures: a "
        "position beside the end of the previous fiscal year "
        f"({prior_as_of(as_of, meta.fiscal_year_start).isoformat()}), a period beside the same "
        "span one year earlier (29 February becomes 28 February).",
        f"Status: {meta.status_label}. Statements are final, and may be signed, once every "
        "month they cover is closed.",
    )
    n.heading("Accounting policies")
    n.text(
        f"Functional and presentation currency: {functional}. Amounts are exact to the minor "
        "unit of their currency; amounts in other currencies name their currency.",
        "Foreign currency: a transaction in another currency is translated at the reference "
        "rate of its date. Bank balances and awards payable in other currencies are monetary "
        "items, revalued at each month end at that day's rate; the differences are foreign "
        f"exchange gains ({chart.FX_GAIN}) or losses ({chart.FX_LOSS}).",
        "Forfeiture: an asset under seizure belongs to its owner until a court orders it "
        "forfeited, and is not a fund asset. Seized cash is held in escrow "
        f"({chart.ESCROW}) with an equal liability ({chart.SEIZED_PENDING}); non-cash assets "
        "under seizure are contingent assets, disclosed in these notes and not recognised. On "
        "forfeiture the fund recognises forfeiture revenue (non-exchange revenue) at the cash "
        "received or the asset's value at forfeiture; a non-cash asset is then held for sale "
        f"({chart.HELD_FOR_SALE}) until sold, the difference between the net proceeds and its "
        "carrying value being a gain or loss on disposal.",
        "Awards: a court's compensation order is recognised as an expense and a liability "
        f"(awards payable, {chart.AWARDS_PAYABLE}) when it is registered; payments and "
        "cancellations reduce the liability; a payment returned undelivered restores it.",
        "Current and non-current: every asset and liability is current. Bank balances and "
        "escrow are cash; forfeited assets are held for sale and sold in the course of the "
        "fund's work; awards are payable on demand, the victim being entitled to payment as "
        "soon as the order is registered.",
        f"Cash flows (direct method). {POLICY} Exchange-rate effects on cash held in other "
        "currencies are a separate line. The cash-flow statement reconciles the surplus to "
        "the net cash from operating activities.",
    )

    banks = cash_accounts(accounts)
    n.heading("Cash and cash equivalents")
    n.text(f"The fund's bank accounts as of {as_of.isoformat()}.")
    cash_total = 0
    for account in banks:
        carried = balances.get(account.code, 0)
        cash_total += carried
        n.figure(
            f"{account.code} {account.name}",
            carried,
            original=original_balance(session, account, as_of),
            currency=account.currency,
        )
    n.subtotal("Cash (statement of financial position and cash-flow statement)", cash_total)

    n.heading("Forfeited assets held for sale and seized cash in escrow")
    n.figure(f"{chart.HELD_FOR_SALE} Forfeited assets held for sale", shown(chart.HELD_FOR_SALE))
    n.figure(f"{chart.ESCROW} Seized cash held in escrow", shown(chart.ESCROW))
    n.figure(
        f"{chart.SEIZED_PENDING} Seized funds held pending decision (liability)",
        shown(chart.SEIZED_PENDING),
    )

    seized = seized_non_cash(session, as_of, by_kind=True)
    n.heading("Seized assets not yet forfeited (contingent assets)")
    n.text(
        "Non-cash assets under seizure on "
        f"{as_of.isoformat()}, at their estimated value when seized. They are not recognised: "
        "they become fund assets only if a court orders them forfeited."
    )
    if not seized:
        n.text(f"No non-cash assets were under seizure on {as_of.isoformat()}.")
    per_currency: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (kind, currency), (count, value) in seized.items():
        n.figure(
            labels.label(labels.ASSET_KIND, kind), count=count, original=value, currency=currency
        )
        per_currency[currency][0] += count
        per_currency[currency][1] += value
    for currency, (count, value) in sorted(per_currency.items()):
        n.rows.append(
            {
                "_style": "subtotal",
                "line": f"Total under seizure in {currency}",
                "count": count,
                "original": value,
                "currency": currency,
            }
        )

    awards = list(session.scalars(select(Award).where(Award.ordered_on <= as_of)))
    moves = award_movements(session, as_of)
    payable = shown(chart.AWARDS_PAYABLE)
    _awards_note(n, awards, moves, as_of, payable)
    _exposure_note(n, session, banks, balances, awards, moves, as_of)

    return Statement(
        "notes",
        "Notes to the financial statements",
        meta,
        NOTE_COLUMNS,
        n.rows,
        summary={
            "as_of": as_of.isoformat(),
            "cash": Money(cash_total, functional),
            "awards_payable": Money(payable, functional),
            "held_for_sale": Money(shown(chart.HELD_FOR_SALE), functional),
            "seized_not_forfeited": [
                {
                    "kind": kind,
                    "label": labels.label(labels.ASSET_KIND, kind),
                    "count": count,
                    "estimated_value": Money(value, currency),
                }
                for (kind, currency), (count, value) in seized.items()
            ],
        },
        signature=True,
    )


def _awards_note(n: Notes, awards, moves, as_of: date, payable: int) -> None:
    n.heading("Awards payable by status and by age")
    n.text(
        "Every award registered by "
        f"{as_of.isoformat()}, at its carrying value in {n.meta.functional_currency} (awards "
        "in other currencies at the rate of their last revaluation). Age is counted from the "
        "order date. Both tables add up to awards payable on the statement of financial "
        f"position ({n.money(payable)})."
    )
    status_rows: dict[str, list[int]] = {code: [0, 0] for code in labels.AWARD_STATUS}
    ageing: dict[str, list[int]] = {label: [0, 0] for _, label in AGEING}
    for award in awards:
        move = moves.get(award.id, {"paid": 0, "outstanding": 0, "carrying": 0})
        status = status_of(move["paid"], move["outstanding"])
        status_rows.setdefault(status, [0, 0])
        status_rows[status][0] += 1
        status_rows[status][1] += move["carrying"]
        if move["outstanding"] or move["carrying"]:
            bucket = ageing[ageing_bucket((as_of - award.ordered_on).days)]
            bucket[0] += 1
            bucket[1] += move["carrying"]
    for status, (count, carrying) in status_rows.items():
        n.figure(labels.label(labels.AWARD_STATUS, status), carrying, count=count)
    n.subtotal("Awards payable, by status", sum(c for _, c in status_rows.values()),
               count=len(awards))  # fmt: skip
    for label, (count, carrying) in ageing.items():
        n.figure(f"Outstanding {label}", carrying, count=count)
    n.subtotal(
        "Awards payable, by age",
        sum(c for _, c in ageing.values()),
        count=sum(k for k, _ in ageing.values()),
    )


def _exposure_note(n: Notes, session, banks, balances, awards, moves, as_of: date) -> None:
    functional = n.meta.functional_currency
    n.heading("Foreign-currency exposure")
    n.text(
        f"Bank balances and awards payable in currencies other than {functional}, in their "
        f"currency and carried in {functional} as of {as_of.isoformat()}. A change in the "
        "rates changes their carrying value: awards payable in a currency that strengthens "
        "cost the fund more."
    )
    exposed = False
    for account in banks:
        if account.currency == functional:
            continue
        exposed = True
        n.figure(
            f"Bank: {account.code} {account.name}",
            balances.get(account.code, 0),
            original=original_balance(session, account, as_of),
            currency=account.currency,
        )
    owed: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for award in awards:
        move = moves.get(award.id)
        if award.currency == functional or not move or not move["outstanding"]:
            continue
        owed[award.currency][0] += 1
        owed[award.currency][1] += move["outstanding"]
        owed[award.currency][2] += move["carrying"]
    for currency, (count, outstanding, carrying) in sorted(owed.items()):
        exposed = True
        n.figure(
            f"Awards payable in {currency}",
            carrying,
            count=count,
            original=outstanding,
            currency=currency,
        )
    if not exposed:
        n.text(f"The fund held no balances in other currencies on {as_of.isoformat()}.")
