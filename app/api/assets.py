"""Seized assets and their state machine: seize, forfeit, liquidate, release."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.api.endpoints import Resource
from app.api.fields import Day, Id, MoneyField, QueryId, Text
from app.api.schemas import PageArgs, answer_schema, dated_reason
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


ReleaseIn = dated_reason("ReleaseIn", "released_on")


class AssetArgs(PageArgs):
    case_id = QueryId()
    state = fields.String(validate=validate.OneOf(ASSET_STATES))
    kind = fields.String(validate=validate.OneOf(ASSET_KINDS))


AssetOut = answer_schema(registers.AssetRow, "AssetOut")

resource = Resource(blp, AssetOut, show=registers.get_asset)


@blp.route("")
class Assets(MethodView):
    post = resource.create(
        access.MANAGE_ASSETS,
        AssetIn,
        assets.seize_asset,
        "Record a seizure (cash is held in escrow: 1010 / 2100).",
    )
    get = resource.page(
        access.READ_REGISTERS,
        AssetArgs,
        registers.list_assets,
        "The asset register, filtered by case, state or kind.",
    )


@blp.route("/<int:asset_id>")
class AssetView(MethodView):
    get = resource.one(access.READ_REGISTERS, "One asset.")


@blp.route("/<int:asset_id>/forfeit")
class Forfeit(MethodView):
    post = resource.act(
        access.MANAGE_ASSETS,
        ForfeitIn,
        assets.forfeit_asset,
        "Forfeiture: cash 2100 / 4000 and 1000 / 1010; non-cash 1100 / 4000 at ``value``.",
    )


@blp.route("/<int:asset_id>/liquidate")
class Liquidate(MethodView):
    post = resource.act(
        access.MANAGE_ASSETS,
        LiquidateIn,
        assets.liquidate_asset,
        "Sale of a forfeited asset: 1000 net proceeds / 1100, gain 4100 or loss 5100.",
    )


@blp.route("/<int:asset_id>/release")
class Release(MethodView):
    post = resource.act(
        access.MANAGE_ASSETS,
        ReleaseIn,
        assets.release_asset,
        "Release to the owner (seized cash: 2100 / 1010).",
    )
