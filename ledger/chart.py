"""The seeded chart of accounts (SPEC §3) and account administration."""

from __future__ import annotations

import re
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.errors import Conflict, Invalid, NotFound
from ledger.models import Account, AccountBalance
from ledger.models.accounts import ACCOUNT_TYPES, OVERDRAFT_SCOPES
from ledger.money import check_currency


class AccountSpec(NamedTuple):
    code: str
    name: str
    type: str
    overdraft_scope: str | None = None
    #: True: fixed to the functional currency (a bank account); False: any currency.
    functional_only: bool = False


CHART: tuple[AccountSpec, ...] = (
    AccountSpec("1000", "Fund bank account", "asset", "account", functional_only=True),
    AccountSpec("1010", "Seized cash held in escrow", "asset"),
    AccountSpec("1100", "Forfeited assets held for sale", "asset"),
    AccountSpec("2000", "Awards payable", "liability", "award"),
    AccountSpec("2100", "Seized funds held pending decision", "liability"),
    AccountSpec("2200", "Accounts payable", "liability"),
    AccountSpec("3000", "Fund balance", "net_assets"),
    AccountSpec("4000", "Forfeiture revenue", "revenue"),
    AccountSpec("4100", "Gain on disposal of forfeited assets", "revenue"),
    AccountSpec("4200", "Donations and grants", "revenue"),
    AccountSpec("4300", "Interest income", "revenue"),
    AccountSpec("4400", "Foreign exchange gains", "revenue"),
    AccountSpec("5000", "Victim compensation", "expense"),
    AccountSpec("5100", "Loss on disposal of forfeited assets", "expense"),
    AccountSpec("5200", "Custody and disposal costs", "expense"),
    AccountSpec("5300", "Bank charges", "expense"),
    AccountSpec("5400", "Foreign exchange losses", "expense"),
    AccountSpec("5500", "Administrative costs", "expense"),
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
    code: str,
    name: str,
    type: str,
    currency: str | None = None,
    no_overdraft: bool = False,
) -> Account:
    """An administrator's new account, e.g. a USD bank account ``1001``."""
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
