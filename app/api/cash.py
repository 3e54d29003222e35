"""Receipts (donations, grants, interest) and expenses (custody, bank charges, …)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.api.endpoints import Resource
from app.api.fields import Day, Id, MoneyField, Text
from app.api.schemas import answer_schema
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


MovementOut = answer_schema(
    books.MovementRow,
    "MovementOut",
    "id kind date amount counterparty case_id asset_id entry_number",
    # Set in the movement's own transaction: an answer always has it.
    entry_number=fields.Integer(),
)


@receipts.route("")
class Receipts(MethodView):
    post = Resource(receipts, MovementOut, show=books.get_movement).create(
        access.MANAGE_CASH, ReceiptIn, cash.record_receipt, "Record money received."
    )


@expenses.route("")
class Expenses(MethodView):
    post = Resource(expenses, MovementOut, show=books.get_movement).create(
        access.MANAGE_CASH, ExpenseIn, cash.record_expense, "Record money spent."
    )
