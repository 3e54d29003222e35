"""Compensation awards ordered by courts (SPEC §4, §5).

An award is a liability of the fund from the day it is ordered: 5000 / 2000,
with the award, victim and case as dimensions. A foreign-currency award is
carried at its functional value on the award date; the award's part of 2000
(its subledger) is that carrying value, in functional units and in the
award's currency, and only ever moves towards zero.

``outstanding`` = amount - paid - cancelled, in the award's currency.
A cancellation or reduction takes only what is neither paid nor committed to
a pending (proposed or approved) payment.

A court registers awards in its own name and sees and cancels only those
(:func:`visible_award`); an administrator acts on any award.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache

from sqlalchemy import Integer, String, bindparam, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, make_transient_to_detached

from ledger import access, audit, events, validate
from ledger.access import Actor
from ledger.chart import AWARDS_PAYABLE, COMPENSATION
from ledger.errors import Conflict, Invalid, NotFound
from ledger.fund import functional_currency
from ledger.fx import convert, rate_on, to_functional
from ledger.journal import debit_credit, post_entry, post_step
from ledger.locks import lock_books
from ledger.lookup import fetch
from ledger.models import Account, Award, Case, Disbursement, SubledgerBalance, Victim
from ledger.models.base import summed, utcnow
from ledger.models.registers import PENDING_PAYMENT_STATES
from ledger.money import Money

FIELDS = (
    "case_id",
    "victim_id",
    "order_reference",
    "ordered_on",
    "amount_minor",
    "currency",
    "functional_minor",
    "paid_minor",
    "cancelled_minor",
    "status",
)


def register_award(
    session: Session,
    *,
    actor: Actor,
    case_id: int,
    victim_id: int,
    order_reference: str,
    ordered_on: date,
    amount: Money,
) -> Award:
    """Register an award (a court: in its own name, so that it alone sees it).

    Looked up before the books are locked, in one statement, and without the
    victim's personal data (the code is all the entry names); the award row is
    inserted before the lock too (``ON CONFLICT DO NOTHING``: a concurrent twin is
    refused as a duplicate, not failed on the unique index). Only the entry and the
    audit event are written under the lock.
    """
    access.require(actor, access.REGISTER_AWARDS)
    request = AwardRequest(
        case_id=case_id,
        victim_id=victim_id,
        order_reference=validate.text("order_reference", order_reference, max_length=100),
        ordered_on=validate.not_future("ordered_on", ordered_on),
        amount=validate.positive("amount.amount", amount),
    )
    facts = _lookup(session, request)
    functional = functional_currency(session)
    value = award_value(session, request, facts, functional)
    award = _insert_award(session, actor, request, value, facts)
    post_entry(session, actor=actor, date_field="ordered_on", **award_entry(award, facts))
    _audit(session, actor, events.AWARD_REGISTERED, award, None)
    return award


@dataclass(frozen=True)
class AwardRequest:
    """One award to register, its fields checked on their own (:func:`register_award`)."""

    case_id: object
    victim_id: object
    order_reference: str
    ordered_on: date
    amount: Money


@dataclass(frozen=True)
class AwardFacts:
    """What registering an award needs to know of the records it names."""

    case_opened_on: date | None
    case_reference: str | None
    victim_code: str | None
    duplicate: int | None


def _lookup(session: Session, request: AwardRequest) -> AwardFacts:
    """The case, the victim's code and an earlier award of the order: one statement."""
    row = session.execute(
        _lookup_statement(),
        {
            "case_id": valid_id(request.case_id),
            "victim_id": valid_id(request.victim_id),
            "order_reference": request.order_reference,
        },
    ).one()
    return AwardFacts(*row)


@cache
def _lookup_statement():
    """:func:`_lookup`'s statement, built once: an award's registration is the hot path of
    the API and of imports, and building four subqueries on every call cost more Python
    than executing them (issue 11)."""
    case_id = bindparam("case_id", type_=Integer)
    victim_id = bindparam("victim_id", type_=Integer)
    reference = bindparam("order_reference", type_=String)
    return select(
        select(Case.opened_on).where(Case.id == case_id).scalar_subquery(),
        select(Case.reference).where(Case.id == case_id).scalar_subquery(),
        select(Victim.code).where(Victim.id == victim_id).scalar_subquery(),
        select(Award.id)
        .where(Award.victim_id == victim_id, Award.order_reference == reference)
        .scalar_subquery(),
    )


def valid_id(value: object) -> int:
    """An id as :func:`ledger.lookup.fetch` accepts it, else 0 (which matches no row)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31:
        return value
    return 0


def award_value(
    session: Session,
    request: AwardRequest,
    facts: AwardFacts,
    functional: str,
    rates: dict | None = None,
) -> int:
    """Refuse the award as :func:`register_award` must; its functional value (``rates``:
    the rates a batch has looked up already, by currency and day)."""
    if facts.case_reference is None:
        raise Invalid.field("case_id", f"case {request.case_id} does not exist")
    if facts.victim_code is None:
        raise Invalid.field("victim_id", f"victim {request.victim_id} does not exist")
    if request.ordered_on < facts.case_opened_on:
        raise Invalid.field("ordered_on", "cannot be before the case was opened")
    if facts.duplicate is not None:
        raise _duplicate(facts.duplicate, request.order_reference, facts.victim_code)
    amount, day = request.amount, request.ordered_on
    if rates is None or amount.currency == functional:
        value = to_functional(session, amount, day, functional)
    else:
        if (amount.currency, day) not in rates:
            rates[(amount.currency, day)] = rate_on(
                session, amount.currency, day, "amount.currency"
            )
        value = convert(amount, rates[(amount.currency, day)].rate, functional).minor
    if value <= 0:
        raise Invalid.field("amount.amount", "is worth less than one functional minor unit")
    return value


def _duplicate(award_id: object, order_reference: str, victim_code: str) -> Conflict:
    return Conflict(
        f"award {award_id} already registers order {order_reference} for {victim_code}",
        {"order_reference": ["already registered for this victim"]},
    )


def award_row(author: Actor, request: AwardRequest, functional_minor: int) -> dict:
    """The ``awards`` row of a new award (as :func:`register_award` inserts it)."""
    return {
        "case_id": request.case_id,
        "victim_id": request.victim_id,
        "order_reference": request.order_reference,
        "ordered_on": request.ordered_on,
        "amount_minor": request.amount.minor,
        "currency": request.amount.currency,
        "functional_minor": functional_minor,
        "paid_minor": 0,
        "cancelled_minor": 0,
        "status": "registered",
        "registered_by": author.name,
        "court_user_id": author.court_scope,
        "created_at": utcnow(),
    }


def _insert_award(
    session: Session, actor: Actor, request: AwardRequest, value: int, facts: AwardFacts
) -> Award:
    row = award_row(actor, request, value)
    award_id = session.execute(_insert_statement(session.get_bind().dialect.name), row).scalar()
    if award_id is None:  # a concurrent twin committed first
        earlier = session.scalar(
            select(Award.id).where(
                Award.victim_id == request.victim_id,
                Award.order_reference == request.order_reference,
            )
        )
        raise _duplicate(earlier, request.order_reference, facts.victim_code)
    return persistent_award(session, award_id, row)


@cache
def _insert_statement(dialect: str):
    """The award's ``INSERT … ON CONFLICT DO NOTHING RETURNING id``, built once per engine
    kind; its values come as parameters (:func:`award_row`'s keys)."""
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(Award.__table__)
        .on_conflict_do_nothing(index_elements=["victim_id", "order_reference"])
        .returning(Award.__table__.c.id)
    )


def persistent_award(session: Session, award_id: int, row: dict) -> Award:
    """The ORM object of an award just inserted with Core, without reading it back."""
    award = Award(id=award_id, **row)
    make_transient_to_detached(award)
    session.add(award)
    return award


def award_entry(award: Award, facts: AwardFacts) -> dict:
    """The entry an award's registration posts: 5000 / 2000 at its functional value."""
    amount = Money(award.amount_minor, award.currency)
    return {
        "value_date": award.ordered_on,
        "event": events.AWARD_REGISTERED,
        "source": ("award", award.id),
        "memo": (
            f"Award to {facts.victim_code} under order {award.order_reference}"
            f" (case {facts.case_reference})"
        ),
        "lines": debit_credit(
            COMPENSATION, AWARDS_PAYABLE, award.functional_minor, amount, **dimensions(award)
        ),
    }


def get_award(session: Session, award_id: object, field: str | None = None) -> Award:
    return fetch(session, Award, award_id, "award", field)


def visible_award(
    session: Session, actor: Actor, award_id: object, field: str | None = None, *, fresh=False
) -> Award:
    """The award if ``actor`` may see it: a court only its own, as if the others did not exist."""
    access.require(actor, access.READ_REGISTERS)
    award = fetch(session, Award, award_id, "award", field, fresh=fresh)
    if actor.court_scope is not None and award.court_user_id != actor.court_scope:
        if field is not None:
            raise Invalid.field(field, f"award {award_id} does not exist")
        raise NotFound(f"award {award_id} does not exist")
    return award


def pending_minor(session: Session, award_id: int) -> int:
    """What proposed and approved payments of the award already commit (award currency)."""
    return session.scalar(
        select(summed(Disbursement.amount_minor)).where(
            Disbursement.award_id == award_id, Disbursement.status.in_(PENDING_PAYMENT_STATES)
        )
    )


def carrying_value(session: Session, award: Award) -> tuple[int, int]:
    """(functional, original) still carried in 2000 for the award, both positive."""
    row = session.scalar(
        select(SubledgerBalance)
        .join(Account, Account.id == SubledgerBalance.account_id)
        .where(Account.code == AWARDS_PAYABLE, SubledgerBalance.award_id == award.id)
        .execution_options(populate_existing=True)
    )
    if row is None:
        return 0, 0
    return -row.balance, -row.original_balance


def relief_for(session: Session, award: Award, part: int) -> int:
    """The functional carrying value that ``part`` (award currency) of the award relieves.

    Proportional to what is still carried; the last part relieves exactly what
    is left, so a fully settled award leaves zero behind, in both units.
    """
    carried, original = carrying_value(session, award)
    if part > original:
        raise Invalid.field("amount.amount", "exceeds what the fund still owes on the award")
    if part == original:
        return carried
    share = (Decimal(carried) * part / original).quantize(Decimal(1), ROUND_HALF_EVEN)
    return int(share)


def cancel_award(
    session: Session,
    *,
    actor: Actor,
    award_id: int,
    effective_on: date,
    reason: str,
    amount: Money | None = None,
) -> Award:
    """Cancel the unpaid part of an award, or reduce it by ``amount``: 2000 / 5000."""
    access.require(actor, access.REGISTER_AWARDS)
    reason = validate.text("reason", reason, max_length=500)
    validate.not_future("effective_on", effective_on)
    lock_books(session)
    award = visible_award(session, actor, award_id, fresh=True)
    before = audit.snapshot(award, FIELDS)
    if award.status in ("paid", "cancelled"):
        raise Conflict(f"award {award.id} is {award.status}", {"status": [f"is {award.status}"]})
    if effective_on < award.ordered_on:
        raise Invalid.field("effective_on", "cannot be before the award was ordered")
    free = award.outstanding_minor - pending_minor(session, award.id)
    if amount is None:
        part = free
    else:
        validate.same_currency("amount", amount, award.currency)
        validate.positive("amount.amount", amount)
        part = amount.minor
    if part <= 0 or part > free:
        raise Invalid.field(
            "amount.amount",
            f"only {Money(max(free, 0), award.currency).amount_string()} {award.currency} "
            "is neither paid nor committed to a pending payment",
        )
    relief = relief_for(session, award, part)
    part_money = Money(part, award.currency)
    lines = debit_credit(AWARDS_PAYABLE, COMPENSATION, relief, part_money, **dimensions(award))
    memo = f"Award {award.id} {'cancelled' if part == free else 'reduced'}: {reason}"
    dated = (effective_on, "effective_on")
    post_step(
        session, actor, events.AWARD_CANCELLED, dated, memo, lines, source=("award", award.id)
    )
    award.cancelled_minor += part
    refresh_status(award)
    _audit(session, actor, events.AWARD_CANCELLED, award, before, reason=reason)
    return award


def dimensions(award: Award) -> dict[str, int]:
    """Every leg an award's money moves on names the award, its victim and its case."""
    return {"award_id": award.id, "victim_id": award.victim_id, "case_id": award.case_id}


def status_of(paid: int, outstanding: int) -> str:
    """The status that what is paid and still outstanding imply (award currency units)."""
    if outstanding == 0:
        return "paid" if paid else "cancelled"
    return "partially_paid" if paid else "registered"


def refresh_status(award: Award) -> None:
    award.status = status_of(award.paid_minor, award.outstanding_minor)


def _audit(session: Session, actor: Actor, action: str, award: Award, before, **extra) -> None:
    audit.record_change(session, actor, action, "award", award, FIELDS, before, **extra)
