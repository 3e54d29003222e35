"""Financial statements: position, performance, changes in net assets (IPSAS 1).

All are read from the postings (never the running totals), so any date or
period can be asked for, and each ties to the trial balance:

- **financial position** (as of a day): current assets, current liabilities
  and net assets, where net assets are the net-asset accounts (3000 Fund
  balance) plus the revenue less expenses not yet closed into them by a
  year-end close. Every asset and liability of the fund is current (see the
  notes' policy: bank balances and escrow are cash; forfeited assets are held
  for sale; awards are payable on demand), so the non-current lines are nil;
- **financial performance** (a period): revenue and expense activity, with
  the year-end closing entries (event ``year.closed``, and any reversal of
  one) left out: they move a result into 3000, they are not revenue or cost;
- **changes in net assets** (a period) are in :mod:`reports.statements.net_assets`;
- the **cash flow** is in :mod:`reports.statements.cash_flow`, the **notes**
  in :mod:`reports.statements.notes`.

Comparatives (:mod:`reports.statements.comparative`): a position as of D
stands beside the end of the previous fiscal year (the day before the fiscal
year holding D starts); a period beside the same span one year earlier
(29 February → 28 February). Position and performance have a ``prior``
column; changes in net assets show the prior period as a block of rows
above the current one, as IPSAS 1 lays that statement out (six amount
columns would not be readable). Each summary has a ``prior`` object.

Figures are integer functional minor units, shown on their normal side
(positive when healthy). Non-cash assets under seizure are not fund assets
(SPEC §4): the statement of financial position names them in a note.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any, NamedTuple

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ledger.balances import balances_as_of
from ledger.chart import FUND_BALANCE
from ledger.closing import is_closing_entry
from ledger.errors import Invalid
from ledger.models import Account, Asset, JournalEntry, Posting
from ledger.money import Money
from reports.context import ReportRequest, make_meta
from reports.formatting import money_text
from reports.statement import Column, Meta, Statement, functional_amounts
from reports.statements.comparative import (
    PRIOR,
    comparatives_note,
    compared,
    prior_as_of,
    prior_period,
)

SIGN = {"asset": 1, "expense": 1, "liability": -1, "net_assets": -1, "revenue": -1}

ACCOUNT_COLUMNS = [
    Column("code", "Account", width=0.8),
    Column("line", "Item", width=4.4),
    Column("amount", "Amount", "money", width=1.6),
]
LINE_COLUMNS = [
    Column("line", "Item", width=5.2),
    Column("amount", "Amount", "money", width=1.6),
]
SIGNED = "Financial statements are signed once every month of their period is closed (FINAL)."


# -- shared reading ------------------------------------------------------------------------


def chart_accounts(session: Session) -> list[Account]:
    return list(session.scalars(select(Account).order_by(Account.code)))


def period_of(meta: Meta) -> tuple[date, date]:
    if meta.date_from is not None and meta.date_from > meta.date_to:
        raise Invalid.field("from", f"must not be after to ({meta.date_to.isoformat()})")
    return meta.date_from, meta.date_to


class Compared(NamedTuple):
    """A period statement's span and the same span a year earlier, and its figures for each."""

    meta: Meta
    span: tuple[date, date]
    earlier: tuple[date, date]
    now: Any
    then: Any


def period_compared(
    session: Session, request: ReportRequest, figures: Callable[[date, date], Any]
) -> Compared:
    """The period asked for beside the same span one year earlier, with ``figures`` computed
    the same way for both: the comparatives rule every period statement follows (IPSAS 1)."""
    meta = make_meta(session, request, point_in_time=False)
    span = period_of(meta)
    earlier = prior_period(*span)
    return Compared(meta, span, earlier, figures(*span), figures(*earlier))


def opening_balances_for(session: Session, date_from: date | None) -> dict[str, int]:
    """Debit-positive balances at the end of the day before the period (empty: the beginning)."""
    if date_from is None:
        return {}
    return balances_as_of(session, date_from - timedelta(days=1))


def activity(
    session: Session, date_from: date | None, date_to: date, *, closing: bool = False
) -> dict[str, int]:
    """Debit-positive sum per account of the period's postings.

    ``closing=False``: without year-end closes (and their reversals);
    ``closing=True``: those entries only.
    """
    query = (
        select(Account.code, func.sum(Posting.amount))
        .join(Posting, Posting.account_id == Account.id)
        .join(JournalEntry, JournalEntry.number == Posting.entry_number)
        .where(JournalEntry.value_date <= date_to)
        .where(is_closing_entry() if closing else ~is_closing_entry())
        .group_by(Account.code)
    )
    if date_from is not None:
        query = query.where(JournalEntry.value_date >= date_from)
    return {code: int(total) for code, total in session.execute(query)}


def _shown(account: Account, *figures: int) -> bool:
    return account.active or any(figures)


def normal(account: Account, debit_positive: int) -> int:
    return SIGN[account.type] * debit_positive


def result(accounts: Iterable[Account], balances: dict[str, int]) -> int:
    """Revenue less expenses (credit-positive) in ``balances``."""
    return -sum(balances.get(a.code, 0) for a in accounts if a.type in ("revenue", "expense"))


def net_asset_accounts(accounts: Iterable[Account], balances: dict[str, int]) -> int:
    """The net-asset accounts (3000…) on their normal side."""
    return -sum(balances.get(a.code, 0) for a in accounts if a.type == "net_assets")


def dated(meta: Meta, when: dict, **amounts: int) -> dict:
    """Summary figures in the functional currency, after the dates they hold for."""
    return when | functional_amounts(meta, **amounts)


def when_as_of(day: date) -> dict:
    return {"as_of": day.isoformat()}


def when_span(date_from: date, date_to: date) -> dict:
    return {"from": date_from.isoformat(), "to": date_to.isoformat()}


def both(current: int, prior: int) -> dict:
    return {"amount": current, PRIOR: prior}


# -- statement of financial position -------------------------------------------------------


def position_figures(accounts: list[Account], balances: dict[str, int]) -> dict[str, int]:
    """The position's totals from debit-positive balances as of a day."""
    assets = sum(normal(a, balances.get(a.code, 0)) for a in accounts if a.type == "asset")
    liabilities = sum(normal(a, balances.get(a.code, 0)) for a in accounts if a.type == "liability")
    fund = net_asset_accounts(accounts, balances)
    unclosed = result(accounts, balances)
    return {
        "total_assets": assets,
        "total_liabilities": liabilities,
        "net_assets": fund + unclosed,
        "fund_balance": fund,
        "unclosed_surplus": unclosed,
    }


def financial_position(session: Session, request: ReportRequest) -> Statement:
    """Current assets, current liabilities and net assets as of a day, beside the previous
    fiscal year's end."""
    meta = make_meta(session, request, point_in_time=True)
    as_of = meta.as_of
    before = prior_as_of(as_of, meta.fiscal_year_start)
    accounts = chart_accounts(session)
    now, then = balances_as_of(session, as_of), balances_as_of(session, before)
    current, prior = position_figures(accounts, now), position_figures(accounts, then)
    rows: list[dict] = []

    def section(kind: str, heading: str, total_label: str, extra=None) -> None:
        _section(rows, accounts, now, then, kind, heading, total_label, extra)

    section("asset", "Current assets", "Total current assets")
    rows.append({"line": "Non-current assets", **both(0, 0)})
    rows.append(
        {"_style": "subtotal", "line": "Total assets", **both(current["total_assets"],
                                                               prior["total_assets"])}
    )  # fmt: skip
    section("liability", "Current liabilities", "Total current liabilities")
    rows.append({"line": "Non-current liabilities", **both(0, 0)})
    rows.append(
        {
            "_style": "subtotal",
            "line": "Total liabilities",
            **both(current["total_liabilities"], prior["total_liabilities"]),
        }
    )
    section(
        "net_assets",
        "Net assets",
        "Total net assets",
        ("Surplus (deficit) not yet closed", current["unclosed_surplus"],
         prior["unclosed_surplus"]),
    )  # fmt: skip
    rows.append(
        {
            "_style": "total",
            "line": "Total liabilities and net assets",
            **both(
                current["total_liabilities"] + current["net_assets"],
                prior["total_liabilities"] + prior["net_assets"],
            ),
        }
    )
    seized = seized_non_cash(session, as_of)
    return Statement(
        "financial-position",
        "Statement of financial position",
        meta,
        compared(ACCOUNT_COLUMNS, meta),
        rows,
        summary={
            **dated(meta, when_as_of(as_of), **current),
            "prior": dated(meta, when_as_of(before), **prior),
            "seized_non_cash_assets": [
                {"currency": currency, "count": count, "estimated_value": Money(value, currency)}
                for currency, (count, value) in seized.items()
            ],
        },
        notes=[
            comparatives_note(meta),
            "All assets and liabilities are current: bank balances and seized cash in escrow "
            "are cash, forfeited assets are held for sale, awards are payable on demand "
            "(see the notes to the financial statements).",
            *_seizure_notes(seized, as_of, meta),
        ],
        signature=True,
    )


def seized_non_cash(session: Session, as_of: date, by_kind: bool = False) -> dict:
    """Per currency (or per (kind, currency)), (count, estimated value) of the non-cash assets
    under seizure on ``as_of``.

    Under seizure on a day: seized on or before it, and neither forfeited nor
    released by then (an asset forfeited later was still under seizure).
    """
    keys = (Asset.kind, Asset.estimated_currency) if by_kind else (Asset.estimated_currency,)
    query = (
        select(*keys, func.count(), func.sum(Asset.estimated_minor))
        .where(
            Asset.kind != "cash",
            Asset.seized_on <= as_of,
            or_(Asset.forfeited_on.is_(None), Asset.forfeited_on > as_of),
            or_(Asset.released_on.is_(None), Asset.released_on > as_of),
        )
        .group_by(*keys)
        .order_by(*keys)
    )
    out = {}
    for *key, n, total in session.execute(query):
        out[tuple(key) if by_kind else key[0]] = (int(n), int(total))
    return out


def _seizure_notes(seized: dict[str, tuple[int, int]], as_of: date, meta: Meta) -> list[str]:
    notes = [
        "Non-cash assets under seizure are not fund assets until forfeited: "
        "they are not included above."
    ]
    if not seized:
        notes.append(f"No non-cash assets were under seizure on {as_of.isoformat()}.")
    for currency, (count, value) in seized.items():
        noun = "asset" if count == 1 else "assets"
        notes.append(
            f"Under seizure on {as_of.isoformat()}: {count} non-cash {noun} "
            f"with an estimated value of {money_text(Money(value, currency), meta.locale)}."
        )
    return notes


# -- statement of financial performance ----------------------------------------------------


def financial_performance(session: Session, request: ReportRequest) -> Statement:
    """Revenue and expenses of a period, without the year-end closing entries, beside the same
    span one year earlier."""
    accounts = chart_accounts(session)
    meta, (date_from, date_to), earlier, now, then = period_compared(
        session, request, lambda start, end: activity(session, start, end)
    )
    rows: list[dict] = []

    def section(kind: str, heading: str, total_label: str) -> tuple[int, int]:
        return _section(rows, accounts, now, then, kind, heading, total_label)

    revenue = section("revenue", "Revenue", "Total revenue")
    expenses = section("expense", "Expenses", "Total expenses")
    surplus = (revenue[0] - expenses[0], revenue[1] - expenses[1])
    rows.append({"_style": "total", "line": "Surplus (deficit) for the period", **both(*surplus)})
    return Statement(
        "financial-performance",
        "Statement of financial performance",
        meta,
        compared(ACCOUNT_COLUMNS, meta),
        rows,
        summary={
            **dated(
                meta,
                when_span(date_from, date_to),
                total_revenue=revenue[0],
                total_expenses=expenses[0],
                surplus=surplus[0],
            ),
            "prior": dated(
                meta,
                when_span(*earlier),
                total_revenue=revenue[1],
                total_expenses=expenses[1],
                surplus=surplus[1],
            ),
        },
        notes=[
            comparatives_note(meta),
            "Year-end closing entries (a year's result moved to "
            f"{FUND_BALANCE} Fund balance) are left out.",
        ],
        signature=True,
    )


def _section(
    rows: list[dict],
    accounts,
    figures: dict[str, int],
    prior: dict[str, int],
    kind: str,
    heading: str,
    total_label: str,
    extra: tuple[str, int, int] | None = None,
) -> tuple[int, int]:
    """Append one section (heading, an account line each, an optional extra line,
    subtotal) of accounts of ``kind``, figures on their normal side, the current figure and
    the prior one; return both totals."""
    rows.append({"_style": "heading", "line": heading})
    total = earlier = 0
    for account in accounts:
        if account.type != kind:
            continue
        figure = normal(account, figures.get(account.code, 0))
        before = normal(account, prior.get(account.code, 0))
        total, earlier = total + figure, earlier + before
        if _shown(account, figure, before):
            rows.append({"code": account.code, "line": account.name, **both(figure, before)})
    if extra is not None:
        total, earlier = total + extra[1], earlier + extra[2]
        rows.append({"line": extra[0], **both(extra[1], extra[2])})
    rows.append({"_style": "subtotal", "line": total_label, **both(total, earlier)})
    return total, earlier
