"""Monthly periods: closing a month forbids postings dated in it, for good.

Closing a month closes every month before it too: a month is closed when it
is not after the latest month in ``periods``. So the opening balance of a
closed month can never move. There is no re-opening (SPEC §5): a late
correction is posted in the open period instead.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.errors import Conflict, Invalid, PeriodClosed
from ledger.locks import lock_books
from ledger.models import Period
from ledger.models.base import utcnow

_MONTH_RE = re.compile(r"^(19\d\d|2\d\d\d)-(0[1-9]|1[0-2])$")


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def parse_month(text: object, field: str = "period") -> tuple[int, int]:
    match = _MONTH_RE.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise Invalid.field(field, "must be a month written YYYY-MM (1900 to 2999)")
    return int(match[1]), int(match[2])


def latest_closed(session: Session) -> str | None:
    return session.scalar(select(func.max(Period.month)))


def is_closed(session: Session, day: date) -> bool:
    latest = latest_closed(session)
    return latest is not None and month_of(day) <= latest


def ensure_open(session: Session, day: date) -> None:
    """Refuse a posting dated ``day`` if its month is closed."""
    if is_closed(session, day):
        raise PeriodClosed(
            f"{month_of(day)} is closed: no entry can be dated {day.isoformat()}",
            {"date": [f"{month_of(day)} is closed"]},
        )


def close_month(session: Session, month: str, *, closed_by: str, today: date) -> Period:
    """Close ``month`` (``YYYY-MM``) and with it any earlier month still open."""
    year, mon = parse_month(month)
    first_of_next = date(year + (mon == 12), mon % 12 + 1, 1)
    if first_of_next > today:
        raise Invalid.field("period", f"{month} has not ended yet")
    # Serialise with posting: nothing may be posted into the month while it closes.
    lock_books(session)
    latest = latest_closed(session)
    if latest is not None and month <= latest:
        raise Conflict(f"{month} is already closed (books are closed up to {latest})")
    period = Period(month=month, closed_at=utcnow(), closed_by=closed_by)
    session.add(period)
    session.flush()
    return period


def closed_months(session: Session) -> list[Period]:
    return list(session.scalars(select(Period).order_by(Period.month)))
