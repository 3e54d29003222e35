"""The chart of accounts with balances, a new account, and an account's ledger.

Balances are on each account's normal side (a healthy fund shows positive
figures), in the functional currency and, for an account kept in another
currency (a USD bank account), in that currency too. An account's ledger
runs its balance line by line; its download is the general-ledger statement
for the same account and dates.
"""

from __future__ import annotations

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import InputRequired, Length

from app import db
from app.statements import report_request
from app.streaming import streamed_statement
from app.web.downloads import TABLE_FORMATS
from app.web.forms import DayField, FilterForm, Form, options
from app.web.pages import done, page_request, render, submit
from app.web.sessions import current_actor, requires
from ledger import access, labels
from ledger.chart import add_account as add_to_chart
from ledger.models.accounts import ACCOUNT_TYPES
from ledger.reads import choices
from ledger.reads import journal as reads

bp = Blueprint("accounts", __name__)


class AccountForm(Form):
    code = StringField(
        _l("Account code"), [InputRequired(_l("Enter the account code")), Length(max=10)]
    )
    name = StringField(_l("Name"), [InputRequired(_l("Enter the account's name")), Length(max=120)])
    type = SelectField(
        _l("Type"),
        choices=options([(code, _l(labels.ACCOUNT_TYPE[code])) for code in ACCOUNT_TYPES]),
    )
    currency = SelectField(_l("Currency"), choices=[])
    no_overdraft = BooleanField(_l("No overdraft: its balance may never go below zero"))


class LedgerFilters(FilterForm):
    date_from = DayField(_l("From"), optional=True)
    date_to = DayField(_l("To"), optional=True)


@bp.route("/accounts")
@requires(access.READ_BOOKS)
def index():
    chart = reads.list_accounts(db.session(), current_actor(), page_request(per_page=100))
    return render("accounts/index.html", page=chart)


@bp.route("/accounts/new", methods=["GET", "POST"])
@requires(access.MANAGE_BOOKS)
def add_account():
    session, actor = db.session(), current_actor()
    form = AccountForm()
    functional, *others = choices.currencies(session, actor)
    form.currency.choices = options(
        [("", _("Not fixed: amounts in %(currency)s", currency=functional))]
        + [(code, code) for code in [functional, *others]]
    )

    def act(form: AccountForm):
        values = form.values()
        values["currency"] = values["currency"] or None
        return add_to_chart(session, actor=actor, **values)

    def added(account):
        message = _("Account %(code)s %(name)s added.", code=account.code, name=account.name)
        return done(message, "web.accounts.show", code=account.code)

    return submit("accounts/new.html", form, act, added)


@bp.route("/accounts/<code>")
@requires(access.READ_BOOKS)
def show(code: str):
    session, actor = db.session(), current_actor()
    filters = LedgerFilters(request.args)
    if not filters.validate():
        account = reads.get_account(session, actor, code)
        return render("accounts/show.html", form=filters, account=account, ledger=None)
    dates = {"date_from": filters.date_from.data, "date_to": filters.date_to.data}
    fmt = request.args.get("format")
    if fmt in TABLE_FORMATS:
        asked = report_request(actor, account=code, **dates)
        return streamed_statement("general-ledger", asked, fmt)
    ledger = reads.account_ledger(session, actor, code, page_request(per_page=50), **dates)
    return render("accounts/show.html", form=filters, account=ledger.account, ledger=ledger)
