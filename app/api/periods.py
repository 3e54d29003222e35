"""Monthly periods: close (for good), FX revaluation, year-end close."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from app import db
from app.api.common import actor
from app.api.schemas import NoBody, PageArgs, page_request, page_schema
from app.auth import requires
from ledger import access
from ledger.closing import close_year, revalue
from ledger.periods import close_month
from ledger.reads import books
from ledger.reads.books import PeriodRow
from ledger.validate import today_utc

blp = Blueprint("periods", __name__, url_prefix="/periods", description="Accounting periods")


class PeriodOut(Schema):
    month = fields.String()
    status = fields.String()
    closed_at = fields.DateTime(allow_none=True)
    closed_by = fields.String(allow_none=True)


class ClosingOut(Schema):
    period = fields.String()
    entry = fields.Integer(allow_none=True)


@blp.route("")
class Periods(MethodView):
    @requires(access.READ_BOOKS)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(PeriodOut))
    def get(self, args):
        """Every month from the first entry (or first close) to this month, open or closed."""
        return books.list_periods(db.session(), actor(), page_request(args))


@blp.route("/<month>/close")
class Close(MethodView):
    @requires(access.MANAGE_BOOKS)
    @blp.arguments(NoBody)
    @blp.response(201, PeriodOut)
    def post(self, _body, month: str):
        """Close a month (and any earlier open one): no posting may be dated in it again."""
        period = close_month(db.session(), month, actor=actor(), today=today_utc())
        return PeriodRow(period.month, "closed", period.closed_at, period.closed_by)


@blp.route("/<month>/revalue")
class Revalue(MethodView):
    @requires(access.MANAGE_BOOKS)
    @blp.arguments(NoBody)
    @blp.response(201, ClosingOut)
    def post(self, _body, month: str):
        """Restate open foreign-currency balances at the month-end rate."""
        entry = revalue(db.session(), actor=actor(), month=month)
        return {"period": month, "entry": entry.number if entry else None}


@blp.route("/<int:year>/close-year")
class CloseYear(MethodView):
    @requires(access.MANAGE_BOOKS)
    @blp.arguments(NoBody)
    @blp.response(201, ClosingOut)
    def post(self, _body, year: int):
        """Year-end close: revenue and expenses to 3000, then December is closed."""
        entry = close_year(db.session(), actor=actor(), year=year, today=today_utc())
        return {"period": str(year), "entry": entry.number if entry else None}
