"""Monthly periods: close (for good), FX revaluation, year-end close."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from app.api.endpoints import Resource
from app.api.schemas import NoBody, PageArgs, answer_schema
from ledger import access
from ledger.access import Actor
from ledger.closing import close_year, revalue
from ledger.models import JournalEntry
from ledger.periods import close_month
from ledger.reads import books
from ledger.reads.books import PeriodRow
from ledger.validate import today_utc

if TYPE_CHECKING:  # the session is only passed through: no SQL here
    from sqlalchemy.orm import Session

blp = Blueprint("periods", __name__, url_prefix="/periods", description="Accounting periods")


PeriodOut = answer_schema(PeriodRow, "PeriodOut")


class ClosingOut(Schema):
    period = fields.String()
    entry = fields.Integer(allow_none=True)


periods = Resource(blp, PeriodOut)
closings = Resource(blp, ClosingOut)


@blp.route("")
class Periods(MethodView):
    get = periods.page(
        access.READ_BOOKS,
        PageArgs,
        books.list_periods,
        "Every month from the first entry (or first close) to this month, open or closed.",
    )


def _closed(session: Session, *, actor: Actor, month: str) -> PeriodRow:
    period = close_month(session, month, actor=actor, today=today_utc())
    return PeriodRow(period.month, "closed", period.closed_at, period.closed_by)


def _revalued(session: Session, *, actor: Actor, month: str) -> dict:
    return _closing(month, revalue(session, actor=actor, month=month))


def _year_closed(session: Session, *, actor: Actor, year: int) -> dict:
    return _closing(str(year), close_year(session, actor=actor, year=year, today=today_utc()))


def _closing(period: str, entry: JournalEntry | None) -> dict:
    """What a revaluation or a year-end close posted (no entry when nothing needed it)."""
    return {"period": period, "entry": entry.number if entry else None}


@blp.route("/<month>/close")
class Close(MethodView):
    post = periods.answer(
        access.MANAGE_BOOKS,
        NoBody,
        _closed,
        "Close a month (and any earlier open one): no posting may be dated in it again.",
    )


@blp.route("/<month>/revalue")
class Revalue(MethodView):
    post = closings.answer(
        access.MANAGE_BOOKS,
        NoBody,
        _revalued,
        "Restate open foreign-currency balances at the month-end rate.",
    )


@blp.route("/<int:year>/close-year")
class CloseYear(MethodView):
    post = closings.answer(
        access.MANAGE_BOOKS,
        NoBody,
        _year_closed,
        "Year-end close: revenue and expenses to 3000, then December is closed.",
    )
