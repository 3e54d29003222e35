"""Distribution rounds: sharing cash pro rata when awards exceed it (SPEC §5).

An administrator distributes an amount (functional currency) over the awards
still open, fund-wide or only one case's awards from that case's net
proceeds. Each award weighs what it still carries in functional terms for
the part that is neither paid nor already proposed; shares come from
:func:`ledger.prorata.allocate` and become *proposed* disbursements, each
still needing another administrator's approval.

A case's net proceeds are its forfeiture revenue and disposal gains, less
disposal losses and custody/disposal costs booked to it, less what its
awards have been paid or committed in proposals (functional).
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_FLOOR, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger import access, audit, events
from ledger.access import Actor
from ledger.awards import pending_minor
from ledger.cases import get_case
from ledger.chart import BANK, CUSTODY_COSTS, DISPOSAL_GAIN, DISPOSAL_LOSS, FORFEITURE_REVENUE
from ledger.disbursements import free_cash, propose_disbursement
from ledger.errors import Invalid
from ledger.fund import functional_currency
from ledger.fx import convert, rate_on, to_functional
from ledger.locks import lock_books
from ledger.lookup import fetch
from ledger.models import Account, Award, Disbursement, Distribution, Posting
from ledger.models.base import summed
from ledger.models.registers import PENDING_PAYMENT_STATES
from ledger.money import Money
from ledger.prorata import allocate

CASE_PROCEEDS = (FORFEITURE_REVENUE, DISPOSAL_GAIN, DISPOSAL_LOSS, CUSTODY_COSTS)


def get_distribution(session: Session, actor: Actor, distribution_id: object) -> Distribution:
    access.require(actor, access.READ_BOOKS)
    return fetch(session, Distribution, distribution_id, "distribution")


def distribute(
    session: Session,
    *,
    actor: Actor,
    amount: Money,
    on: date,
    case_id: int | None = None,
    method_for=None,
) -> Distribution:
    """Create the round and its proposed disbursements; return the round.

    ``method_for(award)`` names the payment method (default: the victim's).
    """
    access.require(actor, access.MANAGE_PAYMENTS)
    functional = functional_currency(session)
    if amount.currency != functional:
        raise Invalid.field("amount.currency", f"a distribution is made in {functional}")
    if amount.minor <= 0:
        raise Invalid.field("amount.amount", "must be greater than zero")
    lock_books(session)
    case = get_case(session, case_id, "case_id") if case_id is not None else None
    weights, open_awards = _weights(session, case.id if case else None, on, functional)
    if not weights:
        raise Invalid.field("amount.amount", "no award has anything left to distribute to")
    total_weight = sum(weights.values())
    if amount.minor > total_weight:
        raise Invalid.field(
            "amount.amount",
            f"exceeds what the awards still need ({Money(total_weight, functional).amount_string()}"
            f" {functional}): propose those payments in full instead",
        )
    if amount.minor > free_cash(session):
        raise Invalid.field("amount.amount", "exceeds the fund's available cash")
    if case is not None and amount.minor > case_net_proceeds(session, case.id):
        raise Invalid.field("amount.amount", f"exceeds the net proceeds of case {case.reference}")
    round_ = Distribution(
        amount_minor=amount.minor,
        currency=functional,
        case_id=case.id if case else None,
        decided_on=on,
        created_by=actor.name,
    )
    session.add(round_)
    session.flush()
    for award_id, share in sorted(allocate(amount.minor, weights).items()):
        award = open_awards[award_id]
        part = _in_award_currency(session, award, share, weights[award_id], on, functional)
        if part <= 0:
            continue
        propose_disbursement(
            session,
            actor=actor,
            award_id=award.id,
            amount=Money(part, award.currency),
            method=method_for(award) if method_for else award.victim.payment_method,
            on=on,
            distribution_id=round_.id,
        )
    session.flush()
    session.refresh(round_)
    after = {
        "amount_minor": amount.minor,
        "currency": functional,
        "case_id": round_.case_id,
        "lines": [[d.award_id, d.amount_minor, d.id] for d in round_.lines],
    }
    audit.record(
        session, actor, events.DISTRIBUTION_CREATED, "distribution", round_.id, after=after
    )
    return round_


def _weights(
    session: Session, case_id: int | None, on: date, functional: str
) -> tuple[dict[int, int], dict[int, Award]]:
    """Each open award's free part (neither paid nor proposed) valued at ``on``'s rate.

    The same rate reserves each proposal's cash, so shares and reservations agree
    even when a currency has moved since the award date.
    """
    query = select(Award).where(Award.status.in_(("registered", "partially_paid")))
    if case_id is not None:
        query = query.where(Award.case_id == case_id)
    weights, awards = {}, {}
    for award in session.scalars(query.order_by(Award.id)):
        free = award.outstanding_minor - pending_minor(session, award.id)
        if free <= 0:
            continue
        weight = to_functional(session, Money(free, award.currency), on, functional)
        if weight > 0:
            weights[award.id], awards[award.id] = weight, award
    return weights, awards


def _in_award_currency(
    session: Session, award: Award, share: int, weight: int, on: date, functional: str
) -> int:
    """The functional share as an amount in the award's currency whose cash reservation
    (its value at ``on``) stays within the share."""
    free = award.outstanding_minor - pending_minor(session, award.id)
    if share >= weight:
        return free
    part = int((Decimal(free) * share / weight).to_integral_value(ROUND_FLOOR))
    if award.currency == functional:
        return part
    rate = rate_on(session, award.currency, on).rate
    while part > 0 and convert(Money(part, award.currency), rate, functional).minor > share:
        part -= 1  # the conversion rounds: a few minor units at most
    return part


def case_net_proceeds(session: Session, case_id: int) -> int:
    earned = session.scalar(
        select(func.coalesce(-summed(Posting.amount), 0))
        .join(Account, Account.id == Posting.account_id)
        .where(Account.code.in_(CASE_PROCEEDS), Posting.case_id == case_id)
    )
    paid = session.scalar(
        select(summed(Posting.amount))
        .join(Account, Account.id == Posting.account_id)
        .where(Account.code == BANK, Posting.case_id == case_id, Posting.award_id.is_not(None))
    )
    committed = session.scalar(
        select(summed(Disbursement.estimate_minor))
        .join(Award, Award.id == Disbursement.award_id)
        .where(Award.case_id == case_id, Disbursement.status.in_(PENDING_PAYMENT_STATES))
    )
    return int(earned) + int(paid) - int(committed)
