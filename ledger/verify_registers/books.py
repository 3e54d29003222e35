"""What the journal and the audit log say, read once and indexed for every check.

One query per table, rows streamed: the entries a register step could have
posted (with their legs summed per account) and the audit events on register
subjects (first actor, last ``after``, every step by action).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import events
from ledger.chart import AWARDS_PAYABLE
from ledger.models import Account, AuditEvent, Fund, JournalEntry, Posting
from ledger.money import Money, format_amount

#: Register steps that post an entry sourced to their record (and record an event on it).
SOURCED_EVENTS = frozenset(
    {
        events.AWARD_REGISTERED,
        events.AWARD_CANCELLED,
        events.PAYMENT_PAID,
        events.PAYMENT_RETURNED,
        events.ASSET_SEIZED,
        events.ASSET_FORFEITED,
        events.ASSET_LIQUIDATED,
        events.ASSET_RELEASED,
        events.RECEIPT_RECORDED,
        events.EXPENSE_RECORDED,
    }
)
#: Steps on the journal itself: the audit event names the entry by number.
JOURNAL_EVENTS = frozenset({events.MANUAL_ENTRY, events.ENTRY_REVERSED})
#: Period steps: the audit event's ``after`` names the entry (or none).
PERIOD_EVENTS = frozenset({events.FX_REVALUED, events.YEAR_CLOSED})

#: The audit subjects a register row is known by.
_SUBJECTS = (
    "award",
    "disbursement",
    "asset",
    "receipt",
    "expense",
    "case",
    "victim",
    "distribution",
    "account",
    "period",
    "journal_entry",
)


@dataclass
class Entry:
    number: int
    event: str
    source: tuple[str, str] | None
    reverses: int | None
    value_date: object
    memo: str
    #: account code -> [functional sum, original sum, currencies]
    legs: dict[str, list] = field(default_factory=dict)
    #: every (dimension, value) its legs name
    dims: set[tuple[str, int]] = field(default_factory=set)

    def amount(self, code: str) -> int:
        return self.legs.get(code, [0, 0, set()])[0]

    def original(self, code: str) -> int:
        return self.legs.get(code, [0, 0, set()])[1]

    def currencies(self, code: str) -> set[str]:
        return self.legs.get(code, [0, 0, set()])[2]

    def named(self, dim: str) -> set[int]:
        """The values of one dimension (award_id, case_id, …) its legs name."""
        return {value for d, value in self.dims if d == dim}


class Books:
    """What the journal and the audit log say, read once, indexed for the checks."""

    def __init__(self, session: Session):
        self.functional = session.scalar(select(Fund.functional_currency)) or "EUR"
        self.entries: dict[int, Entry] = {}
        self.by_source: dict[tuple[str, str], list[Entry]] = defaultdict(list)
        self.by_event: dict[str, list[Entry]] = defaultdict(list)
        #: award id -> every 2000 leg naming it: (entry number, event, functional, original)
        self.award_legs: dict[int, list[tuple[int, str, int, int]]] = defaultdict(list)
        self._read_journal(session)
        #: (subject type, id) -> (event id, action, after) of the last event with an ``after``
        self.last: dict[tuple[str, str], tuple[int, str, str]] = {}
        #: (subject type, id) -> (event id, actor) of the first event on it
        self.first: dict[tuple[str, str], tuple[int, str]] = {}
        #: (action, subject type, id) -> event ids
        self.steps: dict[tuple[str, str, str], list[int]] = defaultdict(list)
        self.actors: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        #: entry number -> the period event (id) that names it
        self.period_entries: dict[int, list[tuple[int, str]]] = defaultdict(list)
        self._read_audit(session)

    def _read_journal(self, session: Session) -> None:
        e = JournalEntry.__table__.c
        for row in session.execute(
            select(e.number, e.event, e.source_type, e.source_id, e.reverses, e.value_date, e.memo)
            .where(
                e.source_type.is_not(None)
                | e.event.in_(JOURNAL_EVENTS | PERIOD_EVENTS | SOURCED_EVENTS)
            )
            .order_by(e.number)
        ):
            source = (row.source_type, str(row.source_id)) if row.source_type else None
            entry = Entry(
                row.number, row.event, source, row.reverses, row.value_date, row.memo or ""
            )
            self.entries[row.number] = entry
            self.by_event[row.event].append(entry)
            if source:
                self.by_source[source].append(entry)
        pt, at, jt = Posting.__table__, Account.__table__, JournalEntry.__table__
        p, a, j = pt.c, at.c, jt.c
        dims = ("award_id", "victim_id", "case_id", "asset_id")
        for row in session.execute(
            select(
                p.entry_number,
                a.code,
                p.amount,
                p.original_amount,
                p.currency,
                *(p[d] for d in dims),
            )
            .join(at, a.id == p.account_id)
            .join(jt, j.number == p.entry_number)
            .where(j.source_type.is_not(None) | (a.code == AWARDS_PAYABLE))
        ):
            entry = self.entries.get(row.entry_number)
            if entry is not None:
                leg = entry.legs.setdefault(row.code, [0, 0, set()])
                leg[0] += row.amount
                leg[1] += row.original_amount
                leg[2].add(row.currency)
                entry.dims.update((d, getattr(row, d)) for d in dims if getattr(row, d) is not None)
            if row.code == AWARDS_PAYABLE and row.award_id is not None:
                event = entry.event if entry else ""
                self.award_legs[row.award_id].append(
                    (row.entry_number, event, row.amount, row.original_amount)
                )

    def _read_audit(self, session: Session) -> None:
        t = AuditEvent.__table__.c
        for row in session.execute(
            select(t.id, t.action, t.subject_type, t.subject_id, t.actor, t.after)
            .where(t.subject_type.in_(_SUBJECTS))
            .order_by(t.id)
        ):
            subject = (row.subject_type, row.subject_id or "")
            self.first.setdefault(subject, (row.id, row.actor))
            if row.after is not None:
                self.last[subject] = (row.id, row.action, row.after)
            key = (row.action, *subject)
            self.steps[key].append(row.id)
            self.actors[key].append(row.actor)
            if row.action in PERIOD_EVENTS and row.after:
                number = loads(row.after).get("entry")
                if isinstance(number, int):
                    self.period_entries[number].append((row.id, row.action))

    def sourced(self, source_type: str, source_id: int, event: str) -> list[Entry]:
        return [
            e for e in self.by_source.get((source_type, str(source_id)), []) if e.event == event
        ]

    def money(self, minor: int | None, currency: str | None) -> str:
        if minor is None:
            return "none"
        try:
            currency = currency or self.functional
            return f"{format_amount(Money(minor, currency))} {currency}"
        except Exception:  # an unknown currency written behind the back: show the units
            return f"{minor} (minor units) {currency}"


def loads(text: str) -> dict:
    """An audit event's ``after`` as a dict; anything else (tampered text) as empty."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}
