"""Exchange rates: the table (everyone reads it), an ECB file upload and a rate typed in
(administrators only).

Rates are units of a currency per one functional unit, the ECB's convention.
A stored rate may be corrected (every posting keeps the functional amount it
was converted at), so adding a rate is not a confirmed step: the banner says
whether it was added or corrected.
"""

from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, ValidationError
from wtforms.validators import InputRequired, Length

from app import db
from app.uploads import read_upload
from app.web.formatting import day
from app.web.forms import DayField, FilterForm, Form, any_or
from app.web.lists import ListFile, show_list
from app.web.pages import done, submit
from app.web.sessions import current_actor, requires
from ledger import access, fx
from ledger.errors import LedgerError
from ledger.reads import books, choices
from reports.statement import Column

bp = Blueprint("rates", __name__)

#: The core names each rate by its place in the list it imports; the form has one.
ALIASES = {"rates.0.currency": "currency", "rates.0.date": "day", "rates.0.rate": "rate"}
#: Where a typed rate comes from, in the table's "source" column.
TYPED_SOURCE = "web form"
SOURCE_LENGTH = 200


def _code(text):
    return text.strip().upper() if isinstance(text, str) else text


class RateFilters(FilterForm):
    sortable = False  # newest first, always
    currency = SelectField(_l("Currency"), default="", choices=[])

    def offer(self, session, actor) -> None:
        known = choices.currencies(session, actor)[1:]  # the functional currency has no rate
        self.currency.choices = any_or((code, code) for code in known)


class RateField(StringField):
    """A rate as a decimal string, read exactly by the core's own parser (no float)."""

    def pre_validate(self, form):
        self.data = (self.data or "").strip()
        if not self.data:
            raise ValidationError(_("Enter the rate"))
        try:
            self.rate = fx.parse_rate(self.data)
        except LedgerError as exc:
            raise ValidationError(next(iter(exc.errors.values()))[0]) from None


class RateForm(Form):
    currency = StringField(
        _l("Currency"),
        [InputRequired(_l("Enter the currency's three-letter code")), Length(max=3)],
        filters=[_code],
    )
    day = DayField(_l("Date of the rate"))
    rate = RateField(_l("Rate"))


class UploadForm(Form):
    file = FileField(_l("ECB file"), [FileRequired(_l("Choose the ECB file to upload"))])


COLUMNS = [
    Column("currency", "Currency", width=0.6),
    Column("date", "Date", "date", width=0.8),
    Column("rate", "Units per functional unit", width=1.2),
    Column("source", "Source", width=2.4),
]


@bp.route("/rates")
@requires(access.READ_REGISTERS)
def index():
    listed = ListFile("exchange-rates", "Exchange rates", COLUMNS, vars)
    return show_list("rates/index.html", RateFilters, books.list_rates, listed)


@bp.route("/rates/new", methods=["GET", "POST"])
@requires(access.MANAGE_BOOKS)
def add():
    def act(form: RateForm):
        rate = fx.Rate(form.currency.data, form.day.data, form.rate.rate)
        added, corrected = fx.import_rates(
            db.session(), current_actor(), [rate], source=TYPED_SOURCE
        )
        return rate, added, corrected

    def finished(result):
        rate, added, corrected = result
        said = {"currency": rate.currency, "day": day(rate.date), "rate": str(rate.rate)}
        if added:
            message = _("%(currency)s rate of %(day)s added: %(rate)s.", **said)
        elif corrected:
            message = _("%(currency)s rate of %(day)s corrected to %(rate)s.", **said)
        else:
            message = _(
                "%(currency)s rate of %(day)s was already %(rate)s: nothing changed.", **said
            )
        return done(message, "web.rates.index", currency=rate.currency)

    return submit("rates/new.html", RateForm(), act, finished, aliases=ALIASES)


@bp.route("/rates/upload", methods=["GET", "POST"])
@requires(access.MANAGE_BOOKS)
def upload():
    def act(form: UploadForm):
        upload = form.file.data
        name = (upload.filename or "upload")[:SOURCE_LENGTH]
        text = read_upload(upload, text=True)
        return (name, *fx.import_ecb_csv(db.session(), current_actor(), text, name))

    def finished(result):
        name, added, corrected = result
        message = " ".join(
            (
                _("%(file)s imported:", file=name),
                ngettext("%(num)d rate added,", "%(num)d rates added,", added),
                ngettext("%(num)d corrected.", "%(num)d corrected.", corrected),
            )
        )
        return done(message, "web.rates.index")

    return submit("rates/upload.html", UploadForm(), act, finished)
