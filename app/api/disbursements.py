"""Payments of awards: propose, approve or reject (four eyes), execute, return."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.api.endpoints import Resource, on_today
from app.api.fields import Day, Id, MoneyField, QueryId, Text
from app.api.schemas import NoBody, PageArgs, answer_schema, dated_reason
from ledger import access, disbursements
from ledger.models.registers import DISBURSEMENT_STATES, PAYMENT_METHODS
from ledger.reads import awards as reads

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


ReturnIn = dated_reason("ReturnIn", "returned_on")


class DisbursementArgs(PageArgs):
    award_id = QueryId()
    status = fields.String(validate=validate.OneOf(DISBURSEMENT_STATES))


DisbursementOut = answer_schema(
    reads.PaymentRow,
    "DisbursementOut",
    "id award_id victim distribution_id amount method status proposed_by approved_by"
    " rejected_by rejection_reason paid_on bank_reference debited fee payment_entry"
    " returned_on return_reason return_entry",
)

resource = Resource(blp, DisbursementOut, show=reads.get_payment)


@blp.route("")
class Disbursements(MethodView):
    post = resource.create(
        access.MANAGE_PAYMENTS,
        ProposeIn,
        on_today(disbursements.propose_disbursement),
        "Propose a payment (within what is outstanding and the fund's free cash).",
    )
    get = resource.page(
        access.READ_REGISTERS,
        DisbursementArgs,
        reads.list_payments,
        "Payments, filtered by award or status (a court: its own awards' payments).",
    )


@blp.route("/<int:disbursement_id>")
class DisbursementView(MethodView):
    get = resource.one(access.READ_REGISTERS, "One payment.")


@blp.route("/<int:disbursement_id>/approve")
class Approve(MethodView):
    post = resource.act(
        access.MANAGE_PAYMENTS,
        NoBody,
        disbursements.approve_disbursement,
        "Approve another administrator's proposal (never one's own: 403).",
    )


@blp.route("/<int:disbursement_id>/reject")
class Reject(MethodView):
    post = resource.act(
        access.MANAGE_PAYMENTS,
        RejectIn,
        disbursements.reject_disbursement,
        "Reject another administrator's proposal.",
    )


@blp.route("/<int:disbursement_id>/execute")
class Execute(MethodView):
    post = resource.act(
        access.MANAGE_PAYMENTS,
        ExecuteIn,
        disbursements.execute_disbursement,
        "Record the bank's execution: what it debited and its fee.",
    )


@blp.route("/<int:disbursement_id>/return")
class Return(MethodView):
    post = resource.act(
        access.MANAGE_PAYMENTS,
        ReturnIn,
        disbursements.return_disbursement,
        "The bank returned the payment: reversed but for the fee; the award is owed again.",
    )
