"""Closed months: who closed each one, and no close the audit log has without its row."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ledger import events
from ledger.models import Period
from ledger.verify_registers.books import Books
from ledger.verify_registers.findings import rows


def verify_periods(session: Session, books: Books) -> list[str]:
    """Each closed month against the audit event that closed it, and the other way round."""
    problems = []
    for period in rows(session, Period):
        what = f"period {period.month}"
        key = (events.PERIOD_CLOSED, "period", period.month)
        actors = books.actors.get(key)
        if not actors:
            problems.append(f"{what}: closed, but no audit event records its close")
        elif actors[-1] != period.closed_by:
            problems.append(
                f"{what}: closed_by is not who closed it (audit event {books.steps[key][-1]})"
            )
    closed = {row.month for row in rows(session, Period)}
    for (action, subject_type, month), ids in books.steps.items():
        if action == events.PERIOD_CLOSED and subject_type == "period" and month not in closed:
            problems.append(f"period {month}: audit event {ids[-1]} closed it, but it is open")
    return problems
