"""Victims: pseudonymous codes for all, personal data for administrators only.

Only ``GET /victims/{id}`` by an administrator opens the sealed personal
data, and that view is recorded in the audit log. Lists and every other role
see the code and the plain fields.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app import db, pii
from app.api.common import actor, paginate
from app.api.fields import Flag, Text
from app.api.schemas import PageArgs
from app.auth import ADMIN, COURT, EVERYONE, current_user, requires
from ledger import victims
from ledger.models import Victim
from ledger.models.registers import PAYMENT_METHODS

blp = Blueprint("victims", __name__, url_prefix="/victims", description="Victims")


class PaymentIn(Schema):
    method = fields.String(required=True, validate=validate.OneOf(PAYMENT_METHODS))
    currency = fields.String(required=True, validate=validate.Length(equal=3))
    iban = fields.String(load_default=None, validate=validate.Length(max=42))
    bic = fields.String(load_default=None, validate=validate.Length(max=11))
    account_number = fields.String(load_default=None, validate=validate.Length(max=34))
    bank_country = fields.String(load_default=None, validate=validate.Length(equal=2))
    intermediary = fields.String(load_default=None, validate=validate.Length(max=200))
    reference = fields.String(load_default=None, validate=validate.Length(max=100))


class VictimIn(Schema):
    full_name = Text(200, required=True)
    date_of_birth = fields.Date(load_default=None)
    contact = fields.String(load_default=None, validate=validate.Length(max=500))
    country_of_residence = fields.String(required=True, validate=validate.Length(equal=2))
    returned_home = Flag(load_default=False)
    payment = fields.Nested(PaymentIn, required=True)


class PersonalDataOut(Schema):
    full_name = fields.String()
    date_of_birth = fields.String(allow_none=True)
    contact = fields.String(allow_none=True)
    payment = fields.Dict()


class VictimOut(Schema):
    id = fields.Integer()
    code = fields.String()
    country_of_residence = fields.String()
    returned_home = fields.Boolean()
    payment_method = fields.String()
    payment_currency = fields.String()
    personal_data = fields.Nested(PersonalDataOut, metadata={"description": "administrators only"})


class VictimPage(Schema):
    items = fields.List(fields.Nested(VictimOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


def victim_json(victim: Victim) -> dict:
    return {"id": victim.id, **victims.public_view(victim)}


@blp.route("")
class Victims(MethodView):
    @requires(ADMIN, COURT)
    @blp.arguments(VictimIn)
    @blp.response(201, VictimOut)
    def post(self, body):
        """Register a victim; the answer names the victim by code only."""
        payment = victims.PaymentDetails(**body.pop("payment"))
        victim = victims.register_victim(
            db.session(), pii.cipher(), actor=actor(), payment=payment, **body
        )
        return victim_json(victim)

    @requires(*EVERYONE)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, VictimPage)
    def get(self, args):
        """Victims by code (no personal data in lists, for any role)."""
        return paginate(select(Victim).order_by(Victim.id), args, victim_json)


@blp.route("/<int:victim_id>")
class VictimView(MethodView):
    @requires(*EVERYONE)
    @blp.response(200, VictimOut)
    def get(self, victim_id: int):
        """One victim; administrators also see the personal data (the view is logged)."""
        session = db.session()
        victim = victims.get_victim(session, victim_id)
        body = victim_json(victim)
        if current_user().role == ADMIN:
            body["personal_data"] = victims.personal_data(
                session, pii.cipher(), victim, actor=actor()
            )
        return body
