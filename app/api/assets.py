"""Seized assets and their state machine: seize, forfeit, liquidate, release."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app import db
from app.api.common import actor
from app.api.fields import Day, Id, MoneyField, QueryId, Text
from app.api.schemas import PageArgs, page_request, page_schema
from app.auth import requires
from ledger import access, assets
from ledger.models.registers import ASSET_KINDS, ASSET_STATES
from ledger.reads import registers

blp = Blueprint("assets", __name__, url_prefix="/assets", description="Seized assets")


class AssetIn(Schema):
    case_id = Id(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(ASSET_KINDS))
    description = Text(500, required=True)
    seized_on = Day(required=True)
    estimated_value = MoneyField(required=True)


class ForfeitIn(Schema):
    order_reference = Text(100, required=True)
    forfeited_on = Day(required=True)
    value = MoneyField(load_default=None)


class LiquidateIn(Schema):
    sold_on = Day(required=True)
    proceeds = MoneyField(required=True)
    selling_costs = MoneyField(load_default=None)


class ReleaseIn(Schema):
    released_on = Day(required=True)
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


def _asset(asset_id: int):
    return registers.get_asset(db.session(), actor(), asset_id)


@blp.route("")
class Assets(MethodView):
    @requires(access.MANAGE_ASSETS)
    @blp.arguments(AssetIn)
    @blp.response(201, AssetOut)
    def post(self, body):
        """Record a seizure (cash is held in escrow: 1010 / 2100)."""
        return _asset(assets.seize_asset(db.session(), actor=actor(), **body).id)

    @requires(access.READ_REGISTERS)
    @blp.arguments(AssetArgs, location="query")
    @blp.response(200, page_schema(AssetOut))
    def get(self, args):
        """The asset register, filtered by case, state or kind."""
        return registers.list_assets(db.session(), actor(), page_request(args), **args)


@blp.route("/<int:asset_id>")
class AssetView(MethodView):
    @requires(access.READ_REGISTERS)
    @blp.response(200, AssetOut)
    def get(self, asset_id: int):
        """One asset."""
        return _asset(asset_id)


@blp.route("/<int:asset_id>/forfeit")
class Forfeit(MethodView):
    @requires(access.MANAGE_ASSETS)
    @blp.arguments(ForfeitIn)
    @blp.response(200, AssetOut)
    def post(self, body, asset_id: int):
        """Forfeiture: cash 2100 / 4000 and 1000 / 1010; non-cash 1100 / 4000 at ``value``."""
        assets.forfeit_asset(db.session(), actor=actor(), asset_id=asset_id, **body)
        return _asset(asset_id)


@blp.route("/<int:asset_id>/liquidate")
class Liquidate(MethodView):
    @requires(access.MANAGE_ASSETS)
    @blp.arguments(LiquidateIn)
    @blp.response(200, AssetOut)
    def post(self, body, asset_id: int):
        """Sale of a forfeited asset: 1000 net proceeds / 1100, gain 4100 or loss 5100."""
        assets.liquidate_asset(db.session(), actor=actor(), asset_id=asset_id, **body)
        return _asset(asset_id)


@blp.route("/<int:asset_id>/release")
class Release(MethodView):
    @requires(access.MANAGE_ASSETS)
    @blp.arguments(ReleaseIn)
    @blp.response(200, AssetOut)
    def post(self, body, asset_id: int):
        """Release to the owner (seized cash: 2100 / 1010)."""
        assets.release_asset(db.session(), actor=actor(), asset_id=asset_id, **body)
        return _asset(asset_id)
