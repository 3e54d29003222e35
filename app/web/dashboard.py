"""The administrator's dashboard (auditors may look too)."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _

from app import db
from app.web.chart import cash_and_owed
from app.web.pages import render
from app.web.sessions import current_actor, requires
from ledger import access
from ledger.reads.dashboard import dashboard

bp = Blueprint("dashboard", __name__)


@bp.route("/dashboard")
@requires(access.READ_BOOKS)
def home():
    figures = dashboard(db.session(), current_actor())
    chart = None
    if figures.series:
        chart = cash_and_owed(
            figures.series,
            figures.cash_total.currency,
            _("The fund's cash and what it owes on awards, at each month end"),
        )
    return render("dashboard.html", figures=figures, chart=chart)
