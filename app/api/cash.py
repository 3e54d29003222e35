"""Receipts (donations, grants, interest) and expenses (custody, bank charges, …)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app import db
from app.api.common import actor
from app.api.fields import Id, MoneyField, Text
from app.auth import ADMIN, requires
from ledger import cash
from ledger.models import CashMovement
from ledger.money import Money

receipts = Blueprint("receipts", __name__, url_prefix="/receipts", description="Money received")
expenses = Blueprint("expenses", __name__, url_prefix="/expenses", description="Money spent")


class ReceiptIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(list(cash.RECEIPT_ACCOUNTS)))
    received_on = fields.Date(required=True)
    amount = MoneyField(required=True)
    counterparty = Text(200, required=True)
    case_id = Id(load_default=None)
    asset_id = Id(load_default=None)


class ExpenseIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(list(cash.EXPENSE_ACCOUNTS)))
    paid_on = fields.Date(required=True)
    amount = MoneyField(required=True)
    counterparty = Text(200, required=True)
    case_id = Id(load_default=None)
    asset_id = Id(load_default=None)


class MovementOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    date = fields.Date()
    amount = MoneyField()
    counterparty = fields.String()
    case_id = fields.Integer(allow_none=True)
    asset_id = fields.Integer(allow_none=True)
    entry_number = fields.Integer()


def movement_json(movement: CashMovement) -> dict:
    return {
        "id": movement.id,
        "kind": movement.kind,
        "date": movement.occurred_on,
        "amount": Money(movement.amount_minor, movement.currency),
        "counterparty": movement.counterparty,
        "case_id": movement.case_id,
        "asset_id": movement.asset_id,
        "entry_number": movement.entry_number,
    }


@receipts.route("")
class Receipts(MethodView):
    @requires(ADMIN)
    @receipts.arguments(ReceiptIn)
    @receipts.response(201, MovementOut)
    def post(self, body):
        """Record money received."""
        return movement_json(cash.record_receipt(db.session(), actor=actor(), **body))


@expenses.route("")
class Expenses(MethodView):
    @requires(ADMIN)
    @expenses.arguments(ExpenseIn)
    @expenses.response(201, MovementOut)
    def post(self, body):
        """Record money spent."""
        return movement_json(cash.record_expense(db.session(), actor=actor(), **body))
