"""The seeded chart of accounts (SPEC §3), its codes by name, and account administration.

Every module that posts or reads an account by its role in the fund (the
bank, escrow, awards payable…) uses the names below, never the digits.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import access, audit, events
from ledger.access import Actor
from ledger.errors import Conflict, Invalid, NotFound
from ledger.models import Account, AccountBalance
from ledger.models.accounts import ACCOUNT_TYPES, OVERDRAFT_SCOPES
from ledger.money import check_currency

BANK = "1000"
ESCROW = "1010"
HELD_FOR_SALE = "1100"
AWARDS_PAYABLE = "2000"
SEIZED_PENDING = "2100"
ACCOUNTS_PAYABLE = "2200"
FUND_BALANCE = "3000"
FORFEITURE_REVENUE = "4000"
DISPOSAL_GAIN = "4100"
DONATIONS = "4200"
INTEREST = "4300"
FX_GAIN = "4400"
COMPENSATION = "5000"
DISPOSAL_LOSS = "5100"
CUSTODY_COSTS = "5200"
BANK_CHARGES = "5300"
FX_LOSS = "5400"
ADMINISTRATIVE_COSTS = "5500"
FIELDS = ("code", "name", "type", "currency", "overdraft_scope")


class AccountSpec(NamedTuple):
    code: str
    name: str
    type: str
    overdraft_scope: str | None = None
    #: True: fixed to the functional currency (a bank account); False: any currency.
    functional_only: bool = False


CHART: tuple[AccountSpec, ...] = (
    AccountSpec(BANK, "Fund bank account", "asset", "account", functional_only=True),
    AccountSpec(ESCROW, "Seized cash held in escrow", "asset"),
    AccountSpec(HELD_FOR_SALE, "Forfeited assets held for sale", "asset"),
    AccountSpec(AWARDS_PAYABLE, "Awards payable", "liability", "award"),
    AccountSpec(SEIZED_PENDING, "Seized funds held pending decision", "liability"),
    AccountSpec(ACCOUNTS_PAYABLE, "Accounts payable", "liability"),
    AccountSpec(FUND_BALANCE, "Fund balance", "net_assets"),
    AccountSpec(FORFEITURE_REVENUE, "Forfeiture revenue", "revenue"),
    AccountSpec(DISPOSAL_GAIN, "Gain on disposal of forfeited assets", "revenue"),
    AccountSpec(DONATIONS, "Donations and grants", "revenue"),
    AccountSpec(INTEREST, "Interest income", "revenue"),
    AccountSpec(FX_GAIN, "Foreign exchange gains", "revenue"),
    AccountSpec(COMPENSATION, "Victim compensation", "expense"),
    AccountSpec(DISPOSAL_LOSS, "Loss on disposal of forfeited assets", "expense"),
    AccountSpec(CUSTODY_COSTS, "Custody and disposal costs", "expense"),
    AccountSpec(BANK_CHARGES, "Bank charges", "expense"),
    AccountSpec(FX_LOSS, "Foreign exchange losses", "expense"),
    AccountSpec(ADMINISTRATIVE_COSTS, "Administrative costs", "expense"),
)


def seed_chart(session: Session, functional_currency: str) -> int:
    """Create the accounts of SPEC §3 that are missing; return how many were added.

    Idempotent: existing accounts are left exactly as they are, so running
    ``init`` again never changes a fund's chart.
    """
    existing = set(session.scalars(select(Account.code)))
    added = 0
    for spec in CHART:
        if spec.code in existing:
            continue
        _insert_account(
            session,
            spec.code,
            spec.name,
            spec.type,
            functional_currency if spec.functional_only else None,
            spec.overdraft_scope,
        )
        added += 1
    session.flush()
    return added


def add_account(
    session: Session,
    *,
    actor: Actor,
    code: str,
    name: str,
    type: str,
    currency: str | None = None,
    no_overdraft: bool = False,
) -> Account:
    """An administrator's new account, e.g. a USD bank account ``1001``."""
    access.require(actor, access.MANAGE_BOOKS)
    if not isinstance(code, str) or not re.fullmatch(r"[0-9]{1,10}", code):
        raise Invalid.field("code", "must be 1 to 10 digits")
    if not isinstance(name, str) or not name.strip() or len(name) > 120:
        raise Invalid.field("name", "must be 1 to 120 characters")
    if type not in ACCOUNT_TYPES:
        raise Invalid.field("type", f"must be one of {', '.join(ACCOUNT_TYPES)}")
    if currency is not None:
        check_currency(currency)
    if no_overdraft and type not in ("asset", "liability"):
        raise Invalid.field("no_overdraft", "only asset and liability accounts can have it")
    if session.scalar(select(Account.id).where(Account.code == code)) is not None:
        raise Conflict(f"account {code} already exists", {"code": ["already exists"]})
    account = _insert_account(
        session, code, name.strip(), type, currency, "account" if no_overdraft else None
    )
    session.flush()
    audit.record(
        session, actor, events.ACCOUNT_ADDED, "account", code, after=audit.snapshot(account, FIELDS)
    )
    return account


def get_account(session: Session, code: str) -> Account:
    account = session.scalar(select(Account).where(Account.code == code))
    if account is None:
        raise NotFound(f"account {code} does not exist")
    return account


def _insert_account(session, code, name, type_, currency, scope) -> Account:
    assert scope is None or scope in OVERDRAFT_SCOPES
    account = Account(code=code, name=name, type=type_, currency=currency, overdraft_scope=scope)
    session.add(account)
    session.flush()
    session.add(AccountBalance(account_id=account.id, balance=0, original_balance=0, postings=0))
    return account
