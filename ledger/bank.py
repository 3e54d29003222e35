"""Which account holds the fund's money in a given currency.

The fund's bank accounts are the asset accounts with a fixed currency and the
no-overdraft rule: 1000 in the functional currency, and any an administrator
adds (e.g. 1001 in USD).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.errors import Invalid
from ledger.models import Account


def bank_account_for(session: Session, currency: str, field: str = "amount") -> Account:
    accounts = list(
        session.scalars(
            select(Account)
            .where(
                Account.type == "asset",
                Account.currency == currency,
                Account.overdraft_scope == "account",
                Account.active.is_(True),
            )
            .order_by(Account.code)
        )
    )
    if not accounts:
        raise Invalid.field(f"{field}.currency", f"the fund has no bank account in {currency}")
    return accounts[0]
