"""Exchange rates: JSON rates or an ECB CSV upload; read by everyone."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select

from app import db
from app.api.common import actor, paginate
from app.api.schemas import PageArgs
from app.auth import ADMIN, EVERYONE, requires
from ledger import audit
from ledger.errors import Invalid
from ledger.fund import functional_currency
from ledger.fx import Rate, import_ecb_csv, parse_rate, store_rates
from ledger.locks import lock_books
from ledger.models import FxRate
from ledger.money import check_currency

blp = Blueprint("fx_rates", __name__, url_prefix="/fx-rates", description="Exchange rates")

MAX_UPLOAD = 20 * 1024 * 1024


class RateField(fields.String):
    """A rate as a decimal string, never a JSON number."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return parse_rate(value)
        except Invalid as exc:
            raise ValidationError(exc.errors["rate"]) from None


class RateIn(Schema):
    currency = fields.String(required=True, validate=validate.Length(equal=3))
    date = fields.Date(required=True)
    rate = RateField(required=True)


class RatesIn(Schema):
    rates = fields.List(
        fields.Nested(RateIn), required=True, validate=validate.Length(min=1, max=10000)
    )


class RateOut(Schema):
    currency = fields.String()
    date = fields.Date()
    rate = fields.String()
    source = fields.String()


class RatePage(Schema):
    items = fields.List(fields.Nested(RateOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class RateArgs(PageArgs):
    currency = fields.String(validate=validate.Length(equal=3))


class ImportOut(Schema):
    added = fields.Integer()
    corrected = fields.Integer()


@blp.route("")
class Rates(MethodView):
    @requires(ADMIN)
    @blp.doc(
        requestBody={
            "required": True,
            "content": {
                "application/json": {"schema": RatesIn},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                },
            },
        }
    )
    @blp.response(201, ImportOut)
    def post(self):
        """Rates as JSON ``{"rates": [...]}``, or an ECB CSV uploaded as ``file``."""
        session = db.session()
        lock_books(session)
        functional = functional_currency(session)
        if "file" in request.files:
            added, changed = _import_upload(session, functional)
        else:
            added, changed = _import_json(session, functional)
        audit.record(
            session,
            actor=actor(),
            action="fx_rates.imported",
            subject_type="fx_rates",
            after={"added": added, "corrected": changed},
        )
        return {"added": added, "corrected": changed}

    @requires(*EVERYONE)
    @blp.arguments(RateArgs, location="query")
    @blp.response(200, RatePage)
    def get(self, args):
        """Stored rates, newest first."""
        query = select(FxRate).order_by(FxRate.date.desc(), FxRate.currency)
        if args.get("currency"):
            query = query.where(FxRate.currency == args["currency"].upper())
        return paginate(
            query,
            args,
            lambda r: {
                "currency": r.currency,
                "date": r.date,
                "rate": str(r.rate),
                "source": r.source,
            },
        )


def _import_upload(session, functional: str) -> tuple[int, int]:
    upload = request.files["file"]
    data = upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise Invalid.field("file", "is larger than 20 MB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid.field("file", "is not UTF-8 text") from None
    return import_ecb_csv(session, text, functional, source=upload.filename or "upload")


def _import_json(session, functional: str) -> tuple[int, int]:
    body = request.get_json(silent=True)
    if body is None:
        raise Invalid.field("body", 'send {"rates": [...]} as JSON or an ECB CSV as "file"')
    try:
        loaded = RatesIn().load(body)
    except ValidationError as exc:
        from app.errors import flatten_messages

        errors = flatten_messages(exc.messages)
        raise Invalid("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()), errors) from None
    rates = []
    for i, item in enumerate(loaded["rates"]):
        currency = check_currency(item["currency"], f"rates.{i}.currency")
        if currency == functional:
            raise Invalid.field(f"rates.{i}.currency", f"{functional} is the functional currency")
        rates.append(Rate(currency, item["date"], item["rate"]))
    return store_rates(session, rates, source="api")
