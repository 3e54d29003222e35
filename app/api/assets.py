"""Seized assets and their state machine: seize, forfeit, liquidate, release."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app import db
from app.api.common import actor, paginate
from app.api.fields import Id, MoneyField, QueryId, Text
from app.api.schemas import PageArgs
from app.auth import ADMIN, EVERYONE, requires
from ledger import assets
from ledger.models import Asset
from ledger.models.registers import ASSET_KINDS, ASSET_STATES
from ledger.money import Money

blp = Blueprint("assets", __name__, url_prefix="/assets", description="Seized assets")


class AssetIn(Schema):
    case_id = Id(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(ASSET_KINDS))
    description = Text(500, required=True)
    seized_on = fields.Date(required=True)
    estimated_value = MoneyField(required=True)


class ForfeitIn(Schema):
    order_reference = Text(100, required=True)
    forfeited_on = fields.Date(required=True)
    value = MoneyField(load_default=None)


class LiquidateIn(Schema):
    sold_on = fields.Date(required=True)
    proceeds = MoneyField(required=True)
    selling_costs = MoneyField(load_default=None)


class ReleaseIn(Schema):
    released_on = fields.Date(required=True)
    reason = Text(500, required=True)


class AssetArgs(PageArgs):
    case_id = QueryId()
    state = fields.String(validate=validate.OneOf(ASSET_STATES))
    kind = fields.String(validate=validate.OneOf(ASSET_KINDS))


class AssetOut(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    case_reference = fields.String()
    kind = fields.String()
    description = fields.String()
    seized_on = fields.Date()
    estimated_value = MoneyField()
    state = fields.String()
    forfeited_on = fields.Date(allow_none=True)
    order_reference = fields.String(allow_none=True)
    value = MoneyField(allow_none=True)
    carrying_value = MoneyField(allow_none=True)
    sold_on = fields.Date(allow_none=True)
    proceeds = MoneyField(allow_none=True)
    selling_costs = MoneyField(allow_none=True)
    released_on = fields.Date(allow_none=True)
    release_reason = fields.String(allow_none=True)


class AssetPage(Schema):
    items = fields.List(fields.Nested(AssetOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


def asset_json(asset: Asset) -> dict:
    from ledger.fund import functional_currency

    def money(minor, currency):
        return None if minor is None else Money(minor, currency)

    return {
        "id": asset.id,
        "case_id": asset.case_id,
        "case_reference": asset.case.reference,
        "kind": asset.kind,
        "description": asset.description,
        "seized_on": asset.seized_on,
        "estimated_value": Money(asset.estimated_minor, asset.estimated_currency),
        "state": asset.state,
        "forfeited_on": asset.forfeited_on,
        "order_reference": asset.forfeiture_order,
        "value": money(asset.value_minor, asset.value_currency),
        "carrying_value": money(asset.carrying_minor, functional_currency(db.session())),
        "sold_on": asset.sold_on,
        "proceeds": money(asset.proceeds_minor, asset.sale_currency),
        "selling_costs": money(asset.selling_costs_minor, asset.sale_currency),
        "released_on": asset.released_on,
        "release_reason": asset.release_reason,
    }


@blp.route("")
class Assets(MethodView):
    @requires(ADMIN)
    @blp.arguments(AssetIn)
    @blp.response(201, AssetOut)
    def post(self, body):
        """Record a seizure (cash is held in escrow: 1010 / 2100)."""
        return asset_json(assets.seize_asset(db.session(), actor=actor(), **body))

    @requires(*EVERYONE)
    @blp.arguments(AssetArgs, location="query")
    @blp.response(200, AssetPage)
    def get(self, args):
        """The asset register, filtered by case, state or kind."""
        query = select(Asset).order_by(Asset.id)
        for name in ("case_id", "state", "kind"):
            if args.get(name) is not None:
                query = query.where(getattr(Asset, name) == args[name])
        return paginate(query, args, asset_json)


@blp.route("/<int:asset_id>")
class AssetView(MethodView):
    @requires(*EVERYONE)
    @blp.response(200, AssetOut)
    def get(self, asset_id: int):
        """One asset."""
        return asset_json(assets.get_asset(db.session(), asset_id))


@blp.route("/<int:asset_id>/forfeit")
class Forfeit(MethodView):
    @requires(ADMIN)
    @blp.arguments(ForfeitIn)
    @blp.response(200, AssetOut)
    def post(self, body, asset_id: int):
        """Forfeiture: cash 2100 / 4000 and 1000 / 1010; non-cash 1100 / 4000 at ``value``."""
        return asset_json(
            assets.forfeit_asset(db.session(), actor=actor(), asset_id=asset_id, **body)
        )


@blp.route("/<int:asset_id>/liquidate")
class Liquidate(MethodView):
    @requires(ADMIN)
    @blp.arguments(LiquidateIn)
    @blp.response(200, AssetOut)
    def post(self, body, asset_id: int):
        """Sale of a forfeited asset: 1000 net proceeds / 1100, gain 4100 or loss 5100."""
        if body["selling_costs"] is None:
            body["selling_costs"] = Money(0, body["proceeds"].currency)
        return asset_json(
            assets.liquidate_asset(db.session(), actor=actor(), asset_id=asset_id, **body)
        )


@blp.route("/<int:asset_id>/release")
class Release(MethodView):
    @requires(ADMIN)
    @blp.arguments(ReleaseIn)
    @blp.response(200, AssetOut)
    def post(self, body, asset_id: int):
        """Release to the owner (seized cash: 2100 / 1010)."""
        return asset_json(
            assets.release_asset(db.session(), actor=actor(), asset_id=asset_id, **body)
        )
