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

from ledger import access, audit, checkpoint_log, events, snapshots
from ledger.access import Actor
from ledger.errors import Conflict, Invalid, PeriodClosed
from ledger.locks import lock_books
from ledger.models import JournalEntry, Period
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


def close_month(
    session: Session, month: str, *, actor: Actor, today: date, year_end: bool = False
) -> Period:
    """Close ``month`` (``YYYY-MM``) and with it any earlier month still open.

    A December closes only through the year-end close (``year_end=True``, see
    :func:`ledger.closing.close_year`): closed any other way, the year's
    closing entry could never be posted.
    """
    access.require(actor, access.MANAGE_BOOKS)
    year, mon = parse_month(month)
    first_of_next = date(year + (mon == 12), mon % 12 + 1, 1)
    if first_of_next > today:
        raise Invalid.field("period", f"{month} has not ended yet")
    # Serialise with posting: nothing may be posted into the month while it closes.
    lock_books(session)
    latest = latest_closed(session)
    if latest is not None and month <= latest:
        raise Conflict(f"{month} is already closed (books are closed up to {latest})")
    for december in _decembers_to_close(session, latest, month):
        if not (year_end and december == month):
            raise Conflict(
                f"{december[:4]} must be closed with the year-end close first "
                "(it posts the year's closing entry, then closes December)",
                {"period": [f"close the year {december[:4]} first"]},
            )
    period = Period(month=month, closed_at=utcnow(), closed_by=actor.name)
    session.add(period)
    session.flush()
    # The months' end balances are final now: store them, in this transaction (issue 11).
    snapshots.write_snapshots(session, latest, month)
    audit.record(session, actor, events.PERIOD_CLOSED, "period", month, after={"up_to": month})
    # Anchor the heads outside the database at every close (SPEC §2.6), once committed.
    checkpoint_log.after_commit(session, f"period {month} closed")
    return period


def _decembers_to_close(session: Session, latest: str | None, month: str) -> list[str]:
    """The Decembers that closing ``month`` would close: after the books' last close (or
    the first entry) and not after ``month``."""
    if latest is not None:
        start = int(latest[:4]) + (latest[5:] == "12")
    else:
        first = session.scalar(select(func.min(JournalEntry.value_date)))
        start = first.year if first else int(month[:4])
    return [f"{y}-12" for y in range(start, int(month[:4]) + 1) if f"{y}-12" <= month]


def closed_months(session: Session) -> list[Period]:
    return list(session.scalars(select(Period).order_by(Period.month)))
