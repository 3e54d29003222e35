"""Cases: the list, opening a case, and a case's page (its assets, awards, payments)."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from app import db
from app.web.forms import DayField, FilterForm, Form, any_or
from app.web.lists import ListFile, show_list
from app.web.pages import done, render, submit
from app.web.sessions import current_actor, requires
from ledger import access, cases
from ledger.reads import registers
from ledger.reads.summaries import case_page
from reports.statement import Column

bp = Blueprint("cases", __name__)


class CaseFilters(FilterForm):
    search = StringField(_l("Reference, title or court"), [Optional(), Length(max=100)])
    status = SelectField(
        _l("Status"),
        default="",
        choices=any_or([("open", _l("Open")), ("closed", _l("Closed"))]),
    )


class CaseForm(Form):
    reference = StringField(
        _l("Case reference"), [InputRequired(_l("Enter the case reference")), Length(max=64)]
    )
    court = StringField(_l("Court"), [InputRequired(_l("Enter the court")), Length(max=200)])
    title = StringField(
        _l("Title"), [InputRequired(_l("Enter the title of the case")), Length(max=300)]
    )
    jurisdiction = StringField(
        _l("Jurisdiction"),
        [InputRequired(_l("Enter the jurisdiction")), Length(max=100)],
    )
    opened_on = DayField(_l("Opened on"))


COLUMNS = [
    Column("reference", "Reference", width=1.2),
    Column("title", "Title", width=2.6),
    Column("court", "Court", width=1.8),
    Column("jurisdiction", "Jurisdiction", width=0.9),
    Column("opened_on", "Opened", "date", width=0.9),
    Column("status", "Status", width=0.7),
]


@bp.route("/cases")
@requires(access.READ_REGISTERS)
def index():
    listed = ListFile("cases", "Cases", COLUMNS, vars)
    return show_list("cases/index.html", CaseFilters, registers.list_cases, listed)


@bp.route("/cases/new", methods=["GET", "POST"])
@requires(access.MANAGE_CASES)
def open_case():
    def opened(case):
        message = _("Case %(reference)s opened.", reference=case.reference)
        return done(message, "web.cases.show", case_id=case.id)

    return submit(
        "cases/new.html",
        CaseForm(),
        lambda form: cases.open_case(db.session(), actor=current_actor(), **form.values()),
        opened,
    )


@bp.route("/cases/<int:case_id>")
@requires(access.READ_REGISTERS)
def show(case_id: int):
    return render("cases/show.html", view=case_page(db.session(), current_actor(), case_id))
