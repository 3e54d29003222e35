"""Compensation awards: registered by courts (or administrators for them)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app import db
from app.api.common import actor
from app.api.fields import Day, Id, MoneyField, QueryId, Text
from app.api.schemas import PageArgs, page_request, page_schema
from app.auth import requires
from ledger import access, awards
from ledger.models.registers import AWARD_STATES
from ledger.reads import awards as reads

blp = Blueprint("awards", __name__, url_prefix="/awards", description="Compensation awards")


class AwardIn(Schema):
    case_id = Id(required=True)
    victim_id = Id(required=True)
    order_reference = Text(100, required=True)
    ordered_on = Day(required=True)
    amount = MoneyField(required=True)


class CancelIn(Schema):
    effective_on = Day(required=True)
    reason = Text(500, required=True)
    amount = MoneyField(load_default=None)


class AwardArgs(PageArgs):
    case_id = QueryId()
    victim_id = QueryId()
    status = fields.String(validate=validate.OneOf(AWARD_STATES))


class AwardOut(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    case_reference = fields.String()
    victim_id = fields.Integer()
    victim = fields.String(metadata={"description": "the victim's code"})
    order_reference = fields.String()
    ordered_on = fields.Date()
    amount = MoneyField()
    functional_value = MoneyField()
    paid = MoneyField()
    cancelled = MoneyField()
    outstanding = MoneyField()
    status = fields.String()
    returned_payments = fields.Integer()


def _award(award_id: int):
    return reads.get_award(db.session(), actor(), award_id)


@blp.route("")
class Awards(MethodView):
    @requires(access.REGISTER_AWARDS)
    @blp.arguments(AwardIn)
    @blp.response(201, AwardOut)
    def post(self, body):
        """Register an award: 5000 / 2000 at its functional value on the award date."""
        return _award(awards.register_award(db.session(), actor=actor(), **body).id)

    @requires(access.READ_REGISTERS)
    @blp.arguments(AwardArgs, location="query")
    @blp.response(200, page_schema(AwardOut))
    def get(self, args):
        """The awards register (a court sees the awards it registered)."""
        return reads.list_awards(db.session(), actor(), page_request(args), **args)


@blp.route("/<int:award_id>")
class AwardView(MethodView):
    @requires(access.READ_REGISTERS)
    @blp.response(200, AwardOut)
    def get(self, award_id: int):
        """One award with what is paid, cancelled and outstanding."""
        return _award(award_id)


@blp.route("/<int:award_id>/cancel")
class Cancel(MethodView):
    @requires(access.REGISTER_AWARDS)
    @blp.arguments(CancelIn)
    @blp.response(200, AwardOut)
    def post(self, body, award_id: int):
        """Cancel the unpaid part, or reduce it by ``amount``: 2000 / 5000."""
        awards.cancel_award(db.session(), actor=actor(), award_id=award_id, **body)
        return _award(award_id)
