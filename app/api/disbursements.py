"""Payments of awards: propose, approve or reject (four eyes), execute, return."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app import db
from app.api.common import actor
from app.api.fields import Day, Id, MoneyField, QueryId, Text
from app.api.schemas import NoBody, PageArgs, page_request, page_schema
from app.auth import requires
from ledger import access, disbursements
from ledger.models.registers import DISBURSEMENT_STATES, PAYMENT_METHODS
from ledger.reads import awards as reads
from ledger.validate import today_utc

blp = Blueprint(
    "disbursements", __name__, url_prefix="/disbursements", description="Payments of awards"
)


class ProposeIn(Schema):
    award_id = Id(required=True)
    amount = MoneyField(required=True)
    method = fields.String(required=True, validate=validate.OneOf(PAYMENT_METHODS))


class RejectIn(Schema):
    reason = fields.String(load_default=None, validate=validate.Length(max=500))


class ExecuteIn(Schema):
    paid_on = Day(required=True)
    bank_reference = Text(100, required=True)
    debited = MoneyField(required=True)
    fee = MoneyField(load_default=None)


class ReturnIn(Schema):
    returned_on = Day(required=True)
    reason = Text(500, required=True)


class DisbursementArgs(PageArgs):
    award_id = QueryId()
    status = fields.String(validate=validate.OneOf(DISBURSEMENT_STATES))


class DisbursementOut(Schema):
    id = fields.Integer()
    award_id = fields.Integer()
    victim = fields.String()
    distribution_id = fields.Integer(allow_none=True)
    amount = MoneyField()
    method = fields.String()
    status = fields.String()
    proposed_by = fields.String()
    approved_by = fields.String(allow_none=True)
    rejected_by = fields.String(allow_none=True)
    rejection_reason = fields.String(allow_none=True)
    paid_on = fields.Date(allow_none=True)
    bank_reference = fields.String(allow_none=True)
    debited = MoneyField(allow_none=True)
    fee = MoneyField(allow_none=True)
    payment_entry = fields.Integer(allow_none=True)
    returned_on = fields.Date(allow_none=True)
    return_reason = fields.String(allow_none=True)
    return_entry = fields.Integer(allow_none=True)


def _payment(disbursement_id: int):
    return reads.get_payment(db.session(), actor(), disbursement_id)


@blp.route("")
class Disbursements(MethodView):
    @requires(access.MANAGE_PAYMENTS)
    @blp.arguments(ProposeIn)
    @blp.response(201, DisbursementOut)
    def post(self, body):
        """Propose a payment (within what is outstanding and the fund's free cash)."""
        proposed = disbursements.propose_disbursement(
            db.session(), actor=actor(), on=today_utc(), **body
        )
        return _payment(proposed.id)

    @requires(access.READ_REGISTERS)
    @blp.arguments(DisbursementArgs, location="query")
    @blp.response(200, page_schema(DisbursementOut))
    def get(self, args):
        """Payments, filtered by award or status (a court: its own awards' payments)."""
        return reads.list_payments(db.session(), actor(), page_request(args), **args)


@blp.route("/<int:disbursement_id>")
class DisbursementView(MethodView):
    @requires(access.READ_REGISTERS)
    @blp.response(200, DisbursementOut)
    def get(self, disbursement_id: int):
        """One payment."""
        return _payment(disbursement_id)


@blp.route("/<int:disbursement_id>/approve")
class Approve(MethodView):
    @requires(access.MANAGE_PAYMENTS)
    @blp.arguments(NoBody)
    @blp.response(200, DisbursementOut)
    def post(self, _body, disbursement_id: int):
        """Approve another administrator's proposal (never one's own: 403)."""
        disbursements.approve_disbursement(
            db.session(), actor=actor(), disbursement_id=disbursement_id
        )
        return _payment(disbursement_id)


@blp.route("/<int:disbursement_id>/reject")
class Reject(MethodView):
    @requires(access.MANAGE_PAYMENTS)
    @blp.arguments(RejectIn)
    @blp.response(200, DisbursementOut)
    def post(self, body, disbursement_id: int):
        """Reject another administrator's proposal."""
        disbursements.reject_disbursement(
            db.session(), actor=actor(), disbursement_id=disbursement_id, **body
        )
        return _payment(disbursement_id)


@blp.route("/<int:disbursement_id>/execute")
class Execute(MethodView):
    @requires(access.MANAGE_PAYMENTS)
    @blp.arguments(ExecuteIn)
    @blp.response(200, DisbursementOut)
    def post(self, body, disbursement_id: int):
        """Record the bank's execution: what it debited and its fee."""
        disbursements.execute_disbursement(
            db.session(), actor=actor(), disbursement_id=disbursement_id, **body
        )
        return _payment(disbursement_id)


@blp.route("/<int:disbursement_id>/return")
class Return(MethodView):
    @requires(access.MANAGE_PAYMENTS)
    @blp.arguments(ReturnIn)
    @blp.response(200, DisbursementOut)
    def post(self, body, disbursement_id: int):
        """The bank returned the payment: reversed but for the fee; the award is owed again."""
        disbursements.return_disbursement(
            db.session(), actor=actor(), disbursement_id=disbursement_id, **body
        )
        return _payment(disbursement_id)
