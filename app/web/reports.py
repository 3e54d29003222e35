"""Statements (SPEC §6): the auditor's home page, and every statement in every format.

The statements page chooses dates once (as of, for the statements at a date;
from and to, for those of a period) and offers every statement the signed-in
person may have as PDF, CSV, XLSX and JSON; the general ledger, the victim
statement and the case statement each ask for their account, victim (by
code) or case first. A download, ``/statements/<slug>?format=…``, takes the
API's query arguments (``as_of``, ``from``, ``to`` as ``YYYY-MM-DD``,
``account``, ``victim_id``, ``case_id``), builds the statement from a
read-only session and streams it; a choice the core refuses brings the
statements page back (422) with the message beside that choice.

Who may have which statement is the core's rule (:func:`reports.statements.build_statement`):
a court has the awards register of its own awards, nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, ValidationError

from app import db
from app.statements import report_request
from app.streaming import streamed_statement
from app.web.forms import DayField, FilterForm, apply_refusal, options
from app.web.pages import render
from app.web.sessions import current_actor, requires
from ledger import access
from ledger.errors import FORBIDDEN, LedgerError
from ledger.reads.period_pages import statement_choices
from ledger.validate import today_utc
from reports.context import fiscal_year_begin
from reports.render import FORMATS
from reports.statements import BUILDERS

bp = Blueprint("reports", __name__)

_ISO_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
POINT, PERIOD = "point", "period"


@dataclass(frozen=True)
class Kind:
    """A statement as the statements page offers it."""

    slug: str
    name: str
    about: str
    #: ``point`` (as of a date) or ``period`` (from, to).
    dates: str
    #: The choice it needs first: ``account``, ``victim_id`` or ``case_id``.
    choice: str | None = None


GROUPS = (
    (
        _l("Financial statements"),
        (
            Kind("financial-position", _l("Statement of financial position"),
                 _l("What the fund holds and owes at a date"), POINT),
            Kind("financial-performance", _l("Statement of financial performance"),
                 _l("Revenue and expenses of the period"), PERIOD),
            Kind("net-assets", _l("Statement of changes in net assets"),
                 _l("Opening fund balance, the period's result, closing fund balance"), PERIOD),
            Kind("cash-flow", _l("Cash-flow statement"),
                 _l("Cash received and paid, by operating, investing and financing activity"),
                 PERIOD),
            Kind("notes", _l("Notes to the financial statements"),
                 _l("Accounting policies, seized assets, awards by status and age, currencies"),
                 POINT),
        ),
    ),
    (
        _l("Books"),
        (
            Kind("trial-balance", _l("Trial balance"),
                 _l("Every account's debit or credit balance; the totals tie"), POINT),
            Kind("journal", _l("Journal"),
                 _l("Every entry with its postings, in number order"), PERIOD),
            Kind("general-ledger", _l("General ledger"),
                 _l("One account's postings with the running balance"), PERIOD, "account"),
        ),
    ),
    (
        _l("Registers"),
        (
            Kind("awards-register", _l("Awards register"),
                 _l("Awards with paid, outstanding, status and ageing (victims at home and "
                    "abroad)"), POINT),
            Kind("asset-register", _l("Seized-asset register"),
                 _l("Seized assets by state, with their values"), POINT),
        ),
    ),
    (
        _l("One victim or one case"),
        (
            Kind("victim-statement", _l("Victim statement"),
                 _l("A victim's awards and payments, by the victim's code"), POINT, "victim_id"),
            Kind("case-statement", _l("Case statement"),
                 _l("A case's assets, awards, proceeds and payments"), POINT, "case_id"),
        ),
    ),
)  # fmt: skip
KINDS = {kind.slug: kind for _title, kinds in GROUPS for kind in kinds}
#: What a statement that needs a choice says when it was not made.
CHOOSE = {
    "account": _l("Choose the account"),
    "victim_id": _l("Choose the victim"),
    "case_id": _l("Choose the case"),
}
#: The core names the period's ends as the API does.
ALIASES = {"from": "date_from", "to": "date_to"}


class StatementDay(DayField):
    """A statement's date: three boxes on the statements page, or ``YYYY-MM-DD`` in a
    download's address (links, bookmarks, the case page), which shows in the boxes again."""

    unreadable = False

    def process(self, formdata, data=None, extra_filters=None):
        super().process(formdata, data, extra_filters)
        self.unreadable = False
        if formdata is not None and self.name in formdata:
            text = formdata.get(self.name, "").strip()
            match = _ISO_DAY.fullmatch(text)
            year, month, day = match.groups() if match else ("", "", "")
            self.raw = {"day": day.lstrip("0"), "month": month.lstrip("0"), "year": year}
            self.unreadable = bool(text) and match is None

    def pre_validate(self, form):
        if self.unreadable:
            raise ValidationError(_("The date must be a real date, such as 27 3 2026"))
        super().pre_validate(form)

    @property
    def iso(self) -> str | None:
        return self.data.isoformat() if self.data is not None and not self.errors else None


class RecordChoice(SelectField):
    """A record chosen from a list by its id; nothing chosen is None."""

    def __init__(self, label=None, validators=None, **kw):
        super().__init__(label, validators, coerce=_record_id, validate_choice=False, **kw)

    def process_formdata(self, valuelist):
        text = valuelist[0].strip() if valuelist else ""
        self.data = None
        if text and not (text.isdigit() and len(text) <= 9):
            raise ValueError(_("Choose from the list"))
        if text:
            self.data = int(text)


def _record_id(value) -> int | None:
    return None if value in (None, "") else int(value)


class StatementForm(FilterForm):
    format = SelectField(
        _l("Format"), choices=options([(f, f.upper()) for f in FORMATS]), validate_choice=False
    )
    as_of = StatementDay(_l("As of"), optional=True)
    date_from = StatementDay(_l("From"), optional=True, name="from")
    date_to = StatementDay(_l("To"), optional=True, name="to")
    account = SelectField(_l("Account"), choices=[], validate_choice=False)
    victim_id = RecordChoice(_l("Victim"))
    case_id = RecordChoice(_l("Case"))


def _form(*, defaults: bool) -> StatementForm:
    """The choices from the query string; on a first visit, the fiscal year so far."""
    if defaults:
        start = fiscal_year_begin(today_utc(), current_app.config["FISCAL_YEAR_START"])
        return StatementForm(request.args, date_from=start)
    return StatementForm(request.args)


def _dates_chosen() -> bool:
    return any(name.split("-")[0] in ("as_of", "from", "to") for name in request.args)


def _page(form: StatementForm):
    """The statements page, with ``form``'s choices (and errors, if any: status 422)."""
    session, actor = db.session(), current_actor()
    found = statement_choices(session, actor)
    form.account.choices = options([("", _("Choose an account")), *found.accounts])
    form.victim_id.choices = options([("", _("Choose a victim")), *found.victims])
    form.case_id.choices = options([("", _("Choose a case")), *found.cases])
    groups = []
    for title, kinds in GROUPS:
        offered = [k for k in kinds if not actor.is_court or k.slug in access.COURT_STATEMENTS]
        if offered:
            groups.append((title, offered))
    dates = {
        POINT: _given(as_of=form.as_of.iso),
        PERIOD: _given(**{"from": form.date_from.iso, "to": form.date_to.iso}),
    }
    offered = {k.slug for _title, kinds in groups for k in kinds}
    return render("reports/index.html", form=form, groups=groups, dates=dates, offered=offered)


def _given(**values) -> dict:
    return {name: value for name, value in values.items() if value}


@bp.route("/statements")
@requires(access.READ_STATEMENTS)
def index():
    form = _form(defaults=not _dates_chosen())
    form.validate()
    return _page(form)


@bp.route("/statements/<slug>")
@requires(access.READ_STATEMENTS)
def statement(slug: str):
    if slug not in BUILDERS:
        abort(404)
    form = _form(defaults=False)
    valid = form.validate()
    fmt = form.format.data
    if fmt not in FORMATS:
        form.summary_errors.append(_("Choose the format: PDF, CSV, XLSX or JSON."))
    choice = KINDS[slug].choice
    if choice and form[choice].data in (None, "") and not form[choice].errors:
        form[choice].errors = [*form[choice].errors, str(CHOOSE[choice])]
    if not valid or form.has_errors:
        return _page(form)
    asked = report_request(
        current_actor(),
        as_of=form.as_of.data,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
        account=form.account.data or None,
        victim_id=form.victim_id.data,
        case_id=form.case_id.data,
    )
    try:
        return streamed_statement(slug, asked, fmt)
    except LedgerError as exc:
        if exc.kind == FORBIDDEN:
            raise
        apply_refusal(form, _beside_choice(slug, exc), ALIASES)
        return _page(form)


def _beside_choice(slug: str, exc: LedgerError) -> LedgerError:
    """A refusal naming no field (an account that does not exist) is about the statement's
    own choice."""
    choice = KINDS[slug].choice
    return exc.on_field(choice) if not exc.errors and choice else exc
