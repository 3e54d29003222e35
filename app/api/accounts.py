"""The chart of accounts with current balances."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select

from app import db
from app.api.schemas import MoneySchema
from app.auth import ADMIN, AUDITOR, requires
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
