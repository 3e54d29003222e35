"""Compensation awards: registered by courts (or administrators for them)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from app import db
from app.api.common import actor, paginate
from app.api.fields import Id, MoneyField, QueryId, Text
from app.api.schemas import PageArgs
from app.auth import ADMIN, COURT, EVERYONE, current_user, requires
from ledger import awards
from ledger.errors import NotFound
from ledger.models import Award, Disbursement
from ledger.models.registers import AWARD_STATES
from ledger.money import Money

blp = Blueprint("awards", __name__, url_prefix="/awards", description="Compensation awards")


class AwardIn(Schema):
    case_id = Id(required=True)
    victim_id = Id(required=True)
    order_reference = Text(100, required=True)
    ordered_on = fields.Date(required=True)
    amount = MoneyField(required=True)


class CancelIn(Schema):
    effective_on = fields.Date(required=True)
    reason = Text(500, required=True)
    amount = MoneyField(load_default=None)


class AwardArgs(PageArgs):
    case_id = QueryId()
    victim_id = QueryId()
    status = fields.String(validate=validate.OneOf(AWARD_STATES))


class AwardOut(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    case_reference = fields.String()
    victim_id = fields.Integer()
    victim = fields.String(metadata={"description": "the victim's code"})
    order_reference = fields.String()
    ordered_on = fields.Date()
    amount = MoneyField()
    functional_value = MoneyField()
    paid = MoneyField()
    cancelled = MoneyField()
    outstanding = MoneyField()
    status = fields.String()
    returned_payments = fields.Integer()


class AwardPage(Schema):
    items = fields.List(fields.Nested(AwardOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


def award_json(award: Award) -> dict:
    from ledger.fund import functional_currency

    session = db.session()
    returned = session.scalar(
        select(func.count())
        .select_from(Disbursement)
        .where(Disbursement.award_id == award.id, Disbursement.status == "returned")
    )
    currency = award.currency
    return {
        "id": award.id,
        "case_id": award.case_id,
        "case_reference": award.case.reference,
        "victim_id": award.victim_id,
        "victim": award.victim.code,
        "order_reference": award.order_reference,
        "ordered_on": award.ordered_on,
        "amount": Money(award.amount_minor, currency),
        "functional_value": Money(award.functional_minor, functional_currency(session)),
        "paid": Money(award.paid_minor, currency),
        "cancelled": Money(award.cancelled_minor, currency),
        "outstanding": Money(award.outstanding_minor, currency),
        "status": award.status,
        "returned_payments": returned,
    }


def court_scope() -> int | None:
    """A court acts only on its own awards; other roles are not restricted."""
    user = current_user()
    return user.id if user.role == COURT else None


def visible_award(award_id: int) -> Award:
    award = awards.get_award(db.session(), award_id)
    court = court_scope()
    if court is not None and award.court_user_id != court:
        raise NotFound(f"award {award_id} does not exist")
    return award


@blp.route("")
class Awards(MethodView):
    @requires(ADMIN, COURT)
    @blp.arguments(AwardIn)
    @blp.response(201, AwardOut)
    def post(self, body):
        """Register an award: 5000 / 2000 at its functional value on the award date."""
        award = awards.register_award(
            db.session(), actor=actor(), court_user_id=court_scope(), **body
        )
        return award_json(award)

    @requires(*EVERYONE)
    @blp.arguments(AwardArgs, location="query")
    @blp.response(200, AwardPage)
    def get(self, args):
        """The awards register (a court sees the awards it registered)."""
        query = select(Award).order_by(Award.id)
        for name in ("case_id", "victim_id", "status"):
            if args.get(name) is not None:
                query = query.where(getattr(Award, name) == args[name])
        court = court_scope()
        if court is not None:
            query = query.where(Award.court_user_id == court)
        return paginate(query, args, award_json)


@blp.route("/<int:award_id>")
class AwardView(MethodView):
    @requires(*EVERYONE)
    @blp.response(200, AwardOut)
    def get(self, award_id: int):
        """One award with what is paid, cancelled and outstanding."""
        return award_json(visible_award(award_id))


@blp.route("/<int:award_id>/cancel")
class Cancel(MethodView):
    @requires(ADMIN, COURT)
    @blp.arguments(CancelIn)
    @blp.response(200, AwardOut)
    def post(self, body, award_id: int):
        """Cancel the unpaid part, or reduce it by ``amount``: 2000 / 5000."""
        visible_award(award_id)
        award = awards.cancel_award(
            db.session(), actor=actor(), award_id=award_id, court_user_id=court_scope(), **body
        )
        return award_json(award)
