"""Monthly periods: close (for good), FX revaluation, year-end close."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import func, select

from app import db
from app.api.common import actor
from app.api.schemas import NoBody
from app.auth import ADMIN, AUDITOR, requires
from ledger import audit
from ledger.closing import close_year, revalue
from ledger.models import JournalEntry
from ledger.periods import close_month, closed_months, latest_closed, month_of
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
    @requires(ADMIN, AUDITOR)
    @blp.response(200, PeriodOut(many=True))
    def get(self):
        """Every month from the first entry (or first close) to this month, open or closed."""
        session = db.session()
        first = session.scalar(select(func.min(JournalEntry.value_date)))
        closes = {p.month: p for p in closed_months(session)}
        months = _months(
            month_of(first) if first else None, min(closes, default=None), month_of(today_utc())
        )
        latest = latest_closed(session)
        return [
            {
                "month": m,
                "status": "closed" if latest and m <= latest else "open",
                "closed_at": closes[m].closed_at if m in closes else None,
                "closed_by": closes[m].closed_by if m in closes else None,
            }
            for m in months
        ]


def _months(first_entry: str | None, first_close: str | None, now: str) -> list[str]:
    start = min(m for m in (first_entry, first_close, now) if m)
    year, mon = int(start[:4]), int(start[5:])
    months = []
    while f"{year:04d}-{mon:02d}" <= now:
        months.append(f"{year:04d}-{mon:02d}")
        year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return months


@blp.route("/<month>/close")
class Close(MethodView):
    @requires(ADMIN)
    @blp.arguments(NoBody)
    @blp.response(201, PeriodOut)
    def post(self, _body, month: str):
        """Close a month (and any earlier open one): no posting may be dated in it again."""
        session = db.session()
        period = close_month(session, month, closed_by=actor(), today=today_utc())
        audit.record(
            session, actor=actor(), action="period.closed", subject_type="period", subject_id=month
        )
        return {
            "month": period.month,
            "status": "closed",
            "closed_at": period.closed_at,
            "closed_by": period.closed_by,
        }


@blp.route("/<month>/revalue")
class Revalue(MethodView):
    @requires(ADMIN)
    @blp.arguments(NoBody)
    @blp.response(201, ClosingOut)
    def post(self, _body, month: str):
        """Restate open foreign-currency balances at the month-end rate."""
        entry = revalue(db.session(), actor=actor(), month=month)
        return {"period": month, "entry": entry.number if entry else None}


@blp.route("/<int:year>/close-year")
class CloseYear(MethodView):
    @requires(ADMIN)
    @blp.arguments(NoBody)
    @blp.response(201, ClosingOut)
    def post(self, _body, year: int):
        """Year-end close: revenue and expenses to 3000, then December is closed."""
        entry = close_year(db.session(), actor=actor(), year=year, today=today_utc())
        return {"period": str(year), "entry": entry.number if entry else None}
