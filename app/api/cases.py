"""Cases: the criminal procedures behind seized assets and awards."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select

from app import db
from app.api.common import actor, paginate
from app.api.fields import Text
from app.api.schemas import PageArgs
from app.auth import ADMIN, EVERYONE, requires
from ledger.cases import get_case, open_case
from ledger.models import Case

blp = Blueprint("cases", __name__, url_prefix="/cases", description="Criminal cases")


class CaseIn(Schema):
    reference = Text(64, required=True)
    court = Text(200, required=True)
    title = Text(300, required=True)
    jurisdiction = Text(100, required=True)
    opened_on = fields.Date(required=True)


class CaseOut(Schema):
    id = fields.Integer()
    reference = fields.String()
    court = fields.String()
    title = fields.String()
    jurisdiction = fields.String()
    opened_on = fields.Date()
    status = fields.String()


class CasePage(Schema):
    items = fields.List(fields.Nested(CaseOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


@blp.route("")
class Cases(MethodView):
    @requires(ADMIN)
    @blp.arguments(CaseIn)
    @blp.response(201, CaseOut)
    def post(self, body):
        """Open a case."""
        return open_case(db.session(), actor=actor(), **body)

    @requires(*EVERYONE)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, CasePage)
    def get(self, args):
        """Cases, by reference."""
        return paginate(select(Case).order_by(Case.reference), args, lambda case: case)


@blp.route("/<int:case_id>")
class CaseView(MethodView):
    @requires(*EVERYONE)
    @blp.response(200, CaseOut)
    def get(self, case_id: int):
        """One case."""
        return get_case(db.session(), case_id)
