"""Victims: the list by code, registering a victim, a victim's page, changing how one is paid.

Only an administrator's victim page shows the personal data (name, date of
birth, contact, bank details): the core opens it for administrators alone and
records every view in the audit log. A court or an auditor sees the code and
the plain fields (country, returned home, how and in what currency paid) on
every page, and a court that registers a victim is shown the new code only.
"""

from __future__ import annotations

from datetime import date
from functools import cache

import pycountry
from babel import Locale
from flask import Blueprint, current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app import db, pii
from app.web.forms import DayField, FilterForm, Form, options
from app.web.lists import ListFile, show_list
from app.web.pages import done, render, submit
from app.web.sessions import current_actor, requires
from ledger import access, labels, victims
from ledger.reads import choices, registers
from ledger.reads.victim_pages import victim_page
from reports.statement import Column

bp = Blueprint("victims", __name__)

#: How a victim is paid, as the form asks it: the core's ``bank_transfer`` comes in two
#: shapes (IBAN, or an account number where IBANs do not exist).
METHODS = (
    ("iban", _l("Bank transfer to an IBAN")),
    ("account", _l("Bank transfer to an account number")),
    ("intermediary", _l("Through an intermediary organisation")),
    ("cash", _l("Cash")),
)
#: The fields each way of paying needs, and what to say when one is left empty.
NEEDED = {
    "iban": (("iban", _l("Enter the IBAN")), ("bic", _l("Enter the bank's BIC (SWIFT code)"))),
    "account": (
        ("account_number", _l("Enter the account number")),
        ("account_bic", _l("Enter the bank's BIC (SWIFT code)")),
        ("bank_country", _l("Choose the country of the bank")),
    ),
    "intermediary": (
        ("intermediary", _l("Enter the name of the intermediary organisation")),
        ("reference", _l("Enter the victim's reference at the intermediary")),
    ),
}
YES_NO = (("yes", _l("Yes")), ("no", _l("No")))


@cache
def _countries(locale: str) -> tuple[tuple[str, str], ...]:
    """Every ISO 3166-1 country (pycountry), named in the fund's language (Babel), by name."""
    names = Locale.parse(locale).territories
    pairs = [(c.alpha_2, names.get(c.alpha_2, c.name)) for c in pycountry.countries]
    return tuple(sorted(pairs, key=lambda pair: pair[1]))


def country_name(code: str | None) -> str:
    """A country's name in the fund's language ("Portugal"), or the code if unknown."""
    return dict(_countries(current_app.config["LOCALE"])).get(code or "", code or "")


def _country_choices() -> list:
    return options([("", _("Choose a country")), *_countries(current_app.config["LOCALE"])])


class _Identity(Form):
    """What only registering asks: who the victim is (never changed afterwards)."""

    full_name = StringField(
        _l("Full name"), [InputRequired(_l("Enter the victim's full name")), Length(max=200)]
    )
    date_of_birth = DayField(_l("Date of birth (optional)"), optional=True)


class _Reach(Form):
    """How the victim is reached and paid: asked when registering, and changeable."""

    contact = TextAreaField(_l("Contact (optional)"), [Optional(), Length(max=500)])
    country_of_residence = SelectField(
        _l("Country of residence"),
        [InputRequired(_l("Choose the country where the victim lives"))],
    )
    returned_home = RadioField(
        _l("Returned home"),
        choices=options(YES_NO),
        invalid_choice_message=_l("Say whether the victim has returned home"),
    )
    method = RadioField(
        _l("Payment method"),
        choices=options(METHODS),
        invalid_choice_message=_l("Choose how the victim is paid"),
    )
    iban = StringField(_l("IBAN"), [Optional(), Length(max=42)])
    bic = StringField(_l("BIC (SWIFT code)"), [Optional(), Length(max=11)])
    account_number = StringField(_l("Account number"), [Optional(), Length(max=34)])
    account_bic = StringField(_l("BIC (SWIFT code) of the bank"), [Optional(), Length(max=11)])
    bank_country = SelectField(_l("Country of the bank"), validate_choice=False)
    intermediary = StringField(_l("Intermediary organisation"), [Optional(), Length(max=200)])
    reference = StringField(
        _l("The victim's reference at the intermediary"), [Optional(), Length(max=100)]
    )
    payment_currency = SelectField(_l("Currency to pay in"))

    def offer(self, currencies: list[str]) -> None:
        countries = _country_choices()
        self.country_of_residence.choices = countries
        self.bank_country.choices = countries
        self.payment_currency.choices = options([(code, code) for code in currencies])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for name, message in NEEDED.get(self.method.data, ()):
            if not self[name].data and not self[name].errors:
                self[name].errors = [str(message)]
                valid = False
        return valid

    def payment(self) -> victims.PaymentDetails:
        """The payment details the chosen way of paying uses (the other boxes are ignored)."""
        method, values = self.method.data, {"currency": self.payment_currency.data}
        if method == "iban":
            values |= {"iban": self.iban.data, "bic": self.bic.data}
        elif method == "account":
            values |= {
                "account_number": self.account_number.data,
                "bic": self.account_bic.data,
                "bank_country": self.bank_country.data,
            }
        elif method == "intermediary":
            values |= {"intermediary": self.intermediary.data, "reference": self.reference.data}
        core_method = "bank_transfer" if method in ("iban", "account") else method
        return victims.PaymentDetails(method=core_method, **values)

    def reach(self) -> dict:
        """The service's arguments about reaching and paying the victim."""
        return {
            "contact": self.contact.data or None,
            "country_of_residence": self.country_of_residence.data,
            "returned_home": self.returned_home.data == "yes",
            "payment": self.payment(),
        }

    def aliases(self) -> dict[str, str]:
        """The core's names for the payment's fields, where the form's differ."""
        bic = "account_bic" if self.method.data == "account" else "bic"
        return {
            "payment.bic": bic,
            "payment.currency": "payment_currency",
            "payment.method": "method",
        }

    def field_named(self, name: str):
        """The box of a payment detail the core names differently (``payment.bic``)."""
        alias = self.aliases().get(name)
        return self[alias] if alias else None


class RegisterForm(_Identity, _Reach):
    pass


class ChangeForm(_Reach):
    pass


class VictimFilters(FilterForm):
    sortable = False  # by registration, always
    code = StringField(_l("Victim code"), [Optional(), Length(max=16)])


def _form_values(victim: registers.VictimRow) -> dict:
    """The change form filled in with what is recorded now (from the opened personal data)."""
    personal = victim.personal_data or {}
    payment = personal.get("payment") or {}
    method = payment.get("method", victim.payment_method)
    if method == "bank_transfer":
        method = "iban" if payment.get("iban") else "account"
    values = {
        "contact": personal.get("contact") or "",
        "country_of_residence": victim.country_of_residence,
        "returned_home": "yes" if victim.returned_home else "no",
        "method": method,
        "payment_currency": victim.payment_currency,
        "intermediary": payment.get("intermediary"),
        "reference": payment.get("reference"),
    }
    if method == "iban":
        values |= {"iban": payment.get("iban"), "bic": payment.get("bic")}
    elif method == "account":
        values |= {
            "account_number": payment.get("account_number"),
            "account_bic": payment.get("bic"),
            "bank_country": payment.get("bank_country"),
        }
    return values


COLUMNS = [
    Column("code", "Victim", width=1.0),
    Column("country", "Country of residence", width=1.6),
    Column("returned_home", "Returned home", width=1.0),
    Column("method", "Paid by", width=1.6),
    Column("currency", "Currency", width=0.8),
]


def _row(victim: registers.VictimRow) -> dict:
    return {
        "code": victim.code,
        "country": f"{country_name(victim.country_of_residence)} ({victim.country_of_residence})",
        "returned_home": "Yes" if victim.returned_home else "No",
        "method": labels.label(labels.PAYMENT_METHOD, victim.payment_method),
        "currency": victim.payment_currency,
    }


@bp.route("/victims")
@requires(access.READ_REGISTERS)
def index():
    return show_list(
        "victims/index.html",
        VictimFilters,
        registers.list_victims,
        ListFile("victims", "Victims", COLUMNS, _row),
        country=country_name,
    )


@bp.route("/victims/new", methods=["GET", "POST"])
@requires(access.REGISTER_VICTIMS)
def register():
    session, actor = db.session(), current_actor()
    form = RegisterForm()
    form.offer(choices.currencies(session, actor))

    def act(form: RegisterForm):
        return victims.register_victim(
            session,
            pii.cipher(),
            actor=actor,
            full_name=form.full_name.data,
            date_of_birth=form.date_of_birth.data,
            **form.reach(),
        )

    def registered(victim):
        message = _("Victim registered with the code %(code)s.", code=victim.code)
        return done(message, "web.victims.show", victim_id=victim.id)

    return submit("victims/new.html", form, act, registered)


@bp.route("/victims/<int:victim_id>")
@requires(access.READ_REGISTERS)
def show(victim_id: int):
    # With the cipher, the core opens the personal data for an administrator only (audited).
    view = victim_page(db.session(), current_actor(), victim_id, pii.cipher())
    born = (view.victim.personal_data or {}).get("date_of_birth")
    return render(
        "victims/show.html",
        view=view,
        country=country_name,
        born=date.fromisoformat(born) if born else None,
    )


@bp.route("/victims/<int:victim_id>/change", methods=["GET", "POST"])
@requires(access.MANAGE_VICTIMS)
def change(victim_id: int):
    session, actor = db.session(), current_actor()
    if request.method == "GET":  # filled in with what is recorded: a view of the personal data
        victim = registers.victim_detail(session, actor, victim_id, pii.cipher())
        form = ChangeForm(data=_form_values(victim))
    else:
        victim = registers.victim_detail(session, actor, victim_id)  # its code; nothing opened
        form = ChangeForm()
    currencies = choices.currencies(session, actor)
    if victim.payment_currency not in currencies:  # kept as recorded, even without a rate
        currencies.append(victim.payment_currency)
    form.offer(currencies)

    def act(form: ChangeForm):
        cipher = pii.cipher()
        victims.change_victim(session, cipher, actor=actor, victim_id=victim_id, **form.reach())

    def saved(_none):
        message = _("The details of %(code)s are saved.", code=victim.code)
        return done(message, "web.victims.show", victim_id=victim_id)

    return submit("victims/change.html", form, act, saved, victim=victim)
