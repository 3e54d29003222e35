"""Reads of the fund's housekeeping: receipts and expenses, periods, exchange rates, audit log."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, TypedDict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger import access
from ledger.access import Actor
from ledger.lookup import fetch
from ledger.models import AuditEvent, CashMovement, FxRate, JournalEntry
from ledger.money import Money
from ledger.periods import closed_months, latest_closed, month_of
from ledger.reads.lists import dated, filtered, row_of
from ledger.reads.paging import Page, PageRequest, ordering, page_of_list, paginate
from ledger.validate import today_utc

if TYPE_CHECKING:
    from typing_extensions import Unpack

# -- receipts and expenses ---------------------------------------------------------------


@dataclass(frozen=True)
class MovementRow:
    id: int
    direction: str
    kind: str
    date: date
    amount: Money
    counterparty: str
    case_id: int | None
    asset_id: int | None
    entry_number: int | None
    created_by: str


MOVEMENT_SORTS = {"date": (CashMovement.occurred_on, CashMovement.id), "id": CashMovement.id}


class MovementFilters(TypedDict, total=False):
    """What receipts or expenses may be narrowed by (:func:`movements_selected`)."""

    kind: str | None
    date_from: date | None
    date_to: date | None


def list_movements(
    session: Session,
    actor: Actor,
    page: PageRequest,
    *,
    direction: str,
    sort: str | None = None,
    **filters: Unpack[MovementFilters],
) -> Page[MovementRow]:
    """Receipts (``direction="receipt"``) or expenses, newest first by default."""
    access.require(actor, access.READ_BOOKS)
    query = select(CashMovement).order_by(*ordering(sort, MOVEMENT_SORTS, "-date"))
    query = movements_selected(query, direction, **filters)
    return paginate(session, query, page, lambda rows: [movement_row(r[0]) for r in rows])


def movements_selected(
    query,
    direction: str,
    *,
    kind: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
):
    """``query`` narrowed to the receipts or the expenses (``direction``) the filters select:
    of a kind, and occurred between two days (either end left out: open)."""
    query = filtered(query.where(CashMovement.direction == direction), (CashMovement.kind, kind))
    return dated(query, CashMovement.occurred_on, date_from, date_to)


def get_movement(session: Session, actor: Actor, movement_id: int) -> MovementRow:
    """One receipt or expense."""
    access.require(actor, access.READ_BOOKS)
    return movement_row(fetch(session, CashMovement, movement_id, "movement"))


def movement_row(m: CashMovement) -> MovementRow:
    return row_of(MovementRow, m, date=m.occurred_on, amount=Money(m.amount_minor, m.currency))


# -- periods -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodRow:
    month: str
    status: str
    closed_at: datetime | None
    closed_by: str | None


def list_periods(session: Session, actor: Actor, page: PageRequest) -> Page[PeriodRow]:
    """Every month from the first entry (or first close) to this month, open or closed."""
    access.require(actor, access.READ_BOOKS)
    return page_of_list(all_periods(session), page)


def all_periods(session: Session) -> list[PeriodRow]:
    first = session.scalar(select(func.min(JournalEntry.value_date)))
    closes = {p.month: p for p in closed_months(session)}
    latest = latest_closed(session)
    now = month_of(today_utc())
    start = min(
        m for m in (month_of(first) if first else None, min(closes, default=None), now) if m
    )
    rows = []
    for month in _months(start, now):
        close = closes.get(month)
        rows.append(
            PeriodRow(
                month,
                "closed" if latest and month <= latest else "open",
                close.closed_at if close else None,
                close.closed_by if close else None,
            )
        )
    return rows


def _months(start: str, end: str) -> list[str]:
    year, mon = int(start[:4]), int(start[5:])
    months = []
    while f"{year:04d}-{mon:02d}" <= end:
        months.append(f"{year:04d}-{mon:02d}")
        year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return months


# -- exchange rates ----------------------------------------------------------------------


@dataclass(frozen=True)
class RateRow:
    currency: str
    date: date
    #: The exact decimal string, never a float.
    rate: str
    source: str


def list_rates(
    session: Session, actor: Actor, page: PageRequest, *, currency: str | None = None
) -> Page[RateRow]:
    """Stored rates, newest first."""
    access.require(actor, access.READ_REGISTERS)
    query = select(FxRate).order_by(FxRate.date.desc(), FxRate.currency)
    query = filtered(query, (FxRate.currency, currency.upper() if currency else None))
    return paginate(
        session, query, page, lambda rows: [row_of(RateRow, r, rate=str(r.rate)) for (r,) in rows]
    )


# -- the audit log -----------------------------------------------------------------------


@dataclass(frozen=True)
class EventRow:
    id: int
    occurred_at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str | None
    before: dict | None
    after: dict | None
    prev_hash: str
    hash: str


def list_events(
    session: Session,
    actor: Actor,
    page: PageRequest,
    *,
    subject_type: str | None = None,
    action: str | None = None,
    by: str | None = None,
    subject_id: str | None = None,
    newest_first: bool = False,
) -> Page[EventRow]:
    """The audit log (oldest first unless asked otherwise): who changed what, when."""
    access.require(actor, access.READ_BOOKS)
    query = filtered(
        select(AuditEvent).order_by(AuditEvent.id.desc() if newest_first else AuditEvent.id),
        (AuditEvent.subject_type, subject_type),
        (AuditEvent.action, action),
        (AuditEvent.actor, by),
        (AuditEvent.subject_id, subject_id),
    )
    return paginate(session, query, page, lambda rows: [_event_row(r[0]) for r in rows])


def _event_row(e: AuditEvent) -> EventRow:
    return row_of(EventRow, e, before=_snapshot(e.before), after=_snapshot(e.after))


def _snapshot(stored: str | None) -> dict | None:
    """A record's state as the audit log stored it (JSON text), or None."""
    return json.loads(stored) if stored else None
