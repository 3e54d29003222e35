"""The cash-flow statement of a period (IPSAS 2), by the direct method, with the
reconciliation of the surplus to the net cash from operating activities.

Cash is the fund's bank accounts (assets with a fixed currency that may never
be overdrawn); seized cash in escrow is held for its owners, not the fund.
Every entry that moves cash is classified by its other legs, so the lines
add up exactly to the change in the bank balances. The classification is an
accounting policy, stated on the statement and in the notes:

- **operating**: donations and grants, interest, forfeited cash (revenue
  from forfeiture, like fines under IPSAS 2), compensation paid to victims
  and payments returned, bank charges, custody and disposal costs,
  administrative costs, and anything else not named below;
- **investing**: proceeds from the sale of forfeited assets, net of selling
  costs (IPSAS 2: cash from disposing of assets);
- **financing**: contributions to, or distributions of, net assets posted
  straight to a net-asset account (a predecessor fund's balance, a transfer
  with another fund);
- the **effect of exchange-rate changes** on cash held in other currencies
  (month-end revaluation) is its own line, as IPSAS 2 asks.

The **reconciliation** starts at the surplus of the statement of financial
performance and adds back what is not operating cash: forfeited non-cash
assets recognised as revenue, gains or losses on disposal (their cash is
investing), exchange differences on cash held, and the change in each
working-capital account (escrow, awards payable, seized funds pending,
accounts payable…), each the difference between its balance at the period's
end and at its start. It is exact by construction (every non-cash leg of the
period is counted once), and ends at the operating cash-flow line.

Comparatives: the ``prior`` column is the same span one year earlier.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from ledger import chart, events
from ledger.balances import balances_as_of
from ledger.closing import is_closing_entry
from ledger.models import Account, JournalEntry, Posting
from ledger.money import Money
from reports.context import ReportRequest
from reports.formatting import money_text
from reports.statement import Meta, Statement
from reports.statements.comparative import comparatives_note, compared
from reports.statements.financial import (
    LINE_COLUMNS,
    activity,
    both,
    chart_accounts,
    dated,
    opening_balances_for,
    period_compared,
    result,
    when_span,
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
NET_ASSET_FLOWS = "Contributions to (distributions from) net assets"
FX_EFFECT = "Effect of exchange-rate changes on cash held"
OPERATING = (
    DONATIONS,
    INTEREST,
    FORFEITED,
    COMPENSATION,
    RETURNED,
    BANK_CHARGES,
    CUSTODY,
    ADMINISTRATIVE,
    OTHER,
)
INVESTING = (SALES,)
FINANCING = (NET_ASSET_FLOWS,)
NET_OPERATING = "Net cash from operating activities"
NET_INVESTING = "Net cash from investing activities"
NET_FINANCING = "Net cash from financing activities"
NET_CHANGE = "Net increase (decrease) in cash"
OPENING = "Cash at beginning of period"
CLOSING = "Cash at end of period"
UNEXPLAINED = "Difference not explained by the flows above (to be investigated)"
RECONCILIATION = "Reconciliation of the surplus to net cash from operating activities"
SURPLUS = "Surplus (deficit) for the period"
NON_CASH_FORFEITURE = "Forfeited non-cash assets recognised as revenue"
DISPOSAL = "(Gain) loss on disposal of forfeited assets (investing)"
EXCHANGE = "Exchange differences on cash held"
IN_FINANCING = "Revenue and expenses in financing cash flows"
NON_CASH_NET_ASSETS = "Non-cash movements in net assets"
#: The adjustment for the revenue and expense legs of an entry whose cash is not operating.
ADJUSTMENT_OF = {SALES: DISPOSAL, FX_EFFECT: EXCHANGE, NET_ASSET_FLOWS: IN_FINANCING}
POLICY = (
    "Classification (accounting policy): donations, grants, interest and forfeited cash "
    "received, compensation paid and the fund's costs are operating; proceeds from the "
    "sale of forfeited assets, net of selling costs, are investing; contributions to or "
    "distributions of net assets are financing."
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
BALANCE_SHEET = ("asset", "liability", "net_assets")


def _classify(event: str, account: Account) -> str:
    """The cash-flow line of a non-cash leg of an entry that moved cash."""
    code = account.code
    if code == chart.BANK_CHARGES:  # a bank charge is one wherever it appears (a payment's fee)
        return BANK_CHARGES
    line = BY_EVENT.get(event) or BY_ACCOUNT.get(code)
    if line is None and account.type == "net_assets":
        return NET_ASSET_FLOWS
    return line or OTHER


def cash_accounts(accounts: Iterable[Account]) -> list[Account]:
    """The fund's bank accounts: assets with a fixed currency that may never be overdrawn."""
    return [
        a
        for a in accounts
        if a.type == "asset" and a.currency is not None and a.overdraft_scope == "account"
    ]


def _legs(
    session: Session, cash_ids: list[int], date_from: date, date_to: date, *, moved_cash: bool
) -> dict[tuple[str, str], int]:
    """Debit-positive sums of the non-cash legs of the period's entries, by (event, account):
    of the entries that move cash (``moved_cash``), or of the others but year-end closes.

    A reversal counts under the event of the entry it reverses (a reversed
    donation is negative donations); a returned payment keeps its own event.
    """
    original = aliased(JournalEntry)
    moved = select(Posting.entry_number).where(Posting.account_id.in_(cash_ids)).distinct()
    query = (
        select(JournalEntry.event, original.event, Account.code, func.sum(Posting.amount))
        .join(JournalEntry, JournalEntry.number == Posting.entry_number)
        .join(Account, Account.id == Posting.account_id)
        .outerjoin(original, original.number == JournalEntry.reverses)
        .where(
            JournalEntry.value_date >= date_from,
            JournalEntry.value_date <= date_to,
            Posting.account_id.not_in(cash_ids),
        )
        .group_by(JournalEntry.event, original.event, Account.code)
    )
    if moved_cash:
        query = query.where(Posting.entry_number.in_(moved))
    else:
        query = query.where(Posting.entry_number.not_in(moved), ~is_closing_entry())
    legs: dict[tuple[str, str], int] = defaultdict(int)
    for event, reversed_event, code, total in session.execute(query):
        # A plain reversal counts under the event it reverses; every other event stands.
        effective = reversed_event if event == events.ENTRY_REVERSED and reversed_event else event
        legs[effective, code] += int(total)
    return legs


@dataclass
class Flows:
    """One period's cash flows and reconciliation (functional minor units)."""

    lines: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    #: Reconciliation adjustments by label (a working-capital account's by its code).
    adjustments: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    surplus: int = 0
    opening: int = 0
    closing: int = 0

    def total(self, lines: Iterable[str]) -> int:
        return sum(self.lines[line] for line in lines)

    @property
    def operating(self) -> int:
        return self.total(OPERATING)

    @property
    def change(self) -> int:
        return self.total((*OPERATING, *INVESTING, *FINANCING, FX_EFFECT))

    @property
    def reconciled(self) -> int:
        """The surplus plus every adjustment: the operating cash flow, by construction."""
        return self.surplus + sum(self.adjustments.values())


def _working_capital(account: Account) -> bool:
    """Balance-sheet accounts whose change is an operating adjustment (not held for sale,
    which is investing, nor net assets, which are financing)."""
    return account.type in ("asset", "liability") and account.code != chart.HELD_FOR_SALE


def _non_cash_label(account: Account) -> str:
    if account.code == chart.HELD_FOR_SALE:
        return NON_CASH_FORFEITURE
    if account.type == "net_assets":
        return NON_CASH_NET_ASSETS
    return account.code  # a working-capital account: labelled when the rows are written


def flows_of(session: Session, accounts: list[Account], date_from: date, date_to: date) -> Flows:
    """The cash flows of ``date_from``..``date_to`` and the surplus's reconciliation to them.

    With L a non-cash leg (debit-positive): a leg of an entry that moved cash
    is a flow of ``-L`` on its line; the reconciliation adds ``-L`` for every
    balance-sheet leg counted in operating cash or not in cash at all, and
    ``+L`` for every revenue or expense leg whose cash is not operating (so
    a working-capital account's adjustment is minus its whole change).
    """
    by_code = {a.code: a for a in accounts}
    banks = cash_accounts(accounts)
    cash_ids = [a.id for a in banks]
    flows = Flows()
    flows.surplus = result(accounts, activity(session, date_from, date_to))
    opening, closing = opening_balances_for(session, date_from), balances_as_of(session, date_to)
    flows.opening = sum(opening.get(a.code, 0) for a in banks)
    flows.closing = sum(closing.get(a.code, 0) for a in banks)
    if not cash_ids:
        return flows
    adjust = flows.adjustments
    for (event, code), leg in _legs(session, cash_ids, date_from, date_to, moved_cash=True).items():
        account = by_code[code]
        line = _classify(event, account)
        flows.lines[line] -= leg
        sheet = account.type in BALANCE_SHEET
        if line in OPERATING:
            if sheet:
                adjust[_non_cash_label(account)] -= leg
        elif not sheet:
            adjust[ADJUSTMENT_OF.get(line, IN_FINANCING)] += leg
        elif _working_capital(account):  # its change is shown whole, moved out of the line's
            adjust[account.code] -= leg
            adjust[ADJUSTMENT_OF.get(line, IN_FINANCING)] += leg
    for (_event, code), leg in _legs(
        session, cash_ids, date_from, date_to, moved_cash=False
    ).items():
        account = by_code[code]
        if account.type in BALANCE_SHEET:
            adjust[_non_cash_label(account)] -= leg
    return flows


def _reconciliation_labels(accounts: list[Account], *flows: Flows) -> list[tuple[str, str]]:
    """(key, label) of the reconciliation's lines: the fixed ones, then every working-capital
    account that moved in either period, in chart order."""
    fixed = [(NON_CASH_FORFEITURE, NON_CASH_FORFEITURE), (DISPOSAL, DISPOSAL), (EXCHANGE, EXCHANGE)]
    rare = [(IN_FINANCING, IN_FINANCING), (NON_CASH_NET_ASSETS, NON_CASH_NET_ASSETS)]
    out = list(fixed)
    for account in accounts:
        if _working_capital(account) and any(f.adjustments.get(account.code) for f in flows):
            name = account.name[:1].lower() + account.name[1:]
            verb = "(Increase) decrease" if account.type == "asset" else "Increase (decrease)"
            out.append((account.code, f"{verb} in {name}"))
    out += [(key, label) for key, label in rare if any(f.adjustments.get(key) for f in flows)]
    return out


def cash_flow(session: Session, request: ReportRequest) -> Statement:
    """Cash flows of a period by the direct method, from opening to closing cash, by operating,
    investing and financing activity, and the reconciliation of the surplus; beside the same
    span one year earlier."""
    accounts = chart_accounts(session)
    meta, (date_from, date_to), earlier, now, then = period_compared(
        session, request, lambda start, end: flows_of(session, accounts, start, end)
    )

    def line(label: str, current: int, prior: int, style: str | None = None) -> dict:
        row = {"line": label, **both(current, prior)}
        return row | ({"_style": style} if style else {})

    def flow(label: str) -> dict:
        return line(label, now.lines[label], then.lines[label])

    def net(label: str, lines: Iterable[str]) -> dict:
        return line(label, now.total(lines), then.total(lines), "subtotal")

    rows: list[dict] = [{"_style": "heading", "line": "Cash flows from operating activities"}]
    rows += [flow(label) for label in OPERATING]
    rows.append(net(NET_OPERATING, OPERATING))
    rows.append({"_style": "heading", "line": "Cash flows from investing activities"})
    rows += [flow(label) for label in INVESTING]
    rows.append(net(NET_INVESTING, INVESTING))
    rows.append({"_style": "heading", "line": "Cash flows from financing activities"})
    rows += [flow(label) for label in FINANCING]
    rows.append(net(NET_FINANCING, FINANCING))
    rows += [
        flow(FX_EFFECT),
        line(NET_CHANGE, now.change, then.change, "subtotal"),
        line(OPENING, now.opening, then.opening),
    ]
    # The closing line is the bank balances themselves; should the flows ever not explain
    # them (a leg left out), the difference is printed rather than hidden.
    unexplained = [f.closing - f.opening - f.change for f in (now, then)]
    if any(unexplained):
        rows.append(line(UNEXPLAINED, *unexplained))
    rows += [
        line(CLOSING, now.closing, then.closing, "subtotal"),
        {"_style": "heading", "line": RECONCILIATION},
        line(SURPLUS, now.surplus, then.surplus),
    ]
    rows += [
        line(label, now.adjustments.get(key, 0), then.adjustments.get(key, 0))
        for key, label in _reconciliation_labels(accounts, now, then)
    ]
    rows.append(line(NET_OPERATING, now.reconciled, then.reconciled, "total"))
    for row in rows[rows.index({"_style": "heading", "line": RECONCILIATION}) :]:
        row["_section"] = "reconciliation"

    banks = cash_accounts(accounts)
    closing_balances = balances_as_of(session, date_to)
    originals = {a.code: original_balance(session, a, date_to) for a in banks}
    bank = [
        {
            "code": a.code,
            "name": a.name,
            "balance": Money(originals[a.code], a.currency),
            "functional": Money(closing_balances.get(a.code, 0), meta.functional_currency),
        }
        for a in banks
    ]

    def summary(f: Flows) -> dict:
        return {
            "opening_cash": f.opening,
            "net_operating_cash": f.operating,
            "net_investing_cash": f.total(INVESTING),
            "net_financing_cash": f.total(FINANCING),
            "fx_effect_on_cash": f.lines[FX_EFFECT],
            "net_change_in_cash": f.change,
            "closing_cash": f.closing,
            "surplus": f.surplus,
        }

    return Statement(
        "cash-flow",
        "Cash-flow statement",
        meta,
        compared(LINE_COLUMNS, meta),
        rows,
        subtitle="direct method",
        summary={
            **dated(meta, when_span(date_from, date_to), **summary(now)),
            "prior": dated(meta, when_span(*earlier), **summary(then)),
            "bank_accounts": bank,
        },
        notes=[
            comparatives_note(meta),
            POLICY,
            *_cash_notes(banks, originals, closing_balances, meta),
        ],
        signature=True,
    )


def original_balance(session: Session, account: Account, as_of: date) -> int:
    """A bank account's balance in its own currency as of a day."""
    return int(
        session.scalar(
            select(func.coalesce(func.sum(Posting.original_amount), 0))
            .join(JournalEntry, JournalEntry.number == Posting.entry_number)
            .where(Posting.account_id == account.id, JournalEntry.value_date <= as_of)
        )
    )


def _cash_notes(
    banks: list[Account], originals: dict[str, int], closing: dict[str, int], meta: Meta
) -> list[str]:
    functional = meta.functional_currency
    codes = ", ".join(a.code for a in banks) or "none"
    notes = [
        f"Cash is the fund's bank accounts ({codes}); "
        "seized cash in escrow is held for its owners, not the fund."
    ]
    for account in banks:
        if account.currency != functional:
            original = money_text(Money(originals[account.code], account.currency), meta.locale)
            carried = money_text(Money(closing.get(account.code, 0), functional), meta.locale)
            notes.append(
                f"{account.code} {account.name}: {original} carried at {carried}"
                f" on {meta.date_to.isoformat()}."
            )
    return notes
