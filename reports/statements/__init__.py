"""One builder per statement of SPEC §6, by the slug the API and CLI use.

A builder takes a read session and a :class:`~reports.context.ReportRequest`
and returns a :class:`~reports.statement.Statement`; it never writes.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from ledger import access
from ledger.errors import Forbidden, NotFound
from reports.context import ReportRequest
from reports.statement import Statement
from reports.statements import (
    assets,
    awards,
    cash_flow,
    financial,
    ledgers,
    net_assets,
    notes,
    trial_balance,
)

Builder = Callable[[Session, ReportRequest], Statement]

BUILDERS: dict[str, Builder] = {
    "trial-balance": trial_balance.build,
    "financial-position": financial.financial_position,
    "financial-performance": financial.financial_performance,
    "net-assets": net_assets.net_assets,
    "cash-flow": cash_flow.cash_flow,
    "notes": notes.notes,
    "general-ledger": ledgers.general_ledger,
    "journal": ledgers.journal,
    "awards-register": awards.awards_register,
    "asset-register": assets.asset_register,
    "victim-statement": awards.victim_statement,
    "case-statement": assets.case_statement,
}


def build_statement(session: Session, slug: str, request: ReportRequest) -> Statement:
    """Statement ``slug`` for ``request.actor``: administrators and auditors may have every
    statement; a court only the awards register, of the awards it registered."""
    access.require(request.actor, access.READ_STATEMENTS)
    builder = BUILDERS.get(slug)
    if builder is None:
        raise NotFound(f"there is no statement called {slug!r}; try one of {', '.join(BUILDERS)}")
    if request.actor.is_court and slug not in access.COURT_STATEMENTS:
        raise Forbidden("a court may download the awards register of its own awards")
    statement = builder(session, request)
    if request.checkpointer is not None:
        meta = statement.meta
        meta.checkpoint = request.checkpointer(meta.heads, statement.checkpoint_reason)
    return statement
