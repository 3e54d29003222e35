"""Distribution rounds: pro rata shares of an amount over outstanding awards."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from app import db
from app.api.common import actor
from app.api.fields import Id, MoneyField
from app.auth import ADMIN, AUDITOR, requires
from ledger import distributions
from ledger.models import Distribution
from ledger.money import Money
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


def distribution_json(round_: Distribution) -> dict:
    return {
        "id": round_.id,
        "amount": Money(round_.amount_minor, round_.currency),
        "case_id": round_.case_id,
        "decided_on": round_.decided_on,
        "created_by": round_.created_by,
        "lines": [
            {
                "award_id": d.award_id,
                "victim": d.award.victim.code,
                "amount": Money(d.amount_minor, d.currency),
                "disbursement_id": d.id,
            }
            for d in round_.lines
        ],
    }


@blp.route("")
class Distributions(MethodView):
    @requires(ADMIN)
    @blp.arguments(DistributionIn)
    @blp.response(201, DistributionOut)
    def post(self, body):
        """Share ``amount`` pro rata; creates proposed disbursements for approval."""
        round_ = distributions.distribute(
            db.session(),
            actor=actor(),
            on=today_utc(),
            amount=body["amount"],
            case_id=body["case_id"],
        )
        return distribution_json(round_)


@blp.route("/<int:distribution_id>")
class DistributionView(MethodView):
    @requires(ADMIN, AUDITOR)
    @blp.response(200, DistributionOut)
    def get(self, distribution_id: int):
        """One round with its lines."""
        return distribution_json(distributions.get_distribution(db.session(), distribution_id))
