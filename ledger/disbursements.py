"""Payments of awards, with four eyes (SPEC §4, §5).

``proposed → approved → paid → returned``, or ``proposed → rejected``.

- A proposal may not exceed what is outstanding on the award less what
  pending proposals already commit, nor the fund's free cash: the bank
  balance less the functional estimate of every pending payment.
- The proposer can never approve or reject their own proposal (403), and the
  database refuses the approval too (CHECK ``four_eyes``).
- Execution posts: 2000 at the carrying value relieved / 1000 the amount the
  bank debited; 5300 / 1000 for the fee; the difference between carrying
  value and amount debited to 5400 (loss) or 4400 (gain).
- A returned payment is the reversal of that entry but for the fee legs; the
  award is outstanding again.

Every step is an administrator's; a court sees the payments of its own awards
(:func:`visible_disbursement`).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from ledger import access, audit, events, validate
from ledger.access import Actor
from ledger.awards import dimensions, pending_minor, refresh_status, relief_for
from ledger.balances import current_balances
from ledger.chart import AWARDS_PAYABLE, BANK, BANK_CHARGES, FX_GAIN, FX_LOSS
from ledger.errors import Conflict, Forbidden, Invalid, NotFound
from ledger.fund import functional_currency
from ledger.fx import to_functional
from ledger.journal import Line, debit_credit, gain_or_loss, get_entry, post_step, reverse_entry
from ledger.locks import lock_books
from ledger.lookup import fetch
from ledger.models import Award, Disbursement, JournalEntry
from ledger.models.base import summed, utcnow
from ledger.models.registers import PAYMENT_METHODS, PENDING_PAYMENT_STATES
from ledger.money import Money

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
#: The two legs a fee adds at the end of a payment entry (5300 / 1000).
FEE_LEGS = 2


def get_disbursement(session: Session, disbursement_id: object, *, fresh=False) -> Disbursement:
    return fetch(session, Disbursement, disbursement_id, "disbursement", fresh=fresh)


def visible_disbursement(session: Session, actor: Actor, disbursement_id: object) -> Disbursement:
    """The payment if ``actor`` may see it: a court only those of its own awards."""
    access.require(actor, access.READ_REGISTERS)
    found = get_disbursement(session, disbursement_id)
    if actor.court_scope is not None and found.award.court_user_id != actor.court_scope:
        raise NotFound(f"disbursement {disbursement_id} does not exist")
    return found


def free_cash(session: Session) -> int:
    """Fund bank balance (functional) less what pending payments are expected to take."""
    committed = session.scalar(
        select(summed(Disbursement.estimate_minor)).where(
            Disbursement.status.in_(PENDING_PAYMENT_STATES)
        )
    )
    return current_balances(session).get(BANK, 0) - committed


def propose_disbursement(
    session: Session,
    *,
    actor: Actor,
    award_id: int,
    amount: Money,
    method: str,
    on: date,
    distribution_id: int | None = None,
) -> Disbursement:
    access.require(actor, access.MANAGE_PAYMENTS)
    validate.one_of("method", method, PAYMENT_METHODS)
    validate.positive("amount.amount", amount)
    lock_books(session)
    # Read once, fresh, under the lock; the victim (and its personal data) is not needed.
    award = fetch(
        session,
        Award,
        award_id,
        "award",
        "award_id",
        fresh=True,
        options=(lazyload(Award.victim), lazyload(Award.case)),
    )
    validate.same_currency("amount", amount, award.currency)
    if award.status == "cancelled" or award.outstanding_minor == 0:
        raise Conflict(
            f"award {award.id} is {award.status}: nothing is outstanding",
            {"award_id": [f"award {award.id} is {award.status}: nothing is outstanding"]},
        )
    free = award.outstanding_minor - pending_minor(session, award.id)
    if amount.minor > free:
        raise Invalid.field(
            "amount.amount",
            f"exceeds what is outstanding on award {award.id} and not yet proposed "
            f"({Money(max(free, 0), award.currency).amount_string()} {award.currency})",
        )
    estimate = to_functional(session, amount, on, functional_currency(session))
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
        proposed_by=actor.name,
        proposed_at=utcnow(),
    )
    session.add(disbursement)
    session.flush()
    _audit(session, actor, events.PAYMENT_PROPOSED, disbursement, None)
    return disbursement


def approve_disbursement(session: Session, *, actor: Actor, disbursement_id: int) -> Disbursement:
    def approve(d: Disbursement) -> None:
        d.status, d.approved_by, d.approved_at = "approved", actor.name, utcnow()

    return _decide(session, actor, disbursement_id, "approved", approve, events.PAYMENT_APPROVED)


def reject_disbursement(
    session: Session, *, actor: Actor, disbursement_id: int, reason: str | None = None
) -> Disbursement:
    reason = validate.text("reason", reason, max_length=500, required=False)

    def reject(d: Disbursement) -> None:
        d.status, d.rejected_by, d.rejection_reason = "rejected", actor.name, reason

    return _decide(session, actor, disbursement_id, "rejected", reject, events.PAYMENT_REJECTED)


def _decide(session, actor: Actor, disbursement_id, verb: str, apply, action: str):
    """The second pair of eyes on a proposal: anyone but its proposer approves or rejects it."""
    access.require(actor, access.MANAGE_PAYMENTS)
    lock_books(session)
    disbursement, before = _fresh(session, disbursement_id, "proposed", verb)
    if disbursement.proposed_by == actor.name:
        raise Forbidden(f"four eyes: a proposal must be {verb} by another administrator")
    apply(disbursement)
    _audit(session, actor, action, disbursement, before)
    return disbursement


def execute_disbursement(
    session: Session,
    *,
    actor: Actor,
    disbursement_id: int,
    paid_on: date,
    bank_reference: str,
    debited: Money,
    fee: Money | None = None,
) -> Disbursement:
    """Record the bank's execution of an approved payment (no fee if None) and post it."""
    access.require(actor, access.MANAGE_PAYMENTS)
    bank_reference = validate.text("bank_reference", bank_reference, max_length=100)
    validate.not_future("paid_on", paid_on)
    lock_books(session)
    functional = functional_currency(session)
    if fee is None:
        fee = Money(0, functional)
    validate.same_currency("debited", debited, functional)
    validate.same_currency("fee", fee, functional)
    validate.positive("debited.amount", debited)
    if fee.minor < 0:
        raise Invalid.field("fee.amount", "must not be negative")
    disbursement, before = _fresh(session, disbursement_id, "approved", "executed")
    award = disbursement.award
    session.refresh(award)
    if paid_on < award.ordered_on:
        raise Invalid.field("paid_on", "cannot be before the award was ordered")
    if award.currency == functional and debited.minor != disbursement.amount_minor:
        raise Invalid.field(
            "debited.amount",
            f"a {functional} payment debits exactly its amount "
            f"({Money(disbursement.amount_minor, functional).amount_string()})",
        )
    lines = payment_lines(session, disbursement, debited.minor, fee.minor)
    memo = f"Payment of award {award.id} to {award.victim.code} (bank ref {bank_reference})"
    source = ("disbursement", disbursement.id)
    entry = post_step(
        session, actor, events.PAYMENT_PAID, (paid_on, "paid_on"), memo, lines, source=source
    )
    disbursement.status = "paid"
    disbursement.paid_on = paid_on
    disbursement.bank_reference = bank_reference
    disbursement.debited_minor = debited.minor
    disbursement.fee_minor = fee.minor
    disbursement.payment_entry = entry.number
    award.paid_minor += disbursement.amount_minor
    refresh_status(award)
    _audit(session, actor, events.PAYMENT_PAID, disbursement, before)
    return disbursement


def payment_lines(session: Session, disbursement: Disbursement, debited: int, fee: int) -> list:
    """The legs a payment posts: what it relieves of the award, what the bank took, the FX
    difference, and the fee last (so that a return can leave exactly those legs out).

    Read-only, so a confirmation page can show the entry before it is posted.
    """
    award = disbursement.award
    relief = relief_for(session, award, disbursement.amount_minor)
    dims = dimensions(award)
    paid = Money(disbursement.amount_minor, award.currency)
    lines = [
        Line.debit(AWARDS_PAYABLE, relief, paid, **dims),
        Line.credit(BANK, debited, **dims),
    ]
    lines += gain_or_loss(FX_GAIN, FX_LOSS, debited - relief, **dims)
    if fee:
        lines += debit_credit(BANK_CHARGES, BANK, fee, **dims)
    return lines


def return_disbursement(
    session: Session, *, actor: Actor, disbursement_id: int, returned_on: date, reason: str
) -> Disbursement:
    """The bank sent the payment back: undo it but for the fee; the award is owed again."""
    access.require(actor, access.MANAGE_PAYMENTS)
    reason = validate.text("reason", reason, max_length=500)
    validate.not_future("returned_on", returned_on)
    lock_books(session)
    disbursement, before = _fresh(session, disbursement_id, "paid", "returned")
    if returned_on < disbursement.paid_on:
        raise Invalid.field("returned_on", "cannot be before the payment was made")
    payment = get_entry(session, disbursement.payment_entry)
    entry = reverse_entry(
        session,
        payment.number,
        actor=actor,
        value_date=returned_on,
        memo=f"Payment of award {disbursement.award_id} returned undelivered: {reason}",
        event=events.PAYMENT_RETURNED,
        keep_lines=_fee_lines(payment, disbursement),
        date_field="returned_on",
    )
    award = disbursement.award
    session.refresh(award)
    award.paid_minor -= disbursement.amount_minor
    refresh_status(award)
    disbursement.status = "returned"
    disbursement.returned_on = returned_on
    disbursement.return_reason = reason
    disbursement.return_entry = entry.number
    _audit(session, actor, events.PAYMENT_RETURNED, disbursement, before)
    return disbursement


def _fee_lines(payment: JournalEntry, disbursement: Disbursement) -> set[int]:
    """The line numbers of the fee legs, which :func:`payment_lines` puts last."""
    if not disbursement.fee_minor:
        return set()
    last = len(payment.postings)
    return set(range(last - FEE_LEGS + 1, last + 1))


def _fresh(session: Session, disbursement_id: int, state: str, verb: str):
    """The payment as it is now that the books are locked and its state for the audit log,
    if it is ``state`` (what a payment must be to be ``verb``)."""
    disbursement = get_disbursement(session, disbursement_id, fresh=True)
    before = _snapshot(disbursement)
    _require(disbursement, state, verb)
    return disbursement, before


def _require(disbursement: Disbursement, state: str, verb: str) -> None:
    if disbursement.status != state:
        raise Conflict(
            f"disbursement {disbursement.id} is {disbursement.status}; "
            f"only a {state} one can be {verb}",
            {"status": [f"is {disbursement.status}"]},
        )


def _snapshot(disbursement: Disbursement) -> dict:
    return audit.snapshot(disbursement, FIELDS)


def _audit(session, actor: Actor, action: str, disbursement: Disbursement, before) -> None:
    audit.record_change(session, actor, action, "disbursement", disbursement, FIELDS, before)
