"""Cases: the criminal procedures behind seized assets and awards."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.api.endpoints import Resource
from app.api.fields import Day, Text
from app.api.schemas import PageArgs, answer_schema
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


CaseOut = answer_schema(registers.CaseRow, "CaseOut")

resource = Resource(blp, CaseOut, show=registers.get_case)


@blp.route("")
class Cases(MethodView):
    post = resource.create(access.MANAGE_CASES, CaseIn, cases.open_case, "Open a case.")
    get = resource.page(
        access.READ_REGISTERS,
        CaseArgs,
        registers.list_cases,
        "Cases, by reference; ``search`` looks in the reference, title and court.",
    )


@blp.route("/<int:case_id>")
class CaseView(MethodView):
    get = resource.one(access.READ_REGISTERS, "One case.")
