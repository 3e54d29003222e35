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

:func:`plan_distribution` works a round out without taking it (every line:
the award's weight, its floored share, whether it got a largest-remainder
unit, and the amount in the award's currency), for a page to preview;
:func:`distribute` takes the round from the same plan, so the two never differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from types import SimpleNamespace

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from ledger import access, audit, events, validate
from ledger.access import Actor
from ledger.awards import get_award
from ledger.cases import get_case
from ledger.chart import BANK, CUSTODY_COSTS, DISPOSAL_GAIN, DISPOSAL_LOSS, FORFEITURE_REVENUE
from ledger.disbursements import FIELDS as PAYMENT_FIELDS
from ledger.disbursements import free_cash
from ledger.errors import Invalid
from ledger.fund import functional_currency
from ledger.fx import convert, rate_on
from ledger.locks import lock_books
from ledger.lookup import fetch
from ledger.models import Account, Award, Case, Disbursement, Distribution, Posting, Victim
from ledger.models.base import summed, utcnow
from ledger.models.registers import PAYMENT_METHODS, PENDING_PAYMENT_STATES
from ledger.money import Money
from ledger.prorata import split

CASE_PROCEEDS = (FORFEITURE_REVENUE, DISPOSAL_GAIN, DISPOSAL_LOSS, CUSTODY_COSTS)


def get_distribution(session: Session, actor: Actor, distribution_id: object) -> Distribution:
    access.require(actor, access.READ_BOOKS)
    return fetch(session, Distribution, distribution_id, "distribution")


@dataclass(frozen=True)
class PlannedLine:
    """One open award's part of a round."""

    award_id: int
    case_reference: str
    victim: str
    #: How the proposal will pay (the victim's payment method).
    method: str
    #: What the award still needs, neither paid nor proposed, valued at the round's date
    #: (functional): the award's weight in the round.
    weight: Money
    #: ``floor(amount * weight / Σ weights)`` (functional).
    floor: Money
    #: Whether one of the minor units left over went to this award (a largest remainder).
    remainder_unit: bool
    #: The floor plus the remainder unit (functional).
    share: Money
    #: The share in the award's currency: what is proposed (zero: no proposal this round).
    amount: Money
    #: The cash the proposal reserves (functional, at the round's date), within the share.
    reserved: Money

    @property
    def proposed(self) -> bool:
        return self.amount.minor > 0


@dataclass(frozen=True)
class DistributionPlan:
    """A round worked out: every open award's line, in award order."""

    amount: Money
    on: date
    case_id: int | None
    case_reference: str | None
    #: What the awards still need in all (Σ weights, functional).
    needed: Money
    lines: tuple[PlannedLine, ...]

    @property
    def proposals(self) -> list[PlannedLine]:
        return [line for line in self.lines if line.proposed]

    @property
    def remainder_units(self) -> int:
        return sum(line.remainder_unit for line in self.lines)


def plan_distribution(
    session: Session, actor: Actor, amount: Money, on: date, case_id: int | None = None
) -> DistributionPlan:
    """The round :func:`distribute` would make now, taking nothing (read-only).

    Refused exactly as the round itself would be (the same checks, on the same fields).
    """
    access.require(actor, access.MANAGE_PAYMENTS)
    _check_amount(amount, functional_currency(session))
    return _plan(session, amount, on, case_id)


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

    One batch: the proposals are the ones :func:`ledger.disbursements.propose_disbursement`
    would make line by line (the same rows, the same audit events, in award order),
    checked the same way, but inserted in one statement and audited in one insert.
    """
    access.require(actor, access.MANAGE_PAYMENTS)
    functional = functional_currency(session)
    _check_amount(amount, functional)
    lock_books(session)
    plan = _plan(session, amount, on, case_id)
    round_ = Distribution(
        amount_minor=amount.minor,
        currency=functional,
        case_id=plan.case_id,
        decided_on=on,
        created_by=actor.name,
    )
    session.add(round_)
    session.flush()
    rows = _proposals(session, plan, actor, round_.id, method_for)
    table = Disbursement.__table__
    ids = (
        session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
        .scalars()
        .all()
        if rows
        else []
    )
    snapshots = []
    for disbursement_id, row in zip(ids, rows, strict=True):
        after = {name: row.get(name) for name in PAYMENT_FIELDS}
        snapshots.append(
            audit.prepare(
                session,
                actor,
                events.PAYMENT_PROPOSED,
                "disbursement",
                disbursement_id,
                before=None,
                after=audit.snapshot(SimpleNamespace(**after), PAYMENT_FIELDS),
            )
        )
    after = {
        "amount_minor": amount.minor,
        "currency": functional,
        "case_id": round_.case_id,
        "decided_on": on.isoformat(),
        "lines": [[r["award_id"], r["amount_minor"], i] for i, r in zip(ids, rows, strict=True)],
    }
    snapshots.append(
        audit.prepare(
            session, actor, events.DISTRIBUTION_CREATED, "distribution", round_.id, after=after
        )
    )
    audit.record_prepared(session, snapshots, objects=False)
    session.expire(round_, ["lines"])
    return round_


def _proposals(session, plan: DistributionPlan, actor: Actor, round_id: int, method_for):
    """The disbursement rows of a round's proposals, refused as a proposal would be."""
    available = free_cash(session)
    rows = []
    for line in plan.proposals:
        method = line.method
        if method_for is not None:
            method = method_for(get_award(session, line.award_id))
        validate.one_of("method", method, PAYMENT_METHODS)
        if line.reserved.minor > available:
            raise Invalid.field("amount.amount", "exceeds the fund's available cash")
        available -= line.reserved.minor
        rows.append(
            {
                "award_id": line.award_id,
                "distribution_id": round_id,
                "amount_minor": line.amount.minor,
                "currency": line.amount.currency,
                "estimate_minor": line.reserved.minor,
                "method": method,
                "status": "proposed",
                "proposed_by": actor.name,
                "proposed_at": utcnow(),
            }
        )
    return rows


def _check_amount(amount: Money, functional: str) -> None:
    if amount.currency != functional:
        raise Invalid.field("amount.currency", f"a distribution is made in {functional}")
    if amount.minor <= 0:
        raise Invalid.field("amount.amount", "must be greater than zero")


def _plan(session: Session, amount: Money, on: date, case_id: int | None) -> DistributionPlan:
    """The round's lines, and every refusal of a round (its amount already checked)."""
    functional = amount.currency
    case = get_case(session, case_id, "case_id") if case_id is not None else None
    rates: dict[str, object] = {}
    weights, open_awards = _weights(session, case.id if case else None, on, functional, rates)
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
    lines = []
    for award_id, share in sorted(split(amount.minor, weights).items()):
        award = open_awards[award_id]
        weight = weights[award_id]
        part = _in_award_currency(session, award, share.amount, weight, on, functional, rates)
        proposed = Money(part, award.currency)
        reserved = _value(session, proposed, on, functional, rates) if part else 0
        lines.append(
            PlannedLine(
                award_id=award.id,
                case_reference=award.case_reference,
                victim=award.victim_code,
                method=award.payment_method,
                weight=Money(weight, functional),
                floor=Money(share.floor, functional),
                remainder_unit=bool(share.extra),
                share=Money(share.amount, functional),
                amount=proposed,
                reserved=Money(reserved, functional),
            )
        )
    return DistributionPlan(
        amount=amount,
        on=on,
        case_id=case.id if case else None,
        case_reference=case.reference if case else None,
        needed=Money(total_weight, functional),
        lines=tuple(lines),
    )


@dataclass(frozen=True)
class _OpenAward:
    """What a round needs of an open award (never the victim's personal data)."""

    id: int
    currency: str
    #: Neither paid, cancelled nor committed to a pending payment (award currency).
    free: int
    case_reference: str
    victim_code: str
    payment_method: str


def _weights(
    session: Session, case_id: int | None, on: date, functional: str, rates: dict
) -> tuple[dict[int, int], dict[int, _OpenAward]]:
    """Each open award's free part (neither paid nor proposed) valued at ``on``'s rate.

    The same rate reserves each proposal's cash, so shares and reservations agree
    even when a currency has moved since the award date. One query for all awards.
    """
    pending = (
        select(Disbursement.award_id, summed(Disbursement.amount_minor).label("minor"))
        .where(Disbursement.status.in_(PENDING_PAYMENT_STATES))
        .group_by(Disbursement.award_id)
        .subquery()
    )
    query = (
        select(
            Award.id,
            Award.currency,
            Award.amount_minor - Award.paid_minor - Award.cancelled_minor,
            func.coalesce(pending.c.minor, 0),
            Case.reference,
            Victim.code,
            Victim.payment_method,
        )
        .join(Case, Case.id == Award.case_id)
        .join(Victim, Victim.id == Award.victim_id)
        .outerjoin(pending, pending.c.award_id == Award.id)
        .where(Award.status.in_(("registered", "partially_paid")))
    )
    if case_id is not None:
        query = query.where(Award.case_id == case_id)
    weights, awards = {}, {}
    for award_id, currency, outstanding, committed, reference, code, method in session.execute(
        query.order_by(Award.id)
    ):
        free = int(outstanding) - int(committed)
        if free <= 0:
            continue
        weight = _value(session, Money(free, currency), on, functional, rates)
        if weight > 0:
            weights[award_id] = weight
            awards[award_id] = _OpenAward(award_id, currency, free, reference, code, method)
    return weights, awards


def _value(session: Session, money: Money, on: date, functional: str, rates: dict) -> int:
    """:func:`ledger.fx.to_functional`, each currency's rate looked up once per round."""
    if money.currency == functional:
        return money.minor
    if money.currency not in rates:
        rates[money.currency] = rate_on(session, money.currency, on, "amount.currency").rate
    return convert(money, rates[money.currency], functional).minor


def _in_award_currency(
    session: Session,
    award: _OpenAward,
    share: int,
    weight: int,
    on: date,
    functional: str,
    rates: dict,
) -> int:
    """The functional share as an amount in the award's currency whose cash reservation
    (its value at ``on``) stays within the share."""
    free = award.free
    if share >= weight:
        return free
    part = int((Decimal(free) * share / weight).to_integral_value(ROUND_FLOOR))
    if award.currency == functional:
        return part
    rate = rates[award.currency]
    while part > 0 and convert(Money(part, award.currency), rate, functional).minor > share:
        part -= 1  # the conversion rounds: a few minor units at most
    return part


@dataclass(frozen=True)
class NetProceeds:
    """What a case has for its awards, by the lines it comes from (functional minor units):
    what it earned on each proceeds account (credit-positive), what its awards were paid
    from the bank (negative, returns added back), what payments awaiting approval or
    execution commit."""

    earned: dict[str, int]
    paid: int
    committed: int

    @property
    def net(self) -> int:
        return sum(self.earned.values()) + self.paid - self.committed


def case_net_proceeds_by_line(session: Session, case_id: int) -> NetProceeds:
    """The case's net proceeds line by line (every posting, today's figure): the case
    statement prints these lines, the distribution rounds weigh their total."""
    earned = {
        code: -int(total)
        for code, total in session.execute(
            select(Account.code, summed(Posting.amount))
            .join(Account, Account.id == Posting.account_id)
            .where(Account.code.in_(CASE_PROCEEDS), Posting.case_id == case_id)
            .group_by(Account.code)
            .order_by(Account.code)
        )
    }
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
    return NetProceeds(earned, int(paid), int(committed))


def case_net_proceeds(session: Session, case_id: int) -> int:
    return case_net_proceeds_by_line(session, case_id).net
