"""The chart of accounts with current balances, each account's ledger, new accounts."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from app import db
from app.api.common import actor
from app.api.endpoints import Resource
from app.api.fields import Day, MoneyField
from app.api.schemas import PageArgs, answer_schema, page_request
from app.auth import requires
from ledger import access
from ledger.reads import journal as reads

blp = Blueprint("accounts", __name__, url_prefix="/accounts", description="Chart of accounts")


AccountSchema = answer_schema(
    reads.AccountRow,
    "AccountSchema",
    "code name type currency normal_side no_overdraft balance balance_original",
    balance=MoneyField(metadata={"description": "on the normal side"}),
)


class LedgerArgs(PageArgs):
    date_from = Day(data_key="from", load_default=None)
    date_to = Day(data_key="to", load_default=None)


LedgerLineOut = answer_schema(
    reads.LedgerLine,
    "LedgerLineOut",
    balance=MoneyField(metadata={"description": "running, normal side"}),
)


class LedgerOut(Schema):
    account = fields.Nested(AccountSchema)
    opening_balance = MoneyField()
    items = fields.List(fields.Nested(LedgerLineOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


@blp.route("")
class Accounts(MethodView):
    get = Resource(blp, AccountSchema).page(
        access.READ_BOOKS,
        PageArgs,
        reads.list_accounts,
        "Every account with its current balance on its normal side.",
    )


@blp.route("/<code>/ledger")
class AccountLedger(MethodView):
    @requires(access.READ_BOOKS)
    @blp.arguments(LedgerArgs, location="query")
    @blp.response(200, LedgerOut)
    def get(self, args, code: str):
        """Account activity in date order with a running balance on the normal side."""
        page = page_request(args)
        ledger = reads.account_ledger(db.session(), actor(), code, page, **args)
        return {
            "account": ledger.account,
            "opening_balance": ledger.opening_balance,
            "items": ledger.page.items,
            "total": ledger.page.total,
            "page": ledger.page.page,
            "per_page": ledger.page.per_page,
        }
