"""Reads for the pages of the books' housekeeping: periods, the integrity check, the audit
log's filters, and what the statements can be asked for.

Each read runs a fixed number of queries, however long the books are: the months come
from the first entry, the closes and the entries that revalued or closed a period (one
query each), never one query per month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger import access, events
from ledger.access import Actor
from ledger.models import AuditEvent, Case, JournalEntry, Period
from ledger.periods import month_of
from ledger.reads.books import EventRow, _event_row, _months
from ledger.reads.choices import accounts, victims
from ledger.reads.paging import Page, PageRequest, page_of_list
from ledger.validate import today_utc

# -- periods ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthRow:
    """One month of the books, as the periods page shows it."""

    month: str
    #: ``closed``, ``open`` (ended, still open) or ``current`` (this month, not ended yet).
    state: str
    #: When the close that covered this month was taken, by whom, and which month it closed
    #: up to (a close closes every earlier open month too).
    closed_at: datetime | None
    closed_by: str | None
    closed_with: str | None
    #: The FX revaluation entries dated at this month's end, and the year-end close.
    revaluations: tuple[int, ...]
    year_close: int | None

    @property
    def is_december(self) -> bool:
        return self.month.endswith("-12")


@dataclass(frozen=True)
class PeriodsPage:
    months: Page[MonthRow]
    #: Books closed up to this month (None: nothing closed yet).
    closed_up_to: str | None
    #: Every month that has ended and is still open, oldest first (on every page of the list).
    ended_open: list[str]


def periods_page(session: Session, actor: Actor, page: PageRequest) -> PeriodsPage:
    """Every month from the first entry (or first close) to this one, newest first."""
    access.require(actor, access.READ_BOOKS)
    closes = list(session.scalars(select(Period).order_by(Period.month)))
    first = session.scalar(select(func.min(JournalEntry.value_date)))
    marks = session.execute(
        select(JournalEntry.number, JournalEntry.value_date, JournalEntry.event)
        .where(JournalEntry.event.in_((events.FX_REVALUED, events.YEAR_CLOSED)))
        .order_by(JournalEntry.number)
    ).all()
    revaluations: dict[str, list[int]] = {}
    year_closes: dict[str, int] = {}
    for number, value_date, event in marks:
        if event == events.FX_REVALUED:
            revaluations.setdefault(month_of(value_date), []).append(number)
        else:
            year_closes[month_of(value_date)] = number
    now = month_of(today_utc())
    start = min(month_of(first) if first else now, closes[0].month if closes else now, now)
    rows = []
    for month in _months(start, now):
        # The close that covered the month: the first one at or after it (closes are few).
        close = next((c for c in closes if c.month >= month), None)
        state = "closed" if close else ("current" if month == now else "open")
        rows.append(
            MonthRow(
                month=month,
                state=state,
                closed_at=close.closed_at if close else None,
                closed_by=close.closed_by if close else None,
                closed_with=close.month if close else None,
                revaluations=tuple(revaluations.get(month, ())),
                year_close=year_closes.get(month),
            )
        )
    ended_open = [row.month for row in rows if row.state == "open"]
    rows.reverse()
    latest = closes[-1].month if closes else None
    return PeriodsPage(page_of_list(rows, page), latest, ended_open)


def months_closed_by(session: Session, actor: Actor, month: str) -> list[str]:
    """The months that closing the books up to ``month`` closes: each one still open up to
    and including it, oldest first (what the confirmation of a close lists)."""
    access.require(actor, access.READ_BOOKS)
    latest = session.scalar(select(func.max(Period.month)))
    first = session.scalar(select(func.min(JournalEntry.value_date)))
    start = month_of(first) if first else month
    return [m for m in _months(min(start, month), month) if latest is None or m > latest]


# -- the integrity check ------------------------------------------------------------------


def integrity_check(session: Session, actor: Actor, event_id: int | None = None) -> EventRow | None:
    """A recorded run of the integrity check (``event_id``), or the latest; None if none."""
    access.require(actor, access.READ_BOOKS)
    query = select(AuditEvent).where(AuditEvent.action == events.BOOKS_VERIFIED)
    if event_id is not None:
        query = query.where(AuditEvent.id == event_id)
    found = session.scalar(query.order_by(AuditEvent.id.desc()).limit(1))
    return None if found is None else _event_row(found)


# -- the audit log's filters --------------------------------------------------------------


@dataclass(frozen=True)
class AuditChoices:
    actions: list[str]
    subject_types: list[str]
    people: list[str]


def audit_log_choices(session: Session, actor: Actor) -> AuditChoices:
    """What the audit log can be filtered by: the actions, subject types and people in it."""
    access.require(actor, access.READ_BOOKS)

    def distinct(column) -> list[str]:
        return list(session.scalars(select(column).distinct().order_by(column)))

    return AuditChoices(
        distinct(AuditEvent.action), distinct(AuditEvent.subject_type), distinct(AuditEvent.actor)
    )


# -- what a statement can be asked for ---------------------------------------------------


@dataclass(frozen=True)
class StatementChoices:
    #: (code, label) of every active account: the general ledger's choice.
    accounts: list[tuple[str, str]]
    #: (id, code and country): victims by code only, never by name.
    victims: list[tuple[int, str]]
    #: (id, reference and title) of every case, open or closed.
    cases: list[tuple[int, str]]


def statement_choices(session: Session, actor: Actor) -> StatementChoices:
    """The accounts, victims and cases the statements can be asked for; nothing for a court,
    which may have the awards register alone."""
    access.require(actor, access.READ_STATEMENTS)
    if not actor.may(access.READ_BOOKS):
        return StatementChoices([], [], [])
    rows = session.execute(select(Case.id, Case.reference, Case.title).order_by(Case.reference))
    cases = [(case_id, f"{reference}: {title}") for case_id, reference, title in rows]
    return StatementChoices(accounts(session, actor), victims(session, actor), cases)
