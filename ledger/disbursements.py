"""Payments of awards, with four eyes (SPEC §4, §5).

``proposed → approved → paid → returned``, or ``proposed → rejected``.

- A proposal may not exceed what is outstanding on the award less what
  pending proposals already commit, nor the fund's free cash: the bank
  balance less the functional estimate of every pending payment.
- The proposer can never approve their own proposal (403), and the database
  refuses it too (CHECK ``four_eyes``).
- Execution posts: 2000 at the carrying value relieved / 1000 the amount the
  bank debited; 5300 / 1000 for the fee; the difference between carrying
  value and amount debited to 5400 (loss) or 4400 (gain).
- A returned payment reverses that entry except the fee; the award is
  outstanding again.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import audit, validate
from ledger.awards import PAYABLE, PENDING, get_award, pending_minor, refresh_status, relief_for
from ledger.balances import current_balances
from ledger.bank import MAIN_BANK
from ledger.errors import Conflict, Forbidden, Invalid
from ledger.fund import functional_currency
from ledger.fx import to_functional
from ledger.journal import Line, get_entry, post_entry
from ledger.locks import lock_books
from ledger.lookup import fetch
from ledger.models import Award, Disbursement
from ledger.models.base import summed, utcnow
from ledger.models.registers import PAYMENT_METHODS
from ledger.money import Money

BANK_CHARGES, FX_GAIN, FX_LOSS = "5300", "4400", "5400"
FIELDS = (
    "award_id",
    "distribution_id",
    "amount_minor",
    "currency",
    "estimate_minor",
    "method",
    "status",
    "proposed_by",
    "approved_by",
    "rejected_by",
    "rejection_reason",
    "paid_on",
    "bank_reference",
    "debited_minor",
    "fee_minor",
    "payment_entry",
    "returned_on",
    "return_reason",
    "return_entry",
)


def get_disbursement(session: Session, disbursement_id: object) -> Disbursement:
    return fetch(session, Disbursement, disbursement_id, "disbursement")


def free_cash(session: Session) -> int:
    """Fund bank balance (functional) less what pending payments are expected to take."""
    committed = session.scalar(
        select(summed(Disbursement.estimate_minor)).where(Disbursement.status.in_(PENDING))
    )
    return current_balances(session).get(MAIN_BANK, 0) - committed


def propose_disbursement(
    session: Session,
    *,
    actor: str,
    award_id: int,
    amount: Money,
    method: str,
    on: date,
    distribution_id: int | None = None,
) -> Disbursement:
    if method not in PAYMENT_METHODS:
        raise Invalid.field("method", f"must be one of {', '.join(PAYMENT_METHODS)}")
    validate.positive("amount.amount", amount)
    lock_books(session)
    award = get_award(session, award_id, "award_id")
    session.refresh(award)
    validate.same_currency("amount", amount, award.currency)
    if award.status == "cancelled" or award.outstanding_minor == 0:
        raise Conflict(f"award {award.id} is {award.status}: nothing is outstanding")
    free = award.outstanding_minor - pending_minor(session, award.id)
    if amount.minor > free:
        raise Invalid.field(
            "amount.amount",
            f"exceeds what is outstanding on award {award.id} and not yet proposed "
            f"({Money(max(free, 0), award.currency).amount_string()} {award.currency})",
        )
    estimate = _estimate(session, award, amount, on)
    available = free_cash(session)
    if estimate > available:
        raise Invalid.field(
            "amount.amount",
            "exceeds the fund's available cash "
            f"({Money(max(available, 0), functional_currency(session)).amount_string()} "
            "after pending payments)",
        )
    disbursement = Disbursement(
        award_id=award.id,
        distribution_id=distribution_id,
        amount_minor=amount.minor,
        currency=amount.currency,
        estimate_minor=estimate,
        method=method,
        status="proposed",
        proposed_by=actor,
        proposed_at=utcnow(),
    )
    session.add(disbursement)
    session.flush()
    _audit(session, actor, "disbursement.proposed", disbursement, None)
    return disbursement


def _estimate(session: Session, award: Award, amount: Money, on: date) -> int:
    """The functional cash a payment is expected to take: at today's rate, if there is one."""
    functional = functional_currency(session)
    if amount.currency == functional:
        return amount.minor
    return to_functional(session, amount, on, functional)


def approve_disbursement(session: Session, *, actor: str, disbursement_id: int) -> Disbursement:
    lock_books(session)
    disbursement = _fresh(session, disbursement_id)
    before = _snapshot(disbursement)
    _require(disbursement, "proposed", "approved")
    if disbursement.proposed_by == actor:
        raise Forbidden("four eyes: a proposal must be approved by another administrator")
    disbursement.status = "approved"
    disbursement.approved_by = actor
    disbursement.approved_at = utcnow()
    _audit(session, actor, "disbursement.approved", disbursement, before)
    return disbursement


def reject_disbursement(
    session: Session, *, actor: str, disbursement_id: int, reason: str | None = None
) -> Disbursement:
    reason = validate.text("reason", reason, max_length=500, required=False)
    lock_books(session)
    disbursement = _fresh(session, disbursement_id)
    before = _snapshot(disbursement)
    _require(disbursement, "proposed", "rejected")
    if disbursement.proposed_by == actor:
        raise Forbidden("four eyes: a proposal must be rejected by another administrator")
    disbursement.status = "rejected"
    disbursement.rejected_by = actor
    disbursement.rejection_reason = reason
    _audit(session, actor, "disbursement.rejected", disbursement, before)
    return disbursement


def execute_disbursement(
    session: Session,
    *,
    actor: str,
    disbursement_id: int,
    paid_on: date,
    bank_reference: str,
    debited: Money,
    fee: Money,
) -> Disbursement:
    """Record the bank's execution of an approved payment and post it."""
    bank_reference = validate.text("bank_reference", bank_reference, max_length=100)
    validate.not_future("paid_on", paid_on)
    lock_books(session)
    functional = functional_currency(session)
    validate.same_currency("debited", debited, functional)
    validate.same_currency("fee", fee, functional)
    validate.positive("debited.amount", debited)
    if fee.minor < 0:
        raise Invalid.field("fee.amount", "must not be negative")
    disbursement = _fresh(session, disbursement_id)
    before = _snapshot(disbursement)
    _require(disbursement, "approved", "executed")
    award = disbursement.award
    session.refresh(award)
    if paid_on < award.ordered_on:
        raise Invalid.field("paid_on", "cannot be before the award was ordered")
    relief = relief_for(session, award, disbursement.amount_minor)
    if award.currency == functional and debited.minor != disbursement.amount_minor:
        raise Invalid.field(
            "debited.amount",
            f"a {functional} payment debits exactly its amount "
            f"({Money(disbursement.amount_minor, functional).amount_string()})",
        )
    dims = dict(award_id=award.id, victim_id=award.victim_id, case_id=award.case_id)
    paid = Money(disbursement.amount_minor, award.currency)
    lines = [
        Line.debit(PAYABLE, relief, paid, **dims),
        Line.credit(MAIN_BANK, debited.minor, **dims),
    ]
    difference = debited.minor - relief
    if difference > 0:
        lines.append(Line.debit(FX_LOSS, difference, **dims))
    elif difference < 0:
        lines.append(Line.credit(FX_GAIN, -difference, **dims))
    if fee.minor:
        lines += [
            Line.debit(BANK_CHARGES, fee.minor, **dims),
            Line.credit(MAIN_BANK, fee.minor, **dims),
        ]
    entry = post_entry(
        session,
        value_date=paid_on,
        event="disbursement.paid",
        source=("disbursement", disbursement.id),
        created_by=actor,
        lines=lines,
        memo=f"Payment of award {award.id} to {award.victim.code} (bank ref {bank_reference})",
    )
    disbursement.status = "paid"
    disbursement.paid_on = paid_on
    disbursement.bank_reference = bank_reference
    disbursement.debited_minor = debited.minor
    disbursement.fee_minor = fee.minor
    disbursement.payment_entry = entry.number
    award.paid_minor += disbursement.amount_minor
    refresh_status(award)
    _audit(session, actor, "disbursement.paid", disbursement, before)
    return disbursement


def return_disbursement(
    session: Session, *, actor: str, disbursement_id: int, returned_on: date, reason: str
) -> Disbursement:
    """The bank sent the payment back: undo it but for the fee; the award is owed again."""
    reason = validate.text("reason", reason, max_length=500)
    validate.not_future("returned_on", returned_on)
    lock_books(session)
    disbursement = _fresh(session, disbursement_id)
    before = _snapshot(disbursement)
    _require(disbursement, "paid", "returned")
    if returned_on < disbursement.paid_on:
        raise Invalid.field("returned_on", "cannot be before the payment was made")
    payment = get_entry(session, disbursement.payment_entry)
    fee_lines = 2 if disbursement.fee_minor else 0
    kept = payment.postings[: len(payment.postings) - fee_lines]
    lines = [
        Line(
            p.account.code,
            -p.amount,
            Money(-p.original_amount, p.currency),
            case_id=p.case_id,
            victim_id=p.victim_id,
            award_id=p.award_id,
            asset_id=p.asset_id,
        )
        for p in kept
    ]
    entry = post_entry(
        session,
        value_date=returned_on,
        event="disbursement.returned",
        source=("disbursement", disbursement.id),
        created_by=actor,
        lines=lines,
        reverses=payment.number,
        memo=f"Payment of award {disbursement.award_id} returned undelivered: {reason}",
    )
    award = disbursement.award
    session.refresh(award)
    award.paid_minor -= disbursement.amount_minor
    refresh_status(award)
    disbursement.status = "returned"
    disbursement.returned_on = returned_on
    disbursement.return_reason = reason
    disbursement.return_entry = entry.number
    _audit(session, actor, "disbursement.returned", disbursement, before)
    return disbursement


def _fresh(session: Session, disbursement_id: object) -> Disbursement:
    disbursement = get_disbursement(session, disbursement_id)
    session.refresh(disbursement)
    return disbursement


def _require(disbursement: Disbursement, state: str, verb: str) -> None:
    if disbursement.status != state:
        raise Conflict(
            f"disbursement {disbursement.id} is {disbursement.status}; "
            f"only a {state} one can be {verb}",
            {"status": [f"is {disbursement.status}"]},
        )


def _snapshot(disbursement: Disbursement) -> dict:
    return audit.snapshot(disbursement, FIELDS)


def _audit(session, actor, action, disbursement, before) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        subject_type="disbursement",
        subject_id=disbursement.id,
        before=before,
        after=_snapshot(disbursement),
    )
