"""Periods: each month's state, closing the books up to a month, FX revaluation, the year end.

Closing, revaluing and closing a year are irreversible: each goes through a
confirmation page (:mod:`app.web.steps`) showing what will be posted (the
revaluation or closing entry, from the step's dry run) and, for a close,
every month it closes. What may be closed when is the core's rule
(:mod:`ledger.periods`, :mod:`ledger.closing`): a month not ended, one already
closed, a December outside the year-end close are refused beside the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from babel.dates import format_date
from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import Field, StringField, ValidationError
from wtforms.validators import InputRequired, Regexp

from app import db
from app.web.forms import Form
from app.web.pages import done, page_request, render
from app.web.sessions import current_actor, requires
from app.web.steps import Step, take, with_entries
from ledger import access
from ledger.closing import close_year, revalue
from ledger.errors import LedgerError
from ledger.periods import close_month
from ledger.preview import posted_by
from ledger.reads.period_pages import months_closed_by, periods_page
from ledger.validate import today_utc

bp = Blueprint("periods", __name__)

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
#: The core names the month ``period``; a missing rate at the month end names an amount.
ALIASES = {"amount.currency": "period", "amount": "period"}


@bp.app_template_filter("month")
def month_label(month: str | None) -> str:
    """``2026-03`` as people say it, in ``FUNDLEDGER_LOCALE`` ("March 2026")."""
    match = _MONTH.fullmatch(month or "")
    if match is None:
        return month or "\u2013"
    first = date(int(match[1]), int(match[2]), 1)
    return format_date(first, format="MMMM y", locale=current_app.config["LOCALE"])


class MonthField(Field):
    """A month as two boxes, month and year (inputs ``NAME-month``, ``NAME-year``); its data
    is the month as the core takes it, ``YYYY-MM``."""

    PARTS = ("month", "year")

    def __init__(self, label=None, validators=None, **kw):
        super().__init__(label, validators, **kw)
        self.raw = dict.fromkeys(self.PARTS, "")
        self.error_part = "month"

    def process(self, formdata, data=None, extra_filters=None):
        self.process_errors = []
        self.data = None
        match = _MONTH.fullmatch(data) if isinstance(data, str) else None
        if match is not None:
            self.raw = {"month": str(int(match[2])), "year": match[1]}
        if formdata is not None and any(f"{self.name}-{p}" in formdata for p in self.PARTS):
            self.raw = {p: formdata.get(f"{self.name}-{p}", "").strip() for p in self.PARTS}

    def pre_validate(self, form):
        missing = [p for p in self.PARTS if not self.raw[p]]
        if len(missing) == 2:
            raise ValidationError(_("Enter the month and year"))
        if missing:
            self.error_part = missing[0]
            raise ValidationError(_("The month must include a %(part)s", part=_l(missing[0])))
        month, year = self.raw["month"], self.raw["year"]
        if not month.isdigit() or not 1 <= int(month) <= 12:
            self.error_part = "month"
            raise ValidationError(_("The month must be a real month, such as 3 2026"))
        if not year.isdigit() or len(year) != 4:
            self.error_part = "year"
            raise ValidationError(_("The year must be four digits, such as 2026"))
        self.data = f"{year}-{int(month):02d}"

    @property
    def anchor(self) -> str:
        return f"{self.id}-{self.error_part}"


class MonthForm(Form):
    period = MonthField(_l("Month"))


class YearForm(Form):
    year = StringField(
        _l("Year"),
        [
            InputRequired(_l("Enter the year")),
            Regexp(r"^\d{4}$", message=_l("Enter the year as four digits, such as 2025")),
        ],
        filters=[lambda text: text.strip() if isinstance(text, str) else text],
    )


@bp.route("/periods")
@requires(access.READ_BOOKS)
def index():
    view = periods_page(db.session(), current_actor(), page_request(per_page=24))
    return render("periods/index.html", view=view)


def _beside(field: str, call: Callable):
    """Take the step; a refusal that names no field (already closed…) is said beside ``field``."""
    try:
        return call()
    except LedgerError as exc:
        raise (exc if exc.errors else exc.on_field(field)) from None


def _closes(months: list[str]) -> str:
    """The months a close closes, for its confirmation page."""
    return Markup(render_template("periods/_closes.html", months=months))  # noqa: S704 (escaped)


def _period_step(
    form: Callable[[], Form],
    field: str,
    post: Callable[[str], object],
    said: Callable[[str, object], str],
    **described,
):
    """One of the periods page's steps on a month or a year: the ``field`` of ``form`` (a
    form filled in from the query string, as the periods page links to it).

    ``post`` takes the step with the field's value; a refusal that names no field (already
    closed…) is said beside the field. Done, the periods page says ``said(value, made)`` and
    the entries posted. ``described``: the rest of the :class:`~app.web.steps.Step`.
    """
    session = db.session()

    def act(f: Form):
        value = f[field].data
        return value, _beside(field, lambda: posted_by(session, lambda: post(value)))

    def finished(result):
        value, (made, numbers) = result
        return done(with_entries(said(value, made), numbers), "web.periods.index")

    return take(Step(form=form, act=act, finished=finished, **described))


@bp.route("/periods/close", methods=["GET", "POST"])
@requires(access.MANAGE_BOOKS)
def close():
    session, actor = db.session(), current_actor()

    def said(_month: str, period) -> str:
        return _(
            "Books closed up to %(month)s: no entry can be dated in it, or in any month "
            "before it, again.",
            month=month_label(period.month),
        )

    return _period_step(
        lambda: MonthForm(period=request.args.get("month")),
        "period",
        lambda month: close_month(session, month, actor=actor, today=today_utc()),
        said,
        template="periods/close.html",
        button=lambda f: _("Close the books up to %(month)s", month=month_label(f.period.data)),
        heading=_("Check the close before it is made"),
        explanation=_(
            "Closing a month closes every earlier month that is still open. No entry can ever "
            "be dated in a closed month again: a late correction is posted in an open month."
        ),
        warning=_("A closed month cannot be opened again."),
        details=lambda f: _closes(months_closed_by(session, actor, f.period.data)),
        aliases=ALIASES,
    )


@bp.route("/periods/revalue", methods=["GET", "POST"])
@requires(access.MANAGE_BOOKS)
def revalue_month():
    session, actor = db.session(), current_actor()

    def said(month: str, entry) -> str:
        if entry is None:
            return _(
                "Nothing needed restating at the end of %(month)s: no entry was posted.",
                month=month_label(month),
            )
        return _("%(month)s revalued.", month=month_label(month))

    return _period_step(
        lambda: MonthForm(period=request.args.get("month")),
        "period",
        lambda month: revalue(session, actor=actor, month=month),
        said,
        template="periods/revalue.html",
        button=lambda f: _("Revalue at the end of %(month)s", month=month_label(f.period.data)),
        heading=_("Check the revaluation before it is posted"),
        explanation=_(
            "Open foreign-currency awards (2000) and foreign-currency bank accounts are "
            "restated at the exchange rate of the month's last day; the difference is a "
            "foreign exchange gain (4400) or loss (5400)."
        ),
        aliases=ALIASES,
    )


@bp.route("/periods/close-year", methods=["GET", "POST"])
@requires(access.MANAGE_BOOKS)
def close_a_year():
    session, actor = db.session(), current_actor()

    def said(year: str, _entry) -> str:
        return _(
            "The year %(year)d is closed: its result is in the fund balance (3000) and "
            "December %(year)d is closed.",
            year=int(year),
        )

    return _period_step(
        lambda: YearForm(year=request.args.get("year")),
        "year",
        lambda year: close_year(session, actor=actor, year=int(year), today=today_utc()),
        said,
        template="periods/close_year.html",
        button=lambda f: _("Close the year %(year)s", year=f.year.data),
        heading=_("Check the year-end close before it is posted"),
        explanation=_(
            "The closing entry, dated 31 December, moves every revenue and expense balance of "
            "the year into the fund balance (3000). Then December is closed, with every "
            "earlier month still open."
        ),
        warning=_("A closed year cannot be opened again."),
        details=lambda f: _closes(months_closed_by(session, actor, f"{f.year.data}-12")),
    )
