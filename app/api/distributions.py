"""Distribution rounds: pro rata shares of an amount over outstanding awards."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from app import db
from app.api.common import actor
from app.api.fields import Id, MoneyField
from app.auth import requires
from ledger import access, distributions
from ledger.reads import awards as reads
from ledger.validate import today_utc

blp = Blueprint(
    "distributions",
    __name__,
    url_prefix="/distributions",
    description="Pro rata distribution rounds",
)


class DistributionIn(Schema):
    amount = MoneyField(required=True)
    case_id = Id(load_default=None)


class LineOut(Schema):
    award_id = fields.Integer()
    victim = fields.String()
    amount = MoneyField()
    disbursement_id = fields.Integer()


class DistributionOut(Schema):
    id = fields.Integer()
    amount = MoneyField()
    case_id = fields.Integer(allow_none=True)
    decided_on = fields.Date()
    created_by = fields.String()
    lines = fields.List(fields.Nested(LineOut))


@blp.route("")
class Distributions(MethodView):
    @requires(access.MANAGE_PAYMENTS)
    @blp.arguments(DistributionIn)
    @blp.response(201, DistributionOut)
    def post(self, body):
        """Share ``amount`` pro rata; creates proposed disbursements for approval."""
        session = db.session()
        round_ = distributions.distribute(session, actor=actor(), on=today_utc(), **body)
        return reads.get_distribution(session, actor(), round_.id)


@blp.route("/<int:distribution_id>")
class DistributionView(MethodView):
    @requires(access.READ_BOOKS)
    @blp.response(200, DistributionOut)
    def get(self, distribution_id: int):
        """One round with its lines."""
        return reads.get_distribution(db.session(), actor(), distribution_id)
