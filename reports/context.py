"""What a statement is asked for, and the metadata it is stamped with.

The head hash and entry count are read in the same transaction as the
figures (callers open one session per statement), so what a statement says
it was built from is what it was built from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from ledger.fund import get_fund
from ledger.models import JournalHead
from reports.statement import Meta


@dataclass(frozen=True)
class ReportRequest:
    generated_by: str
    as_of: date | None = None
    date_from: date | None = None
    date_to: date | None = None
    account: str | None = None
    victim_id: int | None = None
    case_id: int | None = None
    #: A court sees only the awards it registered.
    court_user_id: int | None = None
    locale: str = "en_GB"


def make_meta(session: Session, request: ReportRequest, *, point_in_time: bool) -> Meta:
    fund = get_fund(session)
    head = session.get(JournalHead, 1)
    today = datetime.now(UTC).date()
    return Meta(
        fund_name=fund.name,
        functional_currency=fund.functional_currency,
        generated_at=datetime.now(UTC).replace(microsecond=0, tzinfo=None),
        generated_by=request.generated_by,
        head_hash=head.last_hash,
        entries=head.last_number,
        as_of=(request.as_of or today) if point_in_time else None,
        date_from=None if point_in_time else request.date_from,
        date_to=None if point_in_time else (request.date_to or today),
        locale=request.locale,
    )
