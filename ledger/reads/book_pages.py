"""Reads for the web pages of the books: receipts and expenses with their value in the
functional currency, and what the forms of the books offer to choose from.

Each function is a fixed number of queries, whatever the length of the page.
The rules stay where they are: whether an entry may be reversed by hand is
:func:`ledger.adjustments.reverse_manual_entry`'s to decide; :func:`entry_steps`
only says the same thing ahead of time, so that a page offers the right button.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import access
from ledger.access import Actor
from ledger.fund import functional_currency
from ledger.models import Account, Asset, Case, CashMovement, Posting
from ledger.models.base import summed
from ledger.money import Money
from ledger.reads.books import MovementFilters, movements_selected
from ledger.reads.lists import row_of
from ledger.reads.paging import Page, PageRequest, extended, ordering, paginate

if TYPE_CHECKING:
    from typing_extensions import Unpack

# -- receipts and expenses ---------------------------------------------------------------


@dataclass(frozen=True)
class CashRow:
    id: int
    direction: str
    kind: str
    date: date
    #: As received or paid, in its own currency.
    amount: Money
    #: What the journal entry carries it at, in the functional currency.
    functional: Money
    counterparty: str
    case_id: int | None
    case_reference: str | None
    asset_id: int | None
    entry_number: int | None
    created_by: str


@dataclass(frozen=True)
class CashPage(Page[CashRow]):
    #: The functional value of every receipt (or expense) the filters select, all pages.
    functional_total: Money | None = None


CASH_SORTS = {"date": (CashMovement.occurred_on, CashMovement.id)}


def _functional_value():
    """The entry's debits (functional): what the movement is carried at."""
    return (
        select(summed(Posting.amount))
        .where(Posting.entry_number == CashMovement.entry_number, Posting.amount > 0)
        .correlate(CashMovement)
        .scalar_subquery()
    )


def list_cash(
    session: Session,
    actor: Actor,
    page: PageRequest,
    *,
    direction: str,
    sort: str | None = None,
    **filters: Unpack[MovementFilters],
) -> CashPage:
    """Receipts (``direction="receipt"``) or expenses, newest first by default, with the
    functional total of all that the filters select. Three queries."""
    access.require(actor, access.READ_BOOKS)
    functional = functional_currency(session)
    value = _functional_value().label("functional_minor")
    query = movements_selected(
        select(CashMovement, Case.reference, value)
        .outerjoin(Case, Case.id == CashMovement.case_id)
        .order_by(*ordering(sort, CASH_SORTS, "-date")),
        direction,
        **filters,
    )

    def rows(found) -> list[CashRow]:
        return [
            row_of(
                CashRow,
                m,
                date=m.occurred_on,
                amount=Money(m.amount_minor, m.currency),
                functional=Money(int(minor or 0), functional),
                case_reference=reference,
            )
            for m, reference, minor in found
        ]

    listed = paginate(session, query, page, rows)
    selected = query.order_by(None).with_only_columns(CashMovement.entry_number).subquery()
    total = session.scalar(
        select(summed(Posting.amount)).where(
            Posting.amount > 0, Posting.entry_number.in_(select(selected.c.entry_number))
        )
    )
    return extended(CashPage, listed, functional_total=Money(int(total), functional))


# -- what the forms offer ----------------------------------------------------------------


@dataclass(frozen=True)
class AccountChoice:
    code: str
    label: str
    #: The currency its amounts are typed in: its own, else the functional one.
    currency: str


def account_choices(session: Session, actor: Actor) -> list[AccountChoice]:
    """Every open account, by code, with the currency a manual entry's amount is in."""
    access.require(actor, access.READ_BOOKS)
    functional = functional_currency(session)
    rows = session.execute(
        select(Account.code, Account.name, Account.currency)
        .where(Account.active.is_(True))
        .order_by(Account.code)
    )
    return [
        AccountChoice(
            code, f"{code} {name}" + _named(currency, name, functional), currency or functional
        )
        for code, name, currency in rows
    ]


def _named(currency: str | None, name: str, functional: str) -> str:
    """`` (USD)`` after an account kept in a foreign currency, unless its name says so."""
    if not currency or currency == functional or currency in name:
        return ""
    return f" ({currency})"


@dataclass(frozen=True)
class AssetChoice:
    id: int
    description: str
    kind: str
    state: str
    case_reference: str


def asset_choices(session: Session, actor: Actor) -> list[AssetChoice]:
    """Every seized asset, by case, with what a person recognises it by (one query)."""
    access.require(actor, access.READ_REGISTERS)
    rows = session.execute(
        select(Asset.id, Asset.description, Asset.kind, Asset.state, Case.reference)
        .join(Case, Case.id == Asset.case_id)
        .order_by(Case.reference, Asset.id)
    )
    return [AssetChoice(*row) for row in rows]


# -- what an entry allows ----------------------------------------------------------------


def entry_steps(entry) -> tuple[str, ...]:
    """``("reverse",)`` when an entry may be reversed by hand: posted by hand (no register
    posted it), not itself a reversal, not reversed yet. Said ahead of
    :func:`ledger.adjustments.reverse_manual_entry`, which decides."""
    if entry.source_type is None and entry.reverses is None and entry.reversed_by is None:
        return ("reverse",)
    return ()
