"""One builder per statement of SPEC §6, by the slug the API and CLI use.

A builder takes a read session and a :class:`~reports.context.ReportRequest`
and returns a :class:`~reports.statement.Statement`; it never writes.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from ledger.errors import NotFound
from reports.context import ReportRequest
from reports.statement import Statement
from reports.statements import financial, ledgers, registers, trial_balance

Builder = Callable[[Session, ReportRequest], Statement]

BUILDERS: dict[str, Builder] = {
    "trial-balance": trial_balance.build,
    "financial-position": financial.financial_position,
    "financial-performance": financial.financial_performance,
    "net-assets": financial.net_assets,
    "cash-flow": financial.cash_flow,
    "general-ledger": ledgers.general_ledger,
    "journal": ledgers.journal,
    "awards-register": registers.awards_register,
    "asset-register": registers.asset_register,
    "victim-statement": registers.victim_statement,
    "case-statement": registers.case_statement,
}


def build_statement(session: Session, slug: str, request: ReportRequest) -> Statement:
    builder = BUILDERS.get(slug)
    if builder is None:
        raise NotFound(f"there is no statement called {slug!r}; try one of {', '.join(BUILDERS)}")
    return builder(session, request)
