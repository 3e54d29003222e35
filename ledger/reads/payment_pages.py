"""What the payments pages show beyond a row of the register: the queue with its totals, a
payment with its award, its entries and the steps open to the reader, the award a proposal
is made from, and the cash a distribution round may share.

Each is scoped like every read of payments (a court: those of the awards it registered;
the books, entries and free cash, only for the books' readers) and costs a fixed number of
queries, whatever the length of the queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ledger import access, disbursements, next_steps
from ledger.access import Actor
from ledger.fund import functional_currency
from ledger.models import Award, Case, Disbursement
from ledger.models.base import summed
from ledger.models.registers import PENDING_PAYMENT_STATES
from ledger.money import Money
from ledger.reads import awards, choices, journal
from ledger.reads.paging import Page, PageRequest, extended
from ledger.reads.totals import CurrencyTotal, functional_first

if TYPE_CHECKING:
    from typing_extensions import Unpack

#: The steps four eyes keeps from a proposal's own proposer.
SECOND_PAIR_OF_EYES = ("approve", "reject")


@dataclass(frozen=True)
class QueuePage(Page[awards.PaymentRow]):
    """A page of the payments queue, with totals over every payment its filters select."""

    totals: list[CurrencyTotal] = field(default_factory=list)
    #: Functional cash the selected proposed and approved payments reserve.
    reserved: Money | None = None
    #: What the bank debited for the selected payments, and its fees (functional).
    debited: Money | None = None
    fees: Money | None = None


def payment_queue(
    session: Session,
    actor: Actor,
    page: PageRequest,
    *,
    sort: str | None = None,
    **filters: Unpack[awards.PaymentFilters],
) -> QueuePage:
    """A page of :func:`ledger.reads.awards.list_payments`, and the totals over all its pages."""
    found = awards.list_payments(session, actor, page, sort=sort, **filters)
    query = awards.selected(
        select(
            Disbursement.currency,
            func.count(),
            summed(Disbursement.amount_minor),
            summed(
                case(
                    (Disbursement.status.in_(PENDING_PAYMENT_STATES), Disbursement.estimate_minor),
                    else_=0,
                )
            ),
            summed(Disbursement.debited_minor),
            summed(Disbursement.fee_minor),
        )
        .join(Award, Award.id == Disbursement.award_id)
        .group_by(Disbursement.currency),
        actor,
        awards.PAYMENT_FILTERS,
        **filters,
    )
    functional = functional_currency(session)
    rows = session.execute(query).all()
    totals = functional_first(
        (CurrencyTotal(c, int(n), Money(int(amount), c)) for c, n, amount, *_ in rows), functional
    )

    def cash(index: int) -> Money:
        return Money(sum(int(row[index] or 0) for row in rows), functional)

    return extended(
        QueuePage,
        found,
        totals=totals,
        reserved=cash(3),
        debited=cash(4),
        fees=cash(5),
    )


@dataclass(frozen=True)
class PaymentPage:
    payment: awards.PaymentRow
    award: awards.AwardRow
    #: The entries that moved it (its payment, its return), for the books' readers only.
    entries: list[journal.EntryRow]
    #: What the reader may do with it now: its state's steps (:mod:`ledger.next_steps`), for
    #: an administrator, less approving and rejecting a proposal of their own (four eyes).
    steps: tuple[str, ...]
    #: The reader proposed it, so another administrator must approve or reject it.
    own_proposal: bool


def payment_page(session: Session, actor: Actor, payment_id: int) -> PaymentPage:
    """One payment (a court: only one of its own awards', else NotFound), its award, entries."""
    payment = awards.get_payment(session, actor, payment_id)
    award = awards.get_award(session, actor, payment.award_id)
    entries = []
    if actor.may(access.READ_BOOKS):
        numbers = (payment.payment_entry, payment.return_entry)
        entries = [journal.get_entry(session, actor, n) for n in numbers if n is not None]
    own = actor.is_administrator and payment.proposed_by == actor.name
    steps = next_steps.for_payment(payment.status) if actor.may(access.MANAGE_PAYMENTS) else ()
    if own:
        steps = tuple(step for step in steps if step not in SECOND_PAIR_OF_EYES)
    return PaymentPage(payment, award, entries, steps, own)


@dataclass(frozen=True)
class ProposalPage:
    award: awards.AwardRow
    #: The fund's bank balance less what pending payments reserve (functional).
    free_cash: Money
    #: The award's state allows a payment and something is left to propose.
    open: bool


def proposal_page(session: Session, actor: Actor, award_id: int) -> ProposalPage:
    """The award a payment is proposed from, and the cash a proposal may still reserve."""
    access.require(actor, access.MANAGE_PAYMENTS)
    award = awards.get_award(session, actor, award_id)
    free = Money(disbursements.free_cash(session), functional_currency(session))
    is_open = "propose" in next_steps.for_award(award.status) and award.proposable.minor > 0
    return ProposalPage(award, free, is_open)


@dataclass(frozen=True)
class RoundChoices:
    #: The fund's bank balance less what pending payments reserve (functional).
    free_cash: Money
    #: The cases a round may be limited to: (id, "reference: title").
    cases: list[tuple[int, str]]


def round_choices(session: Session, actor: Actor) -> RoundChoices:
    """What the form of a distribution round offers: the free cash, and the open cases."""
    access.require(actor, access.MANAGE_PAYMENTS)
    free = Money(disbursements.free_cash(session), functional_currency(session))
    return RoundChoices(free, choices.open_cases(session, actor))


@dataclass(frozen=True)
class RoundPage:
    round: awards.DistributionRow
    case_reference: str | None
    #: What the round's proposals add up to, per currency (the functional one first).
    totals: list[CurrencyTotal]
    #: The functional cash they reserved when proposed (at most the round's amount: a share
    #: in another currency is the largest amount whose value stays within it).
    reserved: Money


def round_page(session: Session, actor: Actor, distribution_id: int) -> RoundPage:
    """A distribution round with the payments it proposed, and the case it was limited to."""
    found = awards.get_distribution(session, actor, distribution_id)
    reference = None
    if found.case_id is not None:
        reference = session.scalar(select(Case.reference).where(Case.id == found.case_id))
    sums: dict[str, list[int]] = {}
    for line in found.lines:
        count_and_sum = sums.setdefault(line.amount.currency, [0, 0])
        count_and_sum[0] += 1
        count_and_sum[1] += line.amount.minor
    functional = found.amount.currency
    totals = functional_first(
        (CurrencyTotal(c, n, Money(total, c)) for c, (n, total) in sums.items()), functional
    )
    reserved = session.scalar(
        select(summed(Disbursement.estimate_minor)).where(Disbursement.distribution_id == found.id)
    )
    return RoundPage(found, reference, totals, Money(int(reserved), functional))
