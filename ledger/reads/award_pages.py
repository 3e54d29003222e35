"""What the awards pages show beyond a row of the register: an award with its payments, and
the register's totals per currency over exactly the awards its filters select.

Both are scoped like every read of awards (a court: the awards it registered)
and cost a fixed number of queries: the page of awards, then one grouped
query for its totals; an award, then its payments in one query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger import access
from ledger.access import Actor
from ledger.fund import functional_currency
from ledger.models import Award, Case
from ledger.models.base import summed
from ledger.money import Money
from ledger.reads import awards, totals
from ledger.reads.paging import Page, PageRequest, extended

if TYPE_CHECKING:
    from typing_extensions import Unpack

#: An award has a handful of payments, never hundreds: its page lists them all.
ALL = PageRequest(1, 500)


def cases(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """Every case, open or closed, by reference: what the register can be filtered by."""
    access.require(actor, access.READ_REGISTERS)
    rows = session.execute(select(Case.id, Case.reference).order_by(Case.reference))
    return [(case_id, reference) for case_id, reference in rows]


@dataclass(frozen=True)
class AwardPage:
    award: awards.AwardRow
    payments: Page[awards.PaymentRow]


def award_page(session: Session, actor: Actor, award_id: int) -> AwardPage:
    """One award (a court: only its own, else NotFound) and every payment of it."""
    award = awards.get_award(session, actor, award_id)
    return AwardPage(award, awards.list_payments(session, actor, ALL, award_id=award.id))


@dataclass(frozen=True)
class CurrencyTotal(totals.CurrencyTotal):
    """The selected awards in one currency, added up: their amount, and what of it is paid,
    cancelled and outstanding."""

    paid: Money
    cancelled: Money
    outstanding: Money
    #: What they were worth in the functional currency on their award dates.
    functional_value: Money


@dataclass(frozen=True)
class RegisterPage(Page[awards.AwardRow]):
    """A page of the awards register, with the totals of every award its filters select."""

    totals: list[CurrencyTotal] = field(default_factory=list)


def awards_register(
    session: Session,
    actor: Actor,
    page: PageRequest,
    *,
    sort: str | None = None,
    **filters: Unpack[awards.AwardFilters],
) -> RegisterPage:
    """A page of :func:`ledger.reads.awards.list_awards`, and the totals over all its pages."""
    found = awards.list_awards(session, actor, page, sort=sort, **filters)
    return extended(RegisterPage, found, totals=award_totals(session, actor, **filters))


def award_totals(
    session: Session, actor: Actor, **filters: Unpack[awards.AwardFilters]
) -> list[CurrencyTotal]:
    """Per currency (the functional one first): count, amount, paid, cancelled, outstanding."""
    access.require(actor, access.READ_REGISTERS)
    query = awards.selected(
        select(
            Award.currency,
            func.count(),
            summed(Award.amount_minor),
            summed(Award.paid_minor),
            summed(Award.cancelled_minor),
            summed(Award.functional_minor),
        ).group_by(Award.currency),
        actor,
        awards.AWARD_FILTERS,
        **filters,
    )
    functional = functional_currency(session)
    out = (
        CurrencyTotal(
            currency=currency,
            count=int(count),
            amount=Money(int(amount), currency),
            paid=Money(int(paid), currency),
            cancelled=Money(int(cancelled), currency),
            outstanding=Money(int(amount) - int(paid) - int(cancelled), currency),
            functional_value=Money(int(value), functional),
        )
        for currency, count, amount, paid, cancelled, value in session.execute(query)
    )
    return totals.functional_first(out, functional)
