"""Financial statements: position, performance, changes in net assets.

All four are read from the postings (never the running totals), so any date
or period can be asked for, and each ties to the trial balance:

- **financial position** (as of a day): assets = liabilities + net assets,
  where net assets are the net-asset accounts (3000 Fund balance) plus the
  revenue less expenses not yet closed into them by a year-end close;
- **financial performance** (a period): revenue and expense activity, with
  the year-end closing entries (event ``year.closed``, and any reversal of
  one) left out: they move a result into 3000, they are not revenue or cost;
- **changes in net assets** (a period): opening + surplus + other movements
  directly in net assets = closing, in a fund-balance column, a
  not-yet-closed-surplus column and their total;
- the **cash flow** is in :mod:`reports.statements.cash_flow`.

Figures are integer functional minor units, shown on their normal side
(positive when healthy). Non-cash assets under seizure are not fund assets
(SPEC §4): the statement of financial position names them in a note.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ledger.balances import balances_as_of
from ledger.chart import FUND_BALANCE
from ledger.closing import is_closing_entry
from ledger.errors import Invalid
from ledger.models import Account, Asset, JournalEntry, Posting
from ledger.money import Money, format_amount
from reports.context import ReportRequest, make_meta
from reports.statement import Column, Meta, Statement, dated_summary

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
NET_ASSET_COLUMNS = [
    Column("line", "Item", width=3.2),
    Column("fund_balance", "Fund balance", "money", width=1.4),
    Column("unclosed", "Surplus not yet closed", "money", width=1.4),
    Column("total", "Total net assets", "money", width=1.4),
]


# -- shared reading ------------------------------------------------------------------------


def chart_accounts(session: Session) -> list[Account]:
    return list(session.scalars(select(Account).order_by(Account.code)))


def period_of(meta: Meta) -> tuple[date | None, date]:
    if meta.date_from is not None and meta.date_from > meta.date_to:
        raise Invalid.field("from", f"must not be after to ({meta.date_to.isoformat()})")
    return meta.date_from, meta.date_to


def opening_balances_for(session: Session, date_from: date | None) -> dict[str, int]:
    """Debit-positive balances at the end of the day before the period (empty: the beginning)."""
    if date_from is None:
        return {}
    return balances_as_of(session, date_from - timedelta(days=1))


def _activity(
    session: Session, date_from: date | None, date_to: date, *, closing: bool
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


def _normal(account: Account, debit_positive: int) -> int:
    return SIGN[account.type] * debit_positive


def _result(accounts: Iterable[Account], balances: dict[str, int]) -> int:
    """Revenue less expenses (credit-positive) in ``balances``."""
    return -sum(balances.get(a.code, 0) for a in accounts if a.type in ("revenue", "expense"))


def _net_asset_accounts(accounts: Iterable[Account], balances: dict[str, int]) -> int:
    """The net-asset accounts (3000…) on their normal side."""
    return -sum(balances.get(a.code, 0) for a in accounts if a.type == "net_assets")


def money_text(minor: int, currency: str, meta: Meta) -> str:
    return f"{currency} {format_amount(Money(minor, currency), meta.locale)}"


# -- statement of financial position -------------------------------------------------------


def financial_position(session: Session, request: ReportRequest) -> Statement:
    """Assets, liabilities and net assets as of a day."""
    meta = make_meta(session, request, point_in_time=True)
    as_of = meta.as_of
    accounts = chart_accounts(session)
    balances = balances_as_of(session, as_of)
    rows: list[dict] = []

    def section(kind: str, heading: str, total_label: str) -> int:
        extra = None
        if kind == "net_assets":
            extra = ("Surplus (deficit) not yet closed", _result(accounts, balances))
        return _section(rows, accounts, balances, kind, heading, total_label, extra)

    total_assets = section("asset", "Assets", "Total assets")
    total_liabilities = section("liability", "Liabilities", "Total liabilities")
    net_assets = section("net_assets", "Net assets", "Total net assets")
    rows.append(
        {
            "_style": "total",
            "line": "Total liabilities and net assets",
            "amount": total_liabilities + net_assets,
        }
    )
    seized = _seized_non_cash(session, as_of)
    return Statement(
        "financial-position",
        "Statement of financial position",
        meta,
        ACCOUNT_COLUMNS,
        rows,
        summary={
            **dated_summary(
                meta,
                total_assets=total_assets,
                total_liabilities=total_liabilities,
                net_assets=net_assets,
                fund_balance=_net_asset_accounts(accounts, balances),
                unclosed_surplus=_result(accounts, balances),
            ),
            "seized_non_cash_assets": [
                {
                    "currency": currency,
                    "count": count,
                    "estimated_value": Money(value, currency),
                }
                for currency, (count, value) in seized.items()
            ],
        },
        notes=_seizure_notes(seized, as_of, meta),
    )


def _seized_non_cash(session: Session, as_of: date) -> dict[str, tuple[int, int]]:
    """Per currency, (count, estimated value) of non-cash assets under seizure on ``as_of``.

    Under seizure on a day: seized on or before it, and neither forfeited nor
    released by then (an asset forfeited later was still under seizure).
    """
    query = (
        select(Asset.estimated_currency, func.count(), func.sum(Asset.estimated_minor))
        .where(
            Asset.kind != "cash",
            Asset.seized_on <= as_of,
            or_(Asset.forfeited_on.is_(None), Asset.forfeited_on > as_of),
            or_(Asset.released_on.is_(None), Asset.released_on > as_of),
        )
        .group_by(Asset.estimated_currency)
        .order_by(Asset.estimated_currency)
    )
    return {currency: (int(n), int(total)) for currency, n, total in session.execute(query)}


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
            f"with an estimated value of {money_text(value, currency, meta)}."
        )
    return notes


# -- statement of financial performance ----------------------------------------------------


def financial_performance(session: Session, request: ReportRequest) -> Statement:
    """Revenue and expenses of a period, without the year-end closing entries."""
    meta = make_meta(session, request, point_in_time=False)
    date_from, date_to = period_of(meta)
    accounts = chart_accounts(session)
    activity = _activity(session, date_from, date_to, closing=False)
    rows: list[dict] = []

    def section(kind: str, heading: str, total_label: str) -> int:
        return _section(rows, accounts, activity, kind, heading, total_label)

    revenue = section("revenue", "Revenue", "Total revenue")
    expenses = section("expense", "Expenses", "Total expenses")
    surplus = revenue - expenses
    rows.append({"_style": "total", "line": "Surplus (deficit) for the period", "amount": surplus})
    return Statement(
        "financial-performance",
        "Statement of financial performance",
        meta,
        ACCOUNT_COLUMNS,
        rows,
        summary=dated_summary(
            meta, total_revenue=revenue, total_expenses=expenses, surplus=surplus
        ),
        notes=[
            "Year-end closing entries (a year's result moved to "
            f"{FUND_BALANCE} Fund balance) are left out."
        ],
    )


# -- statement of changes in net assets ----------------------------------------------------


def net_assets(session: Session, request: ReportRequest) -> Statement:
    """Opening net assets, the period's surplus, other movements, closing net assets."""
    meta = make_meta(session, request, point_in_time=False)
    date_from, date_to = period_of(meta)
    accounts = chart_accounts(session)
    opening_balances = opening_balances_for(session, date_from)
    closing_balances = balances_as_of(session, date_to)
    activity = _activity(session, date_from, date_to, closing=False)
    closes = _activity(session, date_from, date_to, closing=True)

    opening_fund = _net_asset_accounts(accounts, opening_balances)
    opening_unclosed = _result(accounts, opening_balances)
    surplus = _result(accounts, activity)
    other = _net_asset_accounts(accounts, activity)
    closed = _net_asset_accounts(accounts, closes)
    closing_fund = _net_asset_accounts(accounts, closing_balances)
    closing_unclosed = _result(accounts, closing_balances)
    opening = opening_fund + opening_unclosed
    closing = closing_fund + closing_unclosed

    opening_label = (
        f"Net assets at {(date_from - timedelta(days=1)).isoformat()}"
        if date_from
        else "Net assets at the beginning"
    )
    rows = [
        {
            "_style": "heading",
            "line": opening_label,
            "fund_balance": opening_fund,
            "unclosed": opening_unclosed,
            "total": opening,
        },
        {"line": "Surplus (deficit) for the period", "unclosed": surplus, "total": surplus},
    ]
    if closed:
        rows.append(
            {
                "line": "Result of a closed year transferred to fund balance",
                "fund_balance": closed,
                "unclosed": -closed,
                "total": 0,
            }
        )
    rows.append(
        {
            "line": "Other movements directly in net assets",
            "fund_balance": other,
            "total": other,
        }
    )
    rows.append(
        {
            "_style": "total",
            "line": f"Net assets at {date_to.isoformat()}",
            "fund_balance": closing_fund,
            "unclosed": closing_unclosed,
            "total": closing,
        }
    )
    return Statement(
        "net-assets",
        "Statement of changes in net assets",
        meta,
        NET_ASSET_COLUMNS,
        rows,
        summary=dated_summary(
            meta,
            opening_net_assets=opening,
            surplus=surplus,
            other_movements_in_net_assets=other,
            closing_net_assets=closing,
            opening_fund_balance=opening_fund,
            closing_fund_balance=closing_fund,
            closed_into_fund_balance=closed,
        ),
        notes=[
            "Net assets are assets less liabilities: the fund balance "
            f"({FUND_BALANCE}) and the surplus not yet closed into it.",
            "Other movements: entries posted straight to net-asset accounts, other than "
            "year-end closes.",
        ],
    )


def _section(
    rows: list[dict],
    accounts,
    figures: dict[str, int],
    kind: str,
    heading: str,
    total_label: str,
    extra: tuple[str, int] | None = None,
) -> int:
    """Append one section (heading, an account line each, an optional extra line,
    subtotal) of accounts of ``kind``, figures on their normal side; return its total."""
    rows.append({"_style": "heading", "line": heading})
    total = 0
    for account in accounts:
        if account.type != kind:
            continue
        figure = _normal(account, figures.get(account.code, 0))
        total += figure
        if _shown(account, figure):
            rows.append({"code": account.code, "line": account.name, "amount": figure})
    if extra is not None:
        total += extra[1]
        rows.append({"line": extra[0], "amount": extra[1]})
    rows.append({"_style": "subtotal", "line": total_label, "amount": total})
    return total
