"""Reads of awards, their payments and distribution rounds, scoped to who is asking.

A court sees only the awards it registered and their payments; every other
role sees them all. Each award row carries what the register derives from it
(paid, cancelled, outstanding, what pending payments commit, how many of its
payments came back), each computed in the page's one query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, TypedDict

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ledger import access, awards, disbursements, distributions
from ledger.access import Actor
from ledger.fund import functional_currency
from ledger.models import Award, Case, Disbursement, Victim
from ledger.models.base import summed
from ledger.models.registers import PENDING_PAYMENT_STATES
from ledger.money import Money
from ledger.reads.lists import filtered, one_row, row_of
from ledger.reads.paging import Page, PageRequest, ordering, paginate
from ledger.validate import today_utc

if TYPE_CHECKING:
    from typing_extensions import Unpack


@dataclass(frozen=True)
class AwardRow:
    id: int
    case_id: int
    case_reference: str
    victim_id: int
    victim: str
    #: The victim lives abroad or has gone home: paid abroad, in their own currency.
    victim_abroad: bool
    payment_method: str
    order_reference: str
    ordered_on: date
    amount: Money
    functional_value: Money
    paid: Money
    cancelled: Money
    outstanding: Money
    #: What proposed and approved payments already commit of the outstanding amount.
    pending: Money
    status: str
    returned_payments: int
    registered_by: str
    age_days: int

    @property
    def proposable(self) -> Money:
        """What a new payment proposal may still take."""
        return Money(max(self.outstanding.minor - self.pending.minor, 0), self.amount.currency)


AWARD_SORTS = {"id": Award.id, "ordered_on": (Award.ordered_on, Award.id)}


def _returned():
    return (
        select(func.count())
        .where(Disbursement.award_id == Award.id, Disbursement.status == "returned")
        .correlate(Award)
        .scalar_subquery()
    )


def _pending():
    return (
        select(summed(Disbursement.amount_minor))
        .where(Disbursement.award_id == Award.id, Disbursement.status.in_(PENDING_PAYMENT_STATES))
        .correlate(Award)
        .scalar_subquery()
    )


def _awards_query():
    return (
        select(
            Award,
            Case.reference,
            Case.jurisdiction,
            Victim.code,
            Victim.country_of_residence,
            Victim.returned_home,
            Victim.payment_method,
            _returned(),
            _pending(),
        )
        .join(Case, Case.id == Award.case_id)
        .join(Victim, Victim.id == Award.victim_id)
    )


def is_abroad(returned_home: bool, country: str, jurisdiction: str) -> bool:
    """Foreign: gone home, or living outside the case's country (when that is an ISO code)."""
    jurisdiction = jurisdiction.strip().upper()
    return returned_home or (len(jurisdiction) == 2 and country != jurisdiction)


def _award_rows(session: Session, rows) -> list[AwardRow]:
    functional = functional_currency(session)
    today = today_utc()
    out = []
    for award, reference, jurisdiction, code, country, home, method, returned, pending in rows:
        currency = award.currency
        out.append(
            row_of(
                AwardRow,
                award,
                case_reference=reference,
                victim=code,
                victim_abroad=is_abroad(home, country, jurisdiction),
                payment_method=method,
                amount=Money(award.amount_minor, currency),
                functional_value=Money(award.functional_minor, functional),
                paid=Money(award.paid_minor, currency),
                cancelled=Money(award.cancelled_minor, currency),
                outstanding=Money(award.outstanding_minor, currency),
                pending=Money(int(pending), currency),
                returned_payments=int(returned),
                age_days=(today - award.ordered_on).days,
            )
        )
    return out


def _scoped(query, actor: Actor):
    if actor.court_scope is not None:
        query = query.where(Award.court_user_id == actor.court_scope)
    return query


class AwardFilters(TypedDict, total=False):
    """What the awards register may be narrowed by, each left out unless given."""

    case_id: int | None
    victim_id: int | None
    status: str | None


class PaymentFilters(TypedDict, total=False):
    """What the payments queue may be narrowed by, each left out unless given."""

    award_id: int | None
    status: str | None
    case_id: int | None
    distribution_id: int | None


#: Each filter of the awards register and the column it narrows (its pages and its totals).
AWARD_FILTERS = {"case_id": Award.case_id, "victim_id": Award.victim_id, "status": Award.status}
#: Each filter of the payments queue and the column it narrows (its pages and its totals).
PAYMENT_FILTERS = {
    "award_id": Disbursement.award_id,
    "status": Disbursement.status,
    "case_id": Award.case_id,
    "distribution_id": Disbursement.distribution_id,
}


def selected(query, actor: Actor, columns: dict, **values):
    """``query`` as ``actor`` may see it (a court: its own awards and their payments),
    narrowed by each filter given a value; ``columns`` names the column of each filter.

    The filters apply in ``columns``' order, whatever order they are given in, so that a
    list and its totals send the same SQL from every door."""
    unknown = values.keys() - columns.keys()
    if unknown:
        raise TypeError(f"no such filter: {', '.join(sorted(unknown))}")
    return filtered(_scoped(query, actor), *((c, values.get(n)) for n, c in columns.items()))


@dataclass(frozen=True)
class _Register:
    """One scoped register as its lists read it: awards, or payments."""

    #: The query of its rows, before scope, filters and order.
    query: Callable[[], Select]
    sorts: dict
    #: Builds a page's rows from what ``query`` found (``(session, found)``).
    to_rows: Callable
    #: Each filter's column (:data:`AWARD_FILTERS`, :data:`PAYMENT_FILTERS`).
    columns: dict

    def page(self, session: Session, actor: Actor, page: PageRequest, sort, filters) -> Page:
        """A page of it: a court's own only, sorted, filtered, built in one go."""
        access.require(actor, access.READ_REGISTERS)
        query = self.query().order_by(*ordering(sort, self.sorts, "id"))
        query = selected(query, actor, self.columns, **filters)
        return paginate(session, query, page, lambda rows: self.to_rows(session, rows))

    def one(self, session: Session, where):
        """The one row ``where`` finds, as its list shows it."""
        return one_row(session, self.query().where(where), self.to_rows)


_AWARDS = _Register(_awards_query, AWARD_SORTS, _award_rows, AWARD_FILTERS)


def list_awards(
    session: Session,
    actor: Actor,
    page: PageRequest,
    *,
    sort: str | None = None,
    **filters: Unpack[AwardFilters],
) -> Page[AwardRow]:
    """The awards register (a court: the awards it registered)."""
    return _AWARDS.page(session, actor, page, sort, filters)


def get_award(session: Session, actor: Actor, award_id: int) -> AwardRow:
    award = awards.visible_award(session, actor, award_id)
    return _AWARDS.one(session, Award.id == award.id)


# -- payments ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentRow:
    id: int
    award_id: int
    case_reference: str
    victim: str
    distribution_id: int | None
    amount: Money
    #: The functional cash the proposal reserves while it is pending.
    estimate: Money
    method: str
    status: str
    proposed_by: str
    proposed_at: datetime
    approved_by: str | None
    rejected_by: str | None
    rejection_reason: str | None
    paid_on: date | None
    bank_reference: str | None
    debited: Money | None
    fee: Money | None
    payment_entry: int | None
    returned_on: date | None
    return_reason: str | None
    return_entry: int | None


PAYMENT_SORTS = {"id": Disbursement.id, "paid_on": (Disbursement.paid_on, Disbursement.id)}


def _payments_query():
    return (
        select(Disbursement, Case.reference, Victim.code)
        .join(Award, Award.id == Disbursement.award_id)
        .join(Case, Case.id == Award.case_id)
        .join(Victim, Victim.id == Award.victim_id)
    )


def _payment_rows(session: Session, rows) -> list[PaymentRow]:
    functional = functional_currency(session)

    def cash(minor):
        return None if minor is None else Money(minor, functional)

    return [
        row_of(
            PaymentRow,
            d,
            case_reference=reference,
            victim=code,
            amount=Money(d.amount_minor, d.currency),
            estimate=Money(d.estimate_minor, functional),
            debited=cash(d.debited_minor),
            fee=cash(d.fee_minor),
        )
        for d, reference, code in rows
    ]


_PAYMENTS = _Register(_payments_query, PAYMENT_SORTS, _payment_rows, PAYMENT_FILTERS)


def list_payments(
    session: Session,
    actor: Actor,
    page: PageRequest,
    *,
    sort: str | None = None,
    **filters: Unpack[PaymentFilters],
) -> Page[PaymentRow]:
    """Payments, filtered by award, state, case or round (a court: its awards' only)."""
    return _PAYMENTS.page(session, actor, page, sort, filters)


def get_payment(session: Session, actor: Actor, disbursement_id: int) -> PaymentRow:
    found = disbursements.visible_disbursement(session, actor, disbursement_id)
    return _PAYMENTS.one(session, Disbursement.id == found.id)


# -- distribution rounds -----------------------------------------------------------------


@dataclass(frozen=True)
class DistributionLine:
    award_id: int
    victim: str
    amount: Money
    disbursement_id: int
    status: str


@dataclass(frozen=True)
class DistributionRow:
    id: int
    amount: Money
    case_id: int | None
    decided_on: date
    created_by: str
    lines: list[DistributionLine]


def get_distribution(session: Session, actor: Actor, distribution_id: int) -> DistributionRow:
    """One round with its lines, in two queries."""
    round_ = distributions.get_distribution(session, actor, distribution_id)
    lines = session.execute(
        select(Disbursement, Victim.code)
        .join(Award, Award.id == Disbursement.award_id)
        .join(Victim, Victim.id == Award.victim_id)
        .where(Disbursement.distribution_id == round_.id)
        .order_by(Disbursement.award_id)
    )
    return row_of(
        DistributionRow,
        round_,
        amount=Money(round_.amount_minor, round_.currency),
        lines=[
            DistributionLine(d.award_id, code, Money(d.amount_minor, d.currency), d.id, d.status)
            for d, code in lines
        ],
    )
