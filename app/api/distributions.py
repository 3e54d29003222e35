"""Distribution rounds: pro rata shares of an amount over outstanding awards."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from app.api.endpoints import Resource, on_today
from app.api.fields import Id, MoneyField
from app.api.schemas import answer_schema
from ledger import access, distributions
from ledger.reads import awards as reads

blp = Blueprint(
    "distributions",
    __name__,
    url_prefix="/distributions",
    description="Pro rata distribution rounds",
)


class DistributionIn(Schema):
    amount = MoneyField(required=True)
    case_id = Id(load_default=None)


LineOut = answer_schema(reads.DistributionLine, "LineOut", "award_id victim amount disbursement_id")
DistributionOut = answer_schema(
    reads.DistributionRow, "DistributionOut", lines=fields.List(fields.Nested(LineOut))
)

resource = Resource(blp, DistributionOut, show=reads.get_distribution)


@blp.route("")
class Distributions(MethodView):
    post = resource.create(
        access.MANAGE_PAYMENTS,
        DistributionIn,
        on_today(distributions.distribute),
        "Share ``amount`` pro rata; creates proposed disbursements for approval.",
    )


@blp.route("/<int:distribution_id>")
class DistributionView(MethodView):
    get = resource.one(access.READ_BOOKS, "One round with its lines.")
