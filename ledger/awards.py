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

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import access, audit, events, validate
from ledger.access import Actor
from ledger.cases import get_case
from ledger.chart import AWARDS_PAYABLE, COMPENSATION
from ledger.errors import Conflict, Invalid, NotFound
from ledger.fund import functional_currency
from ledger.fx import to_functional
from ledger.journal import debit_credit, post_entry
from ledger.locks import lock_books
from ledger.lookup import fetch
from ledger.models import Account, Award, Disbursement, SubledgerBalance
from ledger.models.base import summed
from ledger.models.registers import PENDING_PAYMENT_STATES
from ledger.money import Money
from ledger.victims import get_victim

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
    """Register an award (a court: in its own name, so that it alone sees it)."""
    access.require(actor, access.REGISTER_AWARDS)
    order_reference = validate.text("order_reference", order_reference, max_length=100)
    validate.not_future("ordered_on", ordered_on)
    validate.positive("amount.amount", amount)
    lock_books(session)
    case = get_case(session, case_id, "case_id")
    victim = get_victim(session, victim_id, "victim_id")
    if ordered_on < case.opened_on:
        raise Invalid.field("ordered_on", "cannot be before the case was opened")
    duplicate = session.scalar(
        select(Award.id).where(
            Award.victim_id == victim.id, Award.order_reference == order_reference
        )
    )
    if duplicate is not None:
        raise Conflict(
            f"award {duplicate} already registers order {order_reference} for {victim.code}",
            {"order_reference": ["already registered for this victim"]},
        )
    functional = to_functional(session, amount, ordered_on, functional_currency(session))
    if functional <= 0:
        raise Invalid.field("amount.amount", "is worth less than one functional minor unit")
    award = Award(
        case_id=case.id,
        victim_id=victim.id,
        order_reference=order_reference,
        ordered_on=ordered_on,
        amount_minor=amount.minor,
        currency=amount.currency,
        functional_minor=functional,
        paid_minor=0,
        cancelled_minor=0,
        status="registered",
        registered_by=actor.name,
        court_user_id=actor.court_scope,
    )
    session.add(award)
    session.flush()
    lines = debit_credit(COMPENSATION, AWARDS_PAYABLE, functional, amount, **dimensions(award))
    post_entry(
        session,
        actor=actor,
        value_date=ordered_on,
        event=events.AWARD_REGISTERED,
        source=("award", award.id),
        memo=f"Award to {victim.code} under order {order_reference} (case {case.reference})",
        lines=lines,
        date_field="ordered_on",
    )
    _audit(session, actor, events.AWARD_REGISTERED, award, None)
    return award


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
    post_entry(
        session,
        actor=actor,
        value_date=effective_on,
        event=events.AWARD_CANCELLED,
        source=("award", award.id),
        lines=lines,
        memo=f"Award {award.id} {'cancelled' if part == free else 'reduced'}: {reason}",
        date_field="effective_on",
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
    after = audit.snapshot(award, FIELDS) | extra
    audit.record(session, actor, action, "award", award.id, before=before, after=after)
