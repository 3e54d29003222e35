"""Cases: the criminal procedures that seized assets and awards belong to."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import access, audit, events, validate
from ledger.access import Actor
from ledger.errors import Conflict
from ledger.locks import lock_books
from ledger.lookup import fetch
from ledger.models import Case

FIELDS = ("reference", "court", "title", "jurisdiction", "opened_on", "status")


def open_case(
    session: Session,
    *,
    actor: Actor,
    reference: str,
    court: str,
    title: str,
    jurisdiction: str,
    opened_on: date,
) -> Case:
    access.require(actor, access.MANAGE_CASES)
    reference = validate.text("reference", reference, max_length=64)
    values = {
        "court": validate.text("court", court, max_length=200),
        "title": validate.text("title", title, max_length=300),
        "jurisdiction": validate.text("jurisdiction", jurisdiction, max_length=100),
        "opened_on": validate.not_future("opened_on", opened_on),
    }
    lock_books(session)
    if session.scalar(select(Case.id).where(Case.reference == reference)) is not None:
        raise Conflict(f"case {reference} already exists", {"reference": ["already exists"]})
    case = Case(reference=reference, status="open", **values)
    session.add(case)
    session.flush()
    audit.record(
        session, actor, events.CASE_OPENED, "case", case.id, after=audit.snapshot(case, FIELDS)
    )
    return case


def get_case(session: Session, case_id: object, field: str | None = None) -> Case:
    return fetch(session, Case, case_id, "case", field)
