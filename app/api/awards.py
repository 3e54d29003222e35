"""Compensation awards: registered by courts (or administrators for them)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.api.endpoints import Resource
from app.api.fields import Day, Id, MoneyField, QueryId, Text
from app.api.schemas import PageArgs, answer_schema, dated_reason
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


CancelIn = dated_reason("CancelIn", "effective_on", amount=MoneyField(load_default=None))


class AwardArgs(PageArgs):
    case_id = QueryId()
    victim_id = QueryId()
    status = fields.String(validate=validate.OneOf(AWARD_STATES))


AwardOut = answer_schema(
    reads.AwardRow,
    "AwardOut",
    "id case_id case_reference victim_id victim order_reference ordered_on amount"
    " functional_value paid cancelled outstanding status returned_payments",
    victim=fields.String(metadata={"description": "the victim's code"}),
)

resource = Resource(blp, AwardOut, show=reads.get_award)


@blp.route("")
class Awards(MethodView):
    post = resource.create(
        access.REGISTER_AWARDS,
        AwardIn,
        awards.register_award,
        "Register an award: 5000 / 2000 at its functional value on the award date.",
    )
    get = resource.page(
        access.READ_REGISTERS,
        AwardArgs,
        reads.list_awards,
        "The awards register (a court sees the awards it registered).",
    )


@blp.route("/<int:award_id>")
class AwardView(MethodView):
    get = resource.one(
        access.READ_REGISTERS, "One award with what is paid, cancelled and outstanding."
    )


@blp.route("/<int:award_id>/cancel")
class Cancel(MethodView):
    post = resource.act(
        access.REGISTER_AWARDS,
        CancelIn,
        awards.cancel_award,
        "Cancel the unpaid part, or reduce it by ``amount``: 2000 / 5000.",
    )
