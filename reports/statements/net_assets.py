"""The statement of changes in net assets (a period), with its comparative period.

Opening net assets (dated: the day before the period) + the period's surplus
+ other movements directly in net assets = closing net assets, in a
fund-balance column, a not-yet-closed-surplus column and their total. The
comparative period (the same span one year earlier, see
:mod:`reports.statements.comparative`) is a block of rows above the current
one, as IPSAS 1 lays this statement out; each row says its block in
``_period`` (``prior`` or ``current``).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from ledger.balances import balances_as_of
from ledger.chart import FUND_BALANCE
from ledger.models import Account
from reports.context import ReportRequest
from reports.statement import Column, Statement
from reports.statements.comparative import PRIOR, span_title
from reports.statements.financial import (
    activity,
    chart_accounts,
    dated,
    net_asset_accounts,
    opening_balances_for,
    period_compared,
    result,
    when_span,
)

NET_ASSET_COLUMNS = [
    Column("line", "Item", width=3.2),
    Column("fund_balance", "Fund balance", "money", width=1.4),
    Column("unclosed", "Surplus not yet closed", "money", width=1.4),
    Column("total", "Total net assets", "money", width=1.4),
]


# -- statement of changes in net assets ----------------------------------------------------


def net_asset_changes(
    session: Session, accounts: list[Account], date_from: date, date_to: date
) -> dict[str, int]:
    """The figures of the statement of changes in net assets for one period."""
    opening_balances = opening_balances_for(session, date_from)
    closing_balances = balances_as_of(session, date_to)
    opening_fund = net_asset_accounts(accounts, opening_balances)
    opening_unclosed = result(accounts, opening_balances)
    closing_fund = net_asset_accounts(accounts, closing_balances)
    closing_unclosed = result(accounts, closing_balances)
    moved = activity(session, date_from, date_to)
    return {
        "opening_fund_balance": opening_fund,
        "opening_unclosed": opening_unclosed,
        "opening_net_assets": opening_fund + opening_unclosed,
        "surplus": result(accounts, moved),
        "other_movements_in_net_assets": net_asset_accounts(accounts, moved),
        "closed_into_fund_balance": net_asset_accounts(
            accounts, activity(session, date_from, date_to, closing=True)
        ),
        "closing_fund_balance": closing_fund,
        "closing_unclosed": closing_unclosed,
        "closing_net_assets": closing_fund + closing_unclosed,
    }


def _net_asset_rows(f: dict[str, int], date_from: date, date_to: date, *, last: bool) -> list:
    period = "current" if last else PRIOR
    rows = [
        {"_style": "heading", "line": f"Period {date_from.isoformat()} to {date_to.isoformat()}"},
        {
            "line": f"Net assets at {(date_from - timedelta(days=1)).isoformat()}",
            "fund_balance": f["opening_fund_balance"],
            "unclosed": f["opening_unclosed"],
            "total": f["opening_net_assets"],
        },
        {
            "line": "Surplus (deficit) for the period",
            "unclosed": f["surplus"],
            "total": f["surplus"],
        },
    ]
    if f["closed_into_fund_balance"]:
        closed = f["closed_into_fund_balance"]
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
            "fund_balance": f["other_movements_in_net_assets"],
            "total": f["other_movements_in_net_assets"],
        }
    )
    rows.append(
        {
            "_style": "total" if last else "subtotal",
            "line": f"Net assets at {date_to.isoformat()}",
            "fund_balance": f["closing_fund_balance"],
            "unclosed": f["closing_unclosed"],
            "total": f["closing_net_assets"],
        }
    )
    for row in rows:
        row["_period"] = period
    return rows


def net_assets(session: Session, request: ReportRequest) -> Statement:
    """Opening net assets, the period's surplus, other movements, closing net assets: the prior
    period's block of rows, then the current period's."""
    accounts = chart_accounts(session)
    meta, (date_from, date_to), earlier, now, then = period_compared(
        session, request, lambda start, end: net_asset_changes(session, accounts, start, end)
    )
    rows = _net_asset_rows(then, *earlier, last=False) + _net_asset_rows(
        now, date_from, date_to, last=True
    )
    keys = (
        "opening_net_assets",
        "surplus",
        "other_movements_in_net_assets",
        "closing_net_assets",
        "opening_fund_balance",
        "closing_fund_balance",
        "closed_into_fund_balance",
    )
    return Statement(
        "net-assets",
        "Statement of changes in net assets",
        meta,
        NET_ASSET_COLUMNS,
        rows,
        summary={
            **dated(meta, when_span(date_from, date_to), **{k: now[k] for k in keys}),
            "prior": dated(meta, when_span(*earlier), **{k: then[k] for k in keys}),
        },
        notes=[
            f"The comparative period {span_title(*earlier)} (the same span one year earlier) "
            "is shown first, then the current period.",
            "Net assets are assets less liabilities: the fund balance "
            f"({FUND_BALANCE}) and the surplus not yet closed into it.",
            "Other movements: entries posted straight to net-asset accounts, other than "
            "year-end closes.",
        ],
        signature=True,
    )
