"""Awards: the register with ageing, registering an award, an award's page, cancelling or
reducing one, and a spreadsheet of awards imported all or nothing.

A court sees and acts on the awards it registered only, on every page: the
read functions and services scope by the signed-in actor, so another court's
award answers 404 as if it did not exist. Cancelling is irreversible and goes
through a confirmation page showing the entry (2000 / 5000).
"""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf.file import FileField, FileRequired
from markupsafe import Markup
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from app import db
from app.uploads import read_upload
from app.web.formatting import money
from app.web.forms import DayField, FilterForm, Form, MoneyField, any_or, options
from app.web.lists import ListFile, columns_of, show_list
from app.web.pages import done, render, submit
from app.web.sessions import current_actor, requires
from app.web.steps import Step, take, with_entries
from ledger import access, awards, labels
from ledger.imports import LAYOUTS, read_table, run_import
from ledger.models.registers import AWARD_STATES
from ledger.preview import posted_by
from ledger.reads import awards as reads
from ledger.reads import choices
from ledger.reads.award_pages import award_page, awards_register, cases
from reports.statement import Column
from reports.statements.awards import AGEING, AWARD_COLUMNS

bp = Blueprint("awards", __name__)

#: The ageing buckets of the awards register statement, as people read them.
BUCKETS = {
    "0-90 days": _l("0-90 days"),
    "91-180 days": _l("91-180 days"),
    "181-365 days": _l("181-365 days"),
    "over 1 year": _l("over 1 year"),
}
#: How many imported awards the banner names one by one (the rest are at the list's top).
NAMED_IN_BANNER = 10


def bucket(days: int) -> str:
    """The ageing bucket of an award ordered ``days`` ago (the statement's own limits)."""
    for limit, text in AGEING:
        if limit is None or days <= limit:
            return text
    raise AssertionError("unreachable")


def ageing(award: reads.AwardRow) -> str:
    """How old an award is ("125 days · 91-180 days"); one with nothing outstanding has no
    ageing bucket."""
    days = ngettext("%(num)d day", "%(num)d days", award.age_days)
    if award.outstanding.minor == 0:
        return days
    return f"{days} · {BUCKETS[bucket(award.age_days)]}"


def _optional_id(value) -> int | None:
    if value is None or isinstance(value, int):
        return value
    return int(value) if str(value).isdigit() else None


class AwardFilters(FilterForm):
    case_id = SelectField(_l("Case"), coerce=_optional_id, choices=[])
    victim_id = SelectField(_l("Victim"), coerce=_optional_id, choices=[])
    status = SelectField(
        _l("Status"),
        default="",
        choices=any_or([(code, _l(labels.AWARD_STATUS[code])) for code in AWARD_STATES]),
    )

    def offer(self, session, actor) -> None:
        self.case_id.choices = any_or(cases(session, actor))
        self.victim_id.choices = any_or(choices.victims(session, actor))


class AwardForm(Form):
    case_id = SelectField(_l("Case"), [InputRequired(_l("Choose the case"))], coerce=_optional_id)
    victim_id = SelectField(
        _l("Victim"), [InputRequired(_l("Choose the victim"))], coerce=_optional_id
    )
    order_reference = StringField(
        _l("Court order reference"),
        [InputRequired(_l("Enter the reference of the court order")), Length(max=100)],
    )
    ordered_on = DayField(_l("Ordered on"))
    amount = MoneyField(_l("Amount awarded"))


class CancelForm(Form):
    amount = MoneyField(_l("Amount to cancel"), optional=True)
    effective_on = DayField(_l("Effective on"))
    reason = TextAreaField(
        _l("Why it is cancelled or reduced"),
        [InputRequired(_l("Say why the award is cancelled or reduced")), Length(max=500)],
    )


class ImportForm(Form):
    file = FileField(_l("Spreadsheet of awards"), [FileRequired(_l("Choose a CSV or XLSX file"))])


#: The awards register statement's columns where the list shows the same (the list has the
#: order and the value at award date where the statement has what is cancelled and carried).
COLUMNS = [
    *columns_of(AWARD_COLUMNS, "award", "case"),
    Column("victim", "Victim", width=0.8),
    Column("residence", "Victim is", width=0.75),
    Column("order_reference", "Order", width=0.9),
    *columns_of(AWARD_COLUMNS, "ordered_on"),
    Column("currency", "Currency", width=0.6),
    *columns_of(AWARD_COLUMNS, "amount", "paid", "outstanding"),
    Column("value", "Value at award date", "money", width=1.25),
    *columns_of(AWARD_COLUMNS, "age", "bucket"),
    Column("status", "Status", width=1.5),
]


def _status(award: reads.AwardRow) -> str:
    text = labels.label(labels.AWARD_STATUS, award.status)
    if award.returned_payments and award.outstanding.minor:
        text += ", payment returned/unclaimed"
    return text


def _row(award: reads.AwardRow) -> dict:
    return {
        "award": award.id,
        "case": award.case_reference,
        "victim": award.victim,
        "residence": "abroad" if award.victim_abroad else "domestic",
        "order_reference": award.order_reference,
        "ordered_on": award.ordered_on,
        "currency": award.amount.currency,
        "amount": award.amount.minor,
        "paid": award.paid.minor,
        "outstanding": award.outstanding.minor,
        "value": award.functional_value.minor,
        "age": award.age_days,
        "bucket": bucket(award.age_days) if award.outstanding.minor else "",
        "status": _status(award),
    }


def _totals(rows: list[dict]) -> dict:
    """The value at award date always; amounts only when every row is in one currency."""
    totals = {"award": "Total", "value": sum(r["value"] for r in rows)}
    currencies = {r["currency"] for r in rows}
    if len(currencies) == 1:
        totals |= {"currency": currencies.pop()}
        totals |= {key: sum(r[key] for r in rows) for key in ("amount", "paid", "outstanding")}
    return totals


LIST_FILE = ListFile("awards", "Awards", COLUMNS, _row, _totals)


@bp.route("/awards")
@requires(access.READ_REGISTERS)
def index():
    return show_list("awards/index.html", AwardFilters, awards_register, LIST_FILE, ageing=ageing)


@bp.route("/awards/new", methods=["GET", "POST"])
@requires(access.REGISTER_AWARDS)
def register():
    session, actor = db.session(), current_actor()
    form = AwardForm(
        case_id=request.args.get("case_id", type=int),
        victim_id=request.args.get("victim_id", type=int),
    )
    form.case_id.choices = options([("", _("Choose a case")), *choices.open_cases(session, actor)])
    form.victim_id.choices = options([("", _("Choose a victim")), *choices.victims(session, actor)])
    form.amount.currencies = choices.currencies(session, actor)

    def act(form: AwardForm):
        return posted_by(
            session, lambda: awards.register_award(session, actor=actor, **form.values())
        )

    def registered(result):
        award, entries = result
        message = _("Award %(id)d registered.", id=award.id)
        if actor.may(access.READ_BOOKS):
            message = with_entries(message, entries)
        return done(message, "web.awards.show", award_id=award.id)

    return submit("awards/new.html", form, act, registered)


@bp.route("/awards/<int:award_id>")
@requires(access.READ_REGISTERS)
def show(award_id: int):
    view = award_page(db.session(), current_actor(), award_id)
    return render("awards/show.html", view=view, ageing=ageing)


@bp.route("/awards/<int:award_id>/cancel", methods=["GET", "POST"])
@requires(access.REGISTER_AWARDS)
def cancel(award_id: int):
    session, actor = db.session(), current_actor()
    award = reads.get_award(session, actor, award_id)  # a court: its own only, else 404

    def prepare(form: Form) -> None:
        form.amount.currencies = [award.amount.currency]

    def part(form: Form):
        return form.amount.data or award.proposable

    def act(form: Form):
        taken = posted_by(
            session,
            lambda: awards.cancel_award(session, actor=actor, award_id=award_id, **form.values()),
        )
        return (*taken, part(form))

    def finished(result):
        _award, entries, amount = result
        message = _("%(amount)s of award %(id)d cancelled.", amount=money(amount), id=award_id)
        if actor.may(access.READ_BOOKS):
            message = with_entries(message, entries)
        return done(message, "web.awards.show", award_id=award_id)

    step = Step(
        form=CancelForm,
        template="awards/cancel.html",
        act=act,
        button=lambda f: _("Cancel %(amount)s of award %(id)d", amount=money(part(f)), id=award_id),
        finished=finished,
        heading=_("Check the cancellation before it is recorded"),
        prepare=prepare,
        explanation=_(
            "The cancelled part is no longer owed to the victim: it leaves awards payable (2000) "
            "and reduces victim compensation (5000)."
        ),
        warning=_("A cancelled amount cannot be owed again: that would take a new award."),
    )
    return take(step, award=award)


@bp.route("/awards/import", methods=["GET", "POST"])
@requires(access.REGISTER_AWARDS)
def import_awards():
    session, actor, form = db.session(), current_actor(), ImportForm()

    def read(form: ImportForm):
        upload = form.file.data
        return read_table(read_upload(upload), upload.filename or "")

    def imported(frame):
        """Registered, the list with the new awards first; a file with any problem, nothing
        kept and the form again with each (422: the request's transaction is rolled back)."""
        result = run_import(session, "awards", frame, actor=actor)
        if result.ok:
            return done(_imported(result.ids), "web.awards.index", sort="-id")
        form.summary_errors.append(
            ngettext(
                "Nothing was imported: the file has %(num)d problem. Correct it and "
                "upload it again.",
                "Nothing was imported: the file has %(num)d problems. Correct them and "
                "upload it again.",
                len(result.problems),
            )
        )
        return render(
            "awards/import.html", form=form, problems=result.problems, columns=_import_columns()
        )

    return submit("awards/import.html", form, read, imported, columns=_import_columns())


@bp.route("/awards/import/awards.csv")
@requires(access.REGISTER_AWARDS)
def import_template():
    """An empty spreadsheet with the columns an import needs, to fill in."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(_import_columns())
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="awards.csv"'
    return response


def _import_columns() -> tuple[str, ...]:
    return LAYOUTS["awards"].required


def _imported(ids: list[int]) -> Markup:
    """The banner: how many were registered, with a link to each (the first few)."""
    link = Markup('<a class="govuk-notification-banner__link" href="{}">{}</a>')
    named = [
        link.format(url_for("web.awards.show", award_id=i), _("award %(id)d", id=i))
        for i in ids[:NAMED_IN_BANNER]
    ]
    listed = Markup(", ").join(named)
    if len(ids) > NAMED_IN_BANNER:
        more = len(ids) - NAMED_IN_BANNER
        listed += Markup(" ") + ngettext("and %(num)d more", "and %(num)d more", more)
    counted = ngettext(
        "%(num)d award imported and registered:",
        "%(num)d awards imported and registered:",
        len(ids),
    )
    return Markup("{} {}.").format(counted, listed)
