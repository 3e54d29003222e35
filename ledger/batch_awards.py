"""Many awards in one go: a spreadsheet import or a historical load (issue 11).

:func:`register_awards` leaves exactly the books that :func:`ledger.awards.register_award`
called once per row would (the same awards, entries, numbers, balances and audit
events; only the clock differs), in a handful of statements: the cases, victims and
earlier awards looked up in three, the awards inserted in one, their entries
posted as one batch under one lock (:func:`ledger.journal.post_entries`) and their
audit events chained in one insert. All or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledger import access, audit, events
from ledger.access import Actor
from ledger.awards import (
    FIELDS,
    AwardFacts,
    AwardRequest,
    award_entry,
    award_row,
    award_value,
    persistent_award,
    valid_id,
)
from ledger.errors import Conflict, LedgerError, PeriodClosed
from ledger.fund import functional_currency
from ledger.journal import post_entries, prepare_entry
from ledger.models import Award, Case, Victim
from ledger.periods import latest_closed, month_of


def register_awards(
    session: Session, requests: Sequence[AwardRequest], *, author: Actor
) -> list[Award]:
    """Many awards in one go (a spreadsheet import, a historical load): the books
    :func:`register_award` one by one would leave, in a handful of statements and under
    one lock. All or nothing: any refusal raises :class:`BatchRefused` with every
    row's refusal, and nothing is written."""
    plan = check_awards(session, requests, author=author)
    if plan.refusals:
        raise BatchRefused(plan.refusals)
    return take_awards(session, plan, author=author)


class BatchRefused(LedgerError):
    """Some rows of a batch were refused: ``refusals`` maps each row's index to its refusal."""

    def __init__(self, refusals: dict[int, LedgerError]):
        first = min(refusals)
        super().__init__(f"row {first}: {refusals[first].detail}", refusals[first].errors)
        self.refusals = refusals


@dataclass
class AwardPlan:
    """A batch worked out (:func:`check_awards`): what to insert, or why not."""

    requests: list[AwardRequest]
    facts: list[AwardFacts]
    values: list[int]
    refusals: dict[int, LedgerError]


def check_awards(session: Session, requests: Sequence[AwardRequest], *, author: Actor) -> AwardPlan:
    """Every refusal :func:`register_award` would give each request, taken in order (a
    later row repeating an earlier row's order is a duplicate), writing nothing."""
    access.require(author, access.REGISTER_AWARDS)
    requests = list(requests)
    functional = functional_currency(session)
    facts = _lookup_many(session, requests)
    closed = latest_closed(session)
    rates: dict = {}
    seen: dict[tuple, int] = {}
    values, refusals = [], {}
    for index, (request, fact) in enumerate(zip(requests, facts, strict=True)):
        try:
            key = (request.victim_id, request.order_reference)
            if fact.duplicate is None and key in seen:
                fact = AwardFacts(
                    fact.case_opened_on, fact.case_reference, fact.victim_code, seen[key]
                )
            value = award_value(session, request, fact, functional, rates)
            if closed is not None and month_of(request.ordered_on) <= closed:
                month = month_of(request.ordered_on)
                raise PeriodClosed(
                    f"{month} is closed: no entry can be dated {request.ordered_on.isoformat()}",
                    {"ordered_on": [f"{month} is closed"]},
                )
            seen.setdefault(key, f"of row {index + 1}")
            values.append(value)
        except LedgerError as exc:
            refusals[index] = exc
            values.append(0)
    return AwardPlan(requests, facts, values, refusals)


def take_awards(session: Session, plan: AwardPlan, *, author: Actor, objects: bool = True) -> list:
    """Insert a checked plan's awards, post their entries and audit them, as one batch;
    the awards (``objects=False``: their ids only, no ORM objects)."""
    assert not plan.refusals, "a refused plan cannot be taken"
    rows = [award_row(author, r, v) for r, v in zip(plan.requests, plan.values, strict=True)]
    if not rows:
        return []
    table = Award.__table__
    try:
        with session.begin_nested():
            ids = (
                session.execute(
                    insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
                )
                .scalars()
                .all()
            )
    except IntegrityError:
        raise Conflict(
            "another registration of one of these orders was committed meanwhile: try again",
            {"order_reference": ["already registered for this victim"]},
        ) from None
    made = [SimpleNamespace(id=i, **row) for i, row in zip(ids, rows, strict=True)]
    prepared = [
        prepare_entry(session, author=author, date_field="ordered_on", **award_entry(award, facts))
        for award, facts in zip(made, plan.facts, strict=True)
    ]
    post_entries(session, prepared, objects=False)
    audit.record_prepared(
        session,
        [
            audit.prepare(
                session,
                author,
                events.AWARD_REGISTERED,
                "award",
                award.id,
                after=audit.snapshot(award, FIELDS),
            )
            for award in made
        ],
        objects=False,
    )
    if not objects:
        return ids
    return [persistent_award(session, award.id, row) for award, row in zip(made, rows, strict=True)]


def _lookup_many(session: Session, requests: list[AwardRequest]) -> list[AwardFacts]:
    """:func:`_lookup` for many requests, in three statements."""
    case_ids = sorted({valid_id(r.case_id) for r in requests})
    victim_ids = sorted({valid_id(r.victim_id) for r in requests})
    cases = {
        row.id: row
        for row in session.execute(
            select(Case.id, Case.opened_on, Case.reference).where(Case.id.in_(case_ids))
        )
    }
    found = session.execute(select(Victim.id, Victim.code).where(Victim.id.in_(victim_ids)))
    codes = {victim_id: code for victim_id, code in found}
    earlier = {
        (victim, reference): award_id
        for victim, reference, award_id in session.execute(
            select(Award.victim_id, Award.order_reference, Award.id).where(
                Award.victim_id.in_(victim_ids)
            )
        )
    }
    out = []
    for r in requests:
        case = cases.get(valid_id(r.case_id))
        out.append(
            AwardFacts(
                case.opened_on if case else None,
                case.reference if case else None,
                codes.get(valid_id(r.victim_id)),
                earlier.get((valid_id(r.victim_id), r.order_reference)),
            )
        )
    return out
