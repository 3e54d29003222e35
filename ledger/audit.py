"""The audit log: every state change, who made it and when, before and after.

Append-only (database triggers refuse UPDATE and DELETE) and hash-chained
like the journal: ``hash = sha256(prev_hash + canonical JSON of the event)``.
Every service records its own event inside the transaction that makes the
change, whichever door it was called through. :func:`record` builds the
event's JSON first, then takes the books' lock (once per transaction: a no-op
when the step already holds it), so the chain has one order however many
writers there are; :func:`record_prepared` chains many events in one insert
(a batch).

Never pass a victim's personal data here: ``before``/``after`` are read by
auditors. Victim snapshots carry the code and plain fields only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime
from types import SimpleNamespace

from sqlalchemy import func, select
from sqlalchemy.orm import Session, make_transient_to_detached

from ledger.access import Actor
from ledger.locks import lock_books
from ledger.models import AuditEvent
from ledger.models.base import utcnow
from ledger.models.journal import GENESIS_HASH
from ledger.posting_sql import AUDIT_COLUMNS, insert_audit_events

#: Stands for the event's id while its JSON is built before the lock (written once, as digits).
_MARKER = -987654321


def record(
    session: Session, actor: Actor, action: str, subject_type: str, subject_id=None, **change
) -> AuditEvent:
    """Append one event: ``actor`` did ``action`` to ``subject_type`` ``subject_id``;
    ``change``: its ``before`` and ``after``, as :func:`prepare` takes them."""
    prepared = prepare(session, actor, action, subject_type, subject_id, **change)
    return record_prepared(session, [prepared])[0]


def record_change(
    session: Session,
    author: Actor,
    action: str,
    subject_type: str,
    row,
    fields: tuple[str, ...],
    before: Mapping | None = None,
    **extra,
) -> AuditEvent:
    """Append the event of ``author``'s step on a register's ``row``: its ``fields`` as they were
    (``before``, a :func:`snapshot`; None for a new row) and as they are now, with ``extra``
    (the step's own facts, such as a reason) added after. Every register audits its steps so."""
    after = snapshot(row, fields) | extra
    return record(session, author, action, subject_type, row.id, before=before, after=after)


def prepare(
    session: Session,
    author: Actor,
    action: str,
    subject_type: str,
    subject_id: object = None,
    *,
    before: Mapping | None = None,
    after: Mapping | None = None,
) -> tuple:
    """An event built before the lock: its JSON but for its id and the previous hash."""
    if not isinstance(author, Actor):
        raise TypeError(f"the audit log records an Actor, not {type(author).__name__}")
    event = SimpleNamespace(
        id=_MARKER,
        occurred_at=utcnow(),
        actor=author.name,
        action=action,
        subject_type=subject_type,
        subject_id=None if subject_id is None else str(subject_id),
        before=_dumps(before) if before is not None else None,
        after=_dumps(after) if after is not None else None,
    )
    first, found, second = _dumps(_document(event)).partition(f'"id":{_MARKER}')
    assert found, "the audit event's JSON lost its id"
    return event, (first + '"id":', second)


def record_prepared(
    session: Session, prepared: list[tuple], *, objects: bool = True
) -> list[AuditEvent]:
    """Chain and insert prepared events under the books' lock, in one statement
    (``objects=False``: no ORM objects, an empty list)."""
    books = lock_books(session)
    if not books.tail_known:
        from ledger.posting import _read_unknown

        _read_unknown(session, books, [])
    rows, made = [], []
    last_id, last_hash = books.audit_id, books.audit_hash
    for event, (first, second) in prepared:
        last_id += 1
        payload = last_hash + first + str(last_id) + second
        digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()
        rows.append(
            (
                last_id,
                event.occurred_at,
                event.actor,
                event.action,
                event.subject_type,
                event.subject_id,
                event.before,
                event.after,
                last_hash,
                digest,
            )
        )
        last_hash = digest
    insert_audit_events(session, rows)
    books.audit_id, books.audit_hash = last_id, last_hash
    if not objects:
        return made
    for row in rows:
        obj = AuditEvent(**dict(zip(AUDIT_COLUMNS, row, strict=True)))
        make_transient_to_detached(obj)
        session.add(obj)
        made.append(obj)
    return made


def event_hash(event) -> str:
    payload = event.prev_hash + _dumps(_document(event))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _document(event) -> dict:
    return {
        "id": event.id,
        "occurred_at": event.occurred_at.isoformat(timespec="microseconds"),
        "actor": event.actor,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "before": event.before,
        "after": event.after,
    }


def verify_audit_log(session: Session) -> list[str]:
    """Problems in the audit chain, first wrong event first (empty when intact)."""
    problems = []
    prev, expected = GENESIS_HASH, 1
    for event in session.execute(select(AuditEvent.__table__).order_by(AuditEvent.id)):
        if event.id != expected:
            problems.append(f"audit event {event.id}: numbering gap, expected {expected}")
        if event.prev_hash != prev or event_hash(event) != event.hash:
            problems.append(f"audit event {event.id}: hash chain broken (altered?)")
        prev, expected = event.hash, event.id + 1
    return problems


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def snapshot(obj, fields: tuple[str, ...]) -> dict:
    """The named attributes of a register row, JSON-ready."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def _plain(value):
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _dumps(document) -> str:
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain
    )
