"""The audit log: every state change, who made it and when, before and after.

Append-only (database triggers refuse UPDATE and DELETE) and hash-chained
like the journal: ``hash = sha256(prev_hash + canonical JSON of the event)``.
Every service records its own event inside the transaction that makes the
change, whichever door it was called through. :func:`record` takes the
books' lock first (a no-op when the step already holds it), so the chain has
one order however many writers there are.

Never pass a victim's personal data here: ``before``/``after`` are read by
auditors. Victim snapshots carry the code and plain fields only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.access import Actor
from ledger.locks import lock_books
from ledger.models import AuditEvent
from ledger.models.base import utcnow
from ledger.models.journal import GENESIS_HASH


def record(
    session: Session,
    actor: Actor,
    action: str,
    subject_type: str,
    subject_id: object = None,
    *,
    before: Mapping | None = None,
    after: Mapping | None = None,
) -> AuditEvent:
    """Append one event: ``actor`` did ``action`` to ``subject_type`` ``subject_id``."""
    if not isinstance(actor, Actor):
        raise TypeError(f"the audit log records an Actor, not {type(actor).__name__}")
    lock_books(session)
    last = session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    event = AuditEvent(
        id=(last.id + 1) if last else 1,
        occurred_at=utcnow(),
        actor=actor.name,
        action=action,
        subject_type=subject_type,
        subject_id=None if subject_id is None else str(subject_id),
        before=_dumps(before) if before is not None else None,
        after=_dumps(after) if after is not None else None,
        prev_hash=last.hash if last else GENESIS_HASH,
        hash="",
    )
    event.hash = event_hash(event)
    session.add(event)
    session.flush()
    return event


def event_hash(event) -> str:
    document = {
        "id": event.id,
        "occurred_at": event.occurred_at.isoformat(timespec="microseconds"),
        "actor": event.actor,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "before": event.before,
        "after": event.after,
    }
    payload = event.prev_hash + _dumps(document)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


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
