"""Victims: pseudonymous codes for all, personal data for administrators only.

Only ``GET /victims/{id}`` by an administrator opens the sealed personal
data, and the core records that view in the audit log. Lists and every other
role see the code and the plain fields.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, post_dump, validate

from app import db, pii
from app.api.common import actor
from app.api.endpoints import Resource
from app.api.fields import Day, Flag, Text
from app.api.schemas import PageArgs
from app.auth import requires
from ledger import access, victims
from ledger.access import Actor
from ledger.models.registers import PAYMENT_METHODS
from ledger.reads import registers

if TYPE_CHECKING:  # the session is only passed through: no SQL here
    from sqlalchemy.orm import Session

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
    date_of_birth = Day(load_default=None)
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

    @post_dump
    def _only_when_seen(self, data: dict, **_kwargs) -> dict:
        """No ``personal_data`` key at all unless an administrator opened it."""
        if data.get("personal_data") is None:
            data.pop("personal_data", None)
        return data


class VictimArgs(PageArgs):
    code = fields.String(validate=validate.Length(max=16))


def _public(victim) -> dict:
    """A new victim's answer: the code and plain fields, whoever registered it."""
    return {"id": victim.id, **victims.public_view(victim)}


def _detail(session: Session, actor: Actor, victim_id: int) -> registers.VictimRow:
    """With the cipher, the core opens the personal data for an administrator (and audits it)."""
    return registers.victim_detail(session, actor, victim_id, pii.cipher())


resource = Resource(blp, VictimOut, show=_detail)


@blp.route("")
class Victims(MethodView):
    @requires(access.REGISTER_VICTIMS)
    @blp.arguments(VictimIn)
    @blp.response(201, VictimOut)
    def post(self, body):
        """Register a victim; the answer names the victim by code only."""
        payment = victims.PaymentDetails(**body.pop("payment"))
        victim = victims.register_victim(
            db.session(), pii.cipher(), actor=actor(), payment=payment, **body
        )
        return _public(victim)

    get = resource.page(
        access.READ_REGISTERS,
        VictimArgs,
        registers.list_victims,
        "Victims by code (no personal data in lists, for any role).",
    )


@blp.route("/<int:victim_id>")
class VictimView(MethodView):
    get = resource.one(
        access.READ_REGISTERS,
        "One victim; administrators also see the personal data (the view is logged).",
    )
