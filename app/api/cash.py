"""Receipts (donations, grants, interest) and expenses (custody, bank charges, …)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app import db
from app.api.common import actor
from app.api.fields import Day, Id, MoneyField, Text
from app.auth import requires
from ledger import access, cash
from ledger.reads import books

receipts = Blueprint("receipts", __name__, url_prefix="/receipts", description="Money received")
expenses = Blueprint("expenses", __name__, url_prefix="/expenses", description="Money spent")


def _movement_in(kinds: dict, date_field: str) -> type[Schema]:
    """The body of a receipt or an expense: the same fields but for the kinds and the date."""
    return Schema.from_dict(
        {
            "kind": fields.String(required=True, validate=validate.OneOf(list(kinds))),
            date_field: Day(required=True),
            "amount": MoneyField(required=True),
            "counterparty": Text(200, required=True),
            "case_id": Id(load_default=None),
            "asset_id": Id(load_default=None),
        },
        name=("Receipt" if date_field == "received_on" else "Expense") + "In",
    )


ReceiptIn = _movement_in(cash.RECEIPT_ACCOUNTS, "received_on")
ExpenseIn = _movement_in(cash.EXPENSE_ACCOUNTS, "paid_on")


class MovementOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    date = fields.Date()
    amount = MoneyField()
    counterparty = fields.String()
    case_id = fields.Integer(allow_none=True)
    asset_id = fields.Integer(allow_none=True)
    entry_number = fields.Integer()


@receipts.route("")
class Receipts(MethodView):
    @requires(access.MANAGE_CASH)
    @receipts.arguments(ReceiptIn)
    @receipts.response(201, MovementOut)
    def post(self, body):
        """Record money received."""
        return books.movement_row(cash.record_receipt(db.session(), actor=actor(), **body))


@expenses.route("")
class Expenses(MethodView):
    @requires(access.MANAGE_CASH)
    @expenses.arguments(ExpenseIn)
    @expenses.response(201, MovementOut)
    def post(self, body):
        """Record money spent."""
        return books.movement_row(cash.record_expense(db.session(), actor=actor(), **body))
