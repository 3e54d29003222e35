"""Exchange rates: JSON rates or an ECB CSV upload; read by everyone."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate

from app import db
from app.api.common import actor
from app.api.endpoints import Resource, takes_files
from app.api.fields import Day
from app.api.schemas import PageArgs, answer_schema
from app.auth import requires
from app.errors import flatten_messages
from app.uploads import read_upload
from ledger import access, fx
from ledger.errors import Invalid
from ledger.fx import Rate, parse_rate
from ledger.reads import books

blp = Blueprint("fx_rates", __name__, url_prefix="/fx-rates", description="Exchange rates")


class RateField(fields.String):
    """A rate as a decimal string, never a JSON number."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return parse_rate(value)
        except Invalid as exc:
            raise ValidationError(exc.errors["rate"]) from None


class RateIn(Schema):
    currency = fields.String(required=True, validate=validate.Length(equal=3))
    date = Day(required=True)
    rate = RateField(required=True)


class RatesIn(Schema):
    rates = fields.List(
        fields.Nested(RateIn), required=True, validate=validate.Length(min=1, max=10000)
    )


RateOut = answer_schema(books.RateRow, "RateOut")


class RateArgs(PageArgs):
    currency = fields.String(validate=validate.Length(equal=3))


class ImportOut(Schema):
    added = fields.Integer()
    corrected = fields.Integer()


@blp.route("")
class Rates(MethodView):
    @requires(access.MANAGE_BOOKS)
    @takes_files(blp, json=RatesIn)
    @blp.response(201, ImportOut)
    def post(self):
        """Rates as JSON ``{"rates": [...]}``, or an ECB CSV uploaded as ``file``."""
        session = db.session()
        if "file" in request.files:
            upload = request.files["file"]
            text = read_upload(upload, text=True)
            added, changed = fx.import_ecb_csv(session, actor(), text, upload.filename or "upload")
        else:
            added, changed = fx.import_rates(session, actor(), _json_rates(), source="api")
        return {"added": added, "corrected": changed}

    get = Resource(blp, RateOut).page(
        access.READ_REGISTERS, RateArgs, books.list_rates, "Stored rates, newest first."
    )


def _json_rates() -> list[Rate]:
    body = request.get_json(silent=True)
    if body is None:
        raise Invalid.field("body", 'send {"rates": [...]} as JSON or an ECB CSV as "file"')
    try:
        loaded = RatesIn().load(body)
    except ValidationError as exc:
        errors = flatten_messages(exc.messages)
        raise Invalid("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()), errors) from None
    return [Rate(item["currency"], item["date"], item["rate"]) for item in loaded["rates"]]
