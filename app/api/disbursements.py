"""Payments of awards: propose, approve or reject (four eyes), execute, return."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app import db
from app.api.awards import court_scope
from app.api.common import actor, paginate
from app.api.fields import Id, MoneyField, QueryId, Text
from app.api.schemas import NoBody, PageArgs
from app.auth import ADMIN, EVERYONE, requires
from ledger import disbursements
from ledger.errors import NotFound
from ledger.fund import functional_currency
from ledger.models import Award, Disbursement
from ledger.models.registers import DISBURSEMENT_STATES, PAYMENT_METHODS
from ledger.money import Money
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
    paid_on = fields.Date(required=True)
    bank_reference = Text(100, required=True)
    debited = MoneyField(required=True)
    fee = MoneyField(load_default=None)


class ReturnIn(Schema):
    returned_on = fields.Date(required=True)
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


class DisbursementPage(Schema):
    items = fields.List(fields.Nested(DisbursementOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


def disbursement_json(d: Disbursement) -> dict:
    functional = functional_currency(db.session())
    return {
        "id": d.id,
        "award_id": d.award_id,
        "victim": d.award.victim.code,
        "distribution_id": d.distribution_id,
        "amount": Money(d.amount_minor, d.currency),
        "method": d.method,
        "status": d.status,
        "proposed_by": d.proposed_by,
        "approved_by": d.approved_by,
        "rejected_by": d.rejected_by,
        "rejection_reason": d.rejection_reason,
        "paid_on": d.paid_on,
        "bank_reference": d.bank_reference,
        "debited": None if d.debited_minor is None else Money(d.debited_minor, functional),
        "fee": None if d.fee_minor is None else Money(d.fee_minor, functional),
        "payment_entry": d.payment_entry,
        "returned_on": d.returned_on,
        "return_reason": d.return_reason,
        "return_entry": d.return_entry,
    }


@blp.route("")
class Disbursements(MethodView):
    @requires(ADMIN)
    @blp.arguments(ProposeIn)
    @blp.response(201, DisbursementOut)
    def post(self, body):
        """Propose a payment (within what is outstanding and the fund's free cash)."""
        d = disbursements.propose_disbursement(db.session(), actor=actor(), on=today_utc(), **body)
        return disbursement_json(d)

    @requires(*EVERYONE)
    @blp.arguments(DisbursementArgs, location="query")
    @blp.response(200, DisbursementPage)
    def get(self, args):
        """Payments, filtered by award or status."""
        query = select(Disbursement).order_by(Disbursement.id)
        for name in ("award_id", "status"):
            if args.get(name) is not None:
                query = query.where(getattr(Disbursement, name) == args[name])
        court = court_scope()
        if court is not None:  # a court sees the payments of its own awards only
            query = query.join(Award, Award.id == Disbursement.award_id).where(
                Award.court_user_id == court
            )
        return paginate(query, args, disbursement_json)


@blp.route("/<int:disbursement_id>")
class DisbursementView(MethodView):
    @requires(*EVERYONE)
    @blp.response(200, DisbursementOut)
    def get(self, disbursement_id: int):
        """One payment."""
        found = disbursements.get_disbursement(db.session(), disbursement_id)
        court = court_scope()
        if court is not None and found.award.court_user_id != court:
            raise NotFound(f"disbursement {disbursement_id} does not exist")
        return disbursement_json(found)


@blp.route("/<int:disbursement_id>/approve")
class Approve(MethodView):
    @requires(ADMIN)
    @blp.arguments(NoBody)
    @blp.response(200, DisbursementOut)
    def post(self, _body, disbursement_id: int):
        """Approve another administrator's proposal (never one's own: 403)."""
        d = disbursements.approve_disbursement(
            db.session(), actor=actor(), disbursement_id=disbursement_id
        )
        return disbursement_json(d)


@blp.route("/<int:disbursement_id>/reject")
class Reject(MethodView):
    @requires(ADMIN)
    @blp.arguments(RejectIn)
    @blp.response(200, DisbursementOut)
    def post(self, body, disbursement_id: int):
        """Reject another administrator's proposal."""
        d = disbursements.reject_disbursement(
            db.session(), actor=actor(), disbursement_id=disbursement_id, **body
        )
        return disbursement_json(d)


@blp.route("/<int:disbursement_id>/execute")
class Execute(MethodView):
    @requires(ADMIN)
    @blp.arguments(ExecuteIn)
    @blp.response(200, DisbursementOut)
    def post(self, body, disbursement_id: int):
        """Record the bank's execution: what it debited and its fee."""
        if body["fee"] is None:
            body["fee"] = Money(0, body["debited"].currency)
        d = disbursements.execute_disbursement(
            db.session(), actor=actor(), disbursement_id=disbursement_id, **body
        )
        return disbursement_json(d)


@blp.route("/<int:disbursement_id>/return")
class Return(MethodView):
    @requires(ADMIN)
    @blp.arguments(ReturnIn)
    @blp.response(200, DisbursementOut)
    def post(self, body, disbursement_id: int):
        """The bank returned the payment: reversed but for the fee; the award is owed again."""
        d = disbursements.return_disbursement(
            db.session(), actor=actor(), disbursement_id=disbursement_id, **body
        )
        return disbursement_json(d)
