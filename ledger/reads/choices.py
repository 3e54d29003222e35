"""What a form offers to choose from: open cases, currencies with rates, accounts, victims.

Plain (value, label) pairs for selects, each list one query.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ledger import access
from ledger.access import Actor
from ledger.fund import functional_currency
from ledger.models import Account, Case, Fund, FxRate, Victim


def open_cases(session: Session, actor: Actor) -> list[tuple[int, str]]:
    access.require(actor, access.READ_REGISTERS)
    rows = session.execute(
        select(Case.id, Case.reference, Case.title)
        .where(Case.status == "open")
        .order_by(Case.reference)
    )
    return [(case_id, f"{reference}: {title}") for case_id, reference, title in rows]


def currencies(session: Session, actor: Actor) -> list[str]:
    """The functional currency first, then every currency the rate table knows."""
    access.require(actor, access.READ_REGISTERS)
    functional = functional_currency(session)
    known = session.scalars(select(FxRate.currency).distinct().order_by(FxRate.currency))
    return [functional, *(code for code in known if code != functional)]


def accounts(session: Session, actor: Actor) -> list[tuple[str, str]]:
    access.require(actor, access.READ_BOOKS)
    rows = session.execute(
        select(Account.code, Account.name, Account.currency)
        .where(Account.active.is_(True))
        .order_by(Account.code)
    )
    return [
        (code, f"{code} {name}" + (f" ({currency})" if currency else ""))
        for code, name, currency in rows
    ]


def victims(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """Victims by code (the only way a victim is named outside an administrator's page)."""
    access.require(actor, access.READ_REGISTERS)
    rows = session.execute(
        select(Victim.id, Victim.code, Victim.country_of_residence).order_by(Victim.id)
    )
    return [(victim_id, f"{code} ({country})") for victim_id, code, country in rows]


def fund_identity(session: Session) -> tuple[str, str] | None:
    """The fund's name and functional currency, or None before ``fundledger init``
    (every page, the error pages included, shows the fund's name)."""
    try:
        fund = session.get(Fund, 1)
    except DBAPIError:  # no schema yet
        session.rollback()
        return None
    return None if fund is None else (fund.name, fund.functional_currency)
