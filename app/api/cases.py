"""Cases: the criminal procedures behind seized assets and awards."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app import db
from app.api.common import actor
from app.api.fields import Day, Text
from app.api.schemas import PageArgs, page_request, page_schema
from app.auth import requires
from ledger import access, cases
from ledger.reads import registers

blp = Blueprint("cases", __name__, url_prefix="/cases", description="Criminal cases")


class CaseIn(Schema):
    reference = Text(64, required=True)
    court = Text(200, required=True)
    title = Text(300, required=True)
    jurisdiction = Text(100, required=True)
    opened_on = Day(required=True)


class CaseArgs(PageArgs):
    search = fields.String(validate=validate.Length(max=100))
    status = fields.String(validate=validate.OneOf(("open", "closed")))


class CaseOut(Schema):
    id = fields.Integer()
    reference = fields.String()
    court = fields.String()
    title = fields.String()
    jurisdiction = fields.String()
    opened_on = fields.Date()
    status = fields.String()


@blp.route("")
class Cases(MethodView):
    @requires(access.MANAGE_CASES)
    @blp.arguments(CaseIn)
    @blp.response(201, CaseOut)
    def post(self, body):
        """Open a case."""
        return cases.open_case(db.session(), actor=actor(), **body)

    @requires(access.READ_REGISTERS)
    @blp.arguments(CaseArgs, location="query")
    @blp.response(200, page_schema(CaseOut))
    def get(self, args):
        """Cases, by reference; ``search`` looks in the reference, title and court."""
        return registers.list_cases(db.session(), actor(), page_request(args), **args)


@blp.route("/<int:case_id>")
class CaseView(MethodView):
    @requires(access.READ_REGISTERS)
    @blp.response(200, CaseOut)
    def get(self, case_id: int):
        """One case."""
        return registers.get_case(db.session(), actor(), case_id)
