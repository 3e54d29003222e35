"""The seeded chart of accounts (SPEC §3) and accounts added by administrators."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.errors import status_of
from ledger.chart import add_account, get_account, seed_chart
from ledger.errors import Conflict, Invalid, NotFound
from ledger.models import Account, AccountBalance
from tests.conftest import OPERATOR

#: SPEC §3, verbatim: code, name, type, normal side, no-overdraft scope, fixed currency.
SPEC_CHART = [
    ("1000", "Fund bank account", "asset", "debit", "account", "EUR"),
    ("1010", "Seized cash held in escrow", "asset", "debit", None, None),
    ("1100", "Forfeited assets held for sale", "asset", "debit", None, None),
    ("2000", "Awards payable", "liability", "credit", "award", None),
    ("2100", "Seized funds held pending decision", "liability", "credit", None, None),
    ("2200", "Accounts payable", "liability", "credit", None, None),
    ("3000", "Fund balance", "net_assets", "credit", None, None),
    ("4000", "Forfeiture revenue", "revenue", "credit", None, None),
    ("4100", "Gain on disposal of forfeited assets", "revenue", "credit", None, None),
    ("4200", "Donations and grants", "revenue", "credit", None, None),
    ("4300", "Interest income", "revenue", "credit", None, None),
    ("4400", "Foreign exchange gains", "revenue", "credit", None, None),
    ("5000", "Victim compensation", "expense", "debit", None, None),
    ("5100", "Loss on disposal of forfeited assets", "expense", "debit", None, None),
    ("5200", "Custody and disposal costs", "expense", "debit", None, None),
    ("5300", "Bank charges", "expense", "debit", None, None),
    ("5400", "Foreign exchange losses", "expense", "debit", None, None),
    ("5500", "Administrative costs", "expense", "debit", None, None),
]


def chart(session) -> list[tuple]:
    return [
        (a.code, a.name, a.type, a.normal_side, a.overdraft_scope, a.currency)
        for a in session.scalars(select(Account).order_by(Account.code))
    ]


def test_seeded_chart_is_spec_section_3_exactly(db):
    assert chart(db) == SPEC_CHART
    accounts = list(db.scalars(select(Account)))
    assert all(a.active for a in accounts)
    assert {a.code for a in accounts if a.no_overdraft} == {"1000", "2000"}
    # Every account starts with a zero running balance.
    rows = db.execute(
        select(Account.code, AccountBalance.balance, AccountBalance.original_balance).join(
            AccountBalance, AccountBalance.account_id == Account.id
        )
    ).all()
    assert sorted(tuple(row) for row in rows) == [(code, 0, 0) for code, *_ in SPEC_CHART]


def test_seeding_twice_adds_nothing_and_changes_nothing(db):
    # An existing account is left exactly as it is, even if an administrator renamed it.
    get_account(db, "5500").name = "Administration"
    db.commit()
    assert seed_chart(db, "EUR") == 0
    db.commit()
    expected = [
        row if row[0] != "5500" else ("5500", "Administration", *row[2:]) for row in SPEC_CHART
    ]
    assert chart(db) == expected
    assert db.scalar(select(func.count()).select_from(Account)) == len(SPEC_CHART)
    assert db.scalar(select(func.count()).select_from(AccountBalance)) == len(SPEC_CHART)


def test_normal_side_turns_debit_positive_figures():
    asset = Account(code="9", name="x", type="asset")
    liability = Account(code="9", name="x", type="liability")
    assert asset.on_normal_side(100) == 100 and liability.on_normal_side(-100) == 100
    assert asset.normal_side == "debit" and liability.normal_side == "credit"


def test_add_accounts(db):
    account = add_account(
        db,
        actor=OPERATOR,
        code="1001",
        name="  Bank account in USD ",
        type="asset",
        currency="USD",
        no_overdraft=True,
    )
    other = add_account(db, actor=OPERATOR, code="5600", name="Translation costs", type="expense")
    refunds = add_account(
        db, actor=OPERATOR, code="2300", name="Refunds payable", type="liability", no_overdraft=True
    )
    db.commit()
    stored = get_account(db, "1001")
    assert stored.id == account.id
    assert (stored.name, stored.type, stored.currency) == ("Bank account in USD", "asset", "USD")
    assert stored.overdraft_scope == "account" and stored.no_overdraft
    assert stored.normal_side == "debit" and stored.active
    balance = db.get(AccountBalance, stored.id)
    assert (balance.balance, balance.original_balance, balance.postings) == (0, 0, 0)
    # Any currency, no overdraft rule.
    assert (other.currency, other.overdraft_scope, other.normal_side) == (None, None, "debit")
    assert db.get(AccountBalance, other.id) is not None
    # A liability may have the rule too.
    assert refunds.overdraft_scope == "account"


ADD_ACCOUNT_REFUSALS = [
    ({"code": "10a1"}, "code"),
    ({"code": ""}, "code"),
    ({"code": "12345678901"}, "code"),
    ({"code": "-100"}, "code"),
    ({"code": " 1001"}, "code"),
    ({"code": 1001}, "code"),
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "x" * 121}, "name"),
    ({"name": None}, "name"),
    ({"type": "equity"}, "type"),
    ({"type": "Asset"}, "type"),
    ({"currency": "usd"}, "currency"),
    ({"currency": "ZZZ"}, "currency"),
    ({"currency": "XAU"}, "currency"),
    ({"type": "expense", "no_overdraft": True}, "no_overdraft"),
    ({"type": "revenue", "no_overdraft": True}, "no_overdraft"),
    ({"type": "net_assets", "no_overdraft": True}, "no_overdraft"),
]


def test_add_account_validations(db):
    failures = []
    for changes, field in ADD_ACCOUNT_REFUSALS:
        values = {"code": "1001", "name": "USD bank", "type": "asset", "currency": "USD"} | changes
        try:
            add_account(db, actor=OPERATOR, **values)
        except Invalid as exc:
            if list(exc.errors) != [field] or status_of(exc) != 422:
                failures.append(f"{changes}: {exc.errors}")
        else:
            failures.append(f"{changes}: accepted")
        db.rollback()
    assert failures == []
    assert db.scalar(select(func.count()).select_from(Account)) == len(SPEC_CHART)


def test_add_account_refuses_an_existing_code(db):
    with pytest.raises(Conflict) as caught:
        add_account(db, actor=OPERATOR, code="1000", name="Another bank", type="asset")
    assert status_of(caught.value) == 409 and list(caught.value.errors) == ["code"]
    add_account(db, actor=OPERATOR, code="1001", name="USD bank", type="asset", currency="USD")
    with pytest.raises(Conflict):
        add_account(db, actor=OPERATOR, code="1001", name="USD bank again", type="asset")
    with pytest.raises(NotFound) as caught:
        get_account(db, "9999")
    assert status_of(caught.value) == 404 and "9999" in caught.value.detail


def test_add_account_refuses_non_ascii_digits(db):
    accepted = []
    for code in ("\u0661\u0660\u0660\u0661", "\uff11\uff10\uff10\uff11", "10\u00b2"):
        try:
            add_account(db, actor=OPERATOR, code=code, name="Odd digits", type="asset")
            accepted.append(code)
        except Invalid:
            pass
        db.rollback()
    assert accepted == []
