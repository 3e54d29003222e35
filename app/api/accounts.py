"""The chart of accounts with current balances."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select

from app import db
from app.api.schemas import MoneySchema, PageArgs
from app.auth import ADMIN, AUDITOR, requires
from ledger.balances import account_activity
from ledger.chart import get_account
from ledger.fund import functional_currency
from ledger.models import Account, AccountBalance
from ledger.money import Money

blp = Blueprint("accounts", __name__, url_prefix="/accounts", description="Chart of accounts")


class AccountSchema(Schema):
    code = fields.String()
    name = fields.String()
    type = fields.String()
    currency = fields.String(allow_none=True)
    normal_side = fields.String()
    no_overdraft = fields.Boolean()
    balance = fields.Nested(MoneySchema, metadata={"description": "on the normal side"})
    balance_original = fields.Nested(MoneySchema, allow_none=True)


def account_json(account: Account, row: AccountBalance, functional: str) -> dict:
    original = None
    if account.currency is not None and account.currency != functional:
        original = Money(account.on_normal_side(row.original_balance), account.currency).as_json()
    return {
        "code": account.code,
        "name": account.name,
        "type": account.type,
        "currency": account.currency,
        "normal_side": account.normal_side,
        "no_overdraft": account.no_overdraft,
        "balance": Money(account.on_normal_side(row.balance), functional).as_json(),
        "balance_original": original,
    }


@blp.route("")
class Accounts(MethodView):
    @requires(ADMIN, AUDITOR)
    @blp.response(200, AccountSchema(many=True))
    def get(self):
        """Every account with its current balance on its normal side."""
        session = db.session()
        functional = functional_currency(session)
        rows = session.execute(
            select(Account, AccountBalance)
            .join(AccountBalance, AccountBalance.account_id == Account.id)
            .order_by(Account.code)
        )
        return [account_json(account, row, functional) for account, row in rows]


class LedgerArgs(PageArgs):
    date_from = fields.Date(data_key="from", load_default=None)
    date_to = fields.Date(data_key="to", load_default=None)


class LedgerLineOut(Schema):
    entry = fields.Integer()
    value_date = fields.Date()
    memo = fields.String()
    debit = fields.Nested(MoneySchema, allow_none=True)
    credit = fields.Nested(MoneySchema, allow_none=True)
    original = fields.Nested(MoneySchema)
    balance = fields.Nested(MoneySchema, metadata={"description": "running, normal side"})


class LedgerOut(Schema):
    account = fields.Nested(AccountSchema)
    opening_balance = fields.Nested(MoneySchema)
    items = fields.List(fields.Nested(LedgerLineOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


@blp.route("/<code>/ledger")
class AccountLedger(MethodView):
    @requires(ADMIN, AUDITOR)
    @blp.arguments(LedgerArgs, location="query")
    @blp.response(200, LedgerOut)
    def get(self, args, code: str):
        """Account activity in date order with a running balance on the normal side."""
        session = db.session()
        functional = functional_currency(session)
        account = get_account(session, code)
        row = session.get(AccountBalance, account.id)
        page = account_activity(
            session, account, args["date_from"], args["date_to"], args["page"], args["per_page"]
        )

        def money(debit_positive: int) -> dict:
            return Money(account.on_normal_side(debit_positive), functional).as_json()

        return {
            "account": account_json(account, row, functional),
            "opening_balance": money(page.opening),
            "items": [
                {
                    "entry": line.entry,
                    "value_date": line.value_date,
                    "memo": line.memo,
                    "debit": Money(line.amount, functional).as_json() if line.amount > 0 else None,
                    "credit": Money(-line.amount, functional).as_json()
                    if line.amount < 0
                    else None,
                    "original": Money(line.original_amount, line.currency).as_json(),
                    "balance": money(line.running),
                }
                for line in page.lines
            ],
            "total": page.total,
            "page": args["page"],
            "per_page": args["per_page"],
        }
