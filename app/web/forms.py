"""The form kit of the web pages: WTForms with Flask-WTF's CSRF, and the fields people type in.

- :class:`MoneyField`: an amount as a person writes it in ``FUNDLEDGER_LOCALE``
  ("1.234,50" in es_AR) or plainly ("1234.50"), parsed exactly by
  :func:`ledger.money.parse_typed`, with its currency (fixed, or chosen).
- :class:`DayField`: a date as three boxes, day, month and year, the GOV.UK
  pattern for dates people know (an order date, a payment date).
- :func:`apply_refusal`: a refusal of the core (``ledger.errors``) shown on
  the form, each message beside the field it names, the rest in the summary.

Forms only parse. What a value must be for the fund (not in the future,
after the award date, within what is outstanding…) is the core's rule, and
comes back as a refusal that :func:`apply_refusal` puts beside its field.
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, IntegerField, SelectChoice, ValidationError
from wtforms.validators import Optional

from ledger.errors import Invalid, LedgerError
from ledger.money import Money, format_amount, parse_typed


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as a select's choices."""
    return [SelectChoice(value, label) for value, label in pairs]


ANY = _l("Any")


def any_or(pairs) -> list[SelectChoice]:
    """A filter's choices: "Any" (no filter) first, then ``pairs``."""
    return options([("", ANY), *pairs])


class Form(FlaskForm):
    """A form whose refusals can come from WTForms or from the core alike."""

    #: Messages about no one field, shown in the error summary only.
    summary_errors: list[str]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.summary_errors = []

    @property
    def has_errors(self) -> bool:
        return bool(self.summary_errors) or any(f.errors for f in self)

    def field_named(self, name: str) -> Field | None:
        """The field that a name of the core's (``postings.0.account``) is about, when the
        form knows better than its fields' names do (the rows of a FieldList); None lets
        :func:`apply_refusal` find it by name."""
        return None

    def values(self, *names: str) -> dict:
        """The parsed data of the named fields (all but the CSRF token if none are named)."""
        chosen = names or [f.name for f in self if f.name != "csrf_token"]
        return {name: self[name].data for name in chosen}


class FilterForm(Form):
    """A form of query-string filters: a GET, bookmarkable, so no CSRF token."""

    #: Whether the list's read function takes a sort order (``?sort=``).
    sortable = True

    class Meta:
        csrf = False

    def offer(self, session, actor) -> None:
        """Set the choices that come from the books (the open cases): none by default."""


class MoneyField(Field):
    """An amount (input ``NAME``) and its currency (fixed, or a select ``NAME-currency``)."""

    def __init__(self, label=None, validators=None, *, optional=False, allow_zero=False, **kw):
        super().__init__(label, validators, **kw)
        self.optional, self.allow_zero = optional, allow_zero
        #: The currencies offered; one means fixed. Set by the view (e.g. the award's own).
        self.currencies: list[str] = []
        self.raw_amount, self.raw_currency = "", ""

    @property
    def currency_name(self) -> str:
        return f"{self.name}-currency"

    @property
    def fixed_currency(self) -> str | None:
        return self.currencies[0] if len(self.currencies) == 1 else None

    def process(self, formdata, data=None, extra_filters=None):
        self.process_errors = []
        self.data = data
        if isinstance(data, Money):
            self.raw_amount = format_amount(data, current_app.config["LOCALE"])
            self.raw_currency = data.currency
        if formdata is not None and self.name in formdata:
            self.raw_amount = formdata.get(self.name, "").strip()
            self.raw_currency = formdata.get(self.currency_name, "").strip().upper()

    def pre_validate(self, form):
        currency = self.fixed_currency or self.raw_currency
        if not self.raw_amount and self.optional:
            self.data = None
            return
        if self.currencies and currency not in self.currencies:
            raise ValidationError(_("Choose the currency"))
        try:
            money = parse_typed(self.raw_amount, currency, current_app.config["LOCALE"])
        except Invalid as exc:
            raise ValidationError(next(iter(exc.errors.values()))[0]) from None
        if money.minor == 0 and not self.allow_zero:
            raise ValidationError(_("Enter an amount greater than zero"))
        self.data = money

    def _value(self) -> str:
        return self.raw_amount


class DayField(Field):
    """A date as day, month and year boxes (inputs ``NAME-day``, ``NAME-month``, ``NAME-year``)."""

    PARTS = ("day", "month", "year")

    def __init__(self, label=None, validators=None, *, optional=False, **kw):
        super().__init__(label, validators, **kw)
        self.optional = optional
        self.raw = dict.fromkeys(self.PARTS, "")
        #: The part an error is about, so the summary can link straight to its box.
        self.error_part = "day"

    def process(self, formdata, data=None, extra_filters=None):
        self.process_errors = []
        self.data = data
        if isinstance(data, date):
            self.raw = {"day": str(data.day), "month": str(data.month), "year": str(data.year)}
        if formdata is not None and any(f"{self.name}-{p}" in formdata for p in self.PARTS):
            self.raw = {p: formdata.get(f"{self.name}-{p}", "").strip() for p in self.PARTS}

    def pre_validate(self, form):
        missing = [p for p in self.PARTS if not self.raw[p]]
        if len(missing) == 3:
            if self.optional:
                self.data = None
                return
            raise ValidationError(_("Enter the date"))
        if missing:
            self.error_part = missing[0]
            raise ValidationError(_("The date must include a %(part)s", part=_l(missing[0])))
        if not all(self.raw[p].isdigit() for p in self.PARTS) or len(self.raw["year"]) != 4:
            self.error_part = next((p for p in self.PARTS if not self.raw[p].isdigit()), "year")
            raise ValidationError(_("The date must be a real date, such as 27 3 2026"))
        try:
            self.data = date(int(self.raw["year"]), int(self.raw["month"]), int(self.raw["day"]))
        except ValueError:
            raise ValidationError(_("The date must be a real date, such as 27 3 2026")) from None

    @property
    def anchor(self) -> str:
        return f"{self.id}-{self.error_part}"


def anchor_of(field: Field) -> str:
    """The id the error summary links to: the field's box (a date's first wrong part)."""
    return getattr(field, "anchor", field.id)


def apply_refusal(form: Form, exc: LedgerError, aliases: dict[str, str] | None = None) -> None:
    """Put a refusal of the core on ``form``: each message beside the field it names.

    The core names fields as its services do (``amount.amount``, ``payment.iban``,
    ``postings.0.account``); ``aliases`` maps names that differ from the form's.
    A message about no field of the form goes to the summary.
    """
    aliases = aliases or {}
    if not exc.errors:
        form.summary_errors.append(exc.detail)
        return
    for name, messages in exc.errors.items():
        field = form.field_named(name)
        if field is None:
            field = _field_for(form, name, aliases)
        if field is None:
            form.summary_errors.extend(messages)
        else:
            field.errors = [*field.errors, *messages]


def _field_for(form: Form, name: str, aliases: dict[str, str]) -> Field | None:
    candidates = [aliases.get(name), name, name.replace(".", "-")]
    parts = name.split(".")
    candidates += [aliases.get(parts[0]), parts[0], parts[-1], "-".join(parts[:2])]
    for candidate in candidates:
        if candidate and candidate in form._fields and candidate != "csrf_token":
            return form._fields[candidate]
    return None


class NumberField(IntegerField):
    """A record's number typed in a filter: digits only, with a message people can act on."""

    def __init__(self, label=None, validators=None, *, message=None, **kw):
        super().__init__(label, validators or [Optional()], **kw)
        self.message = message

    def process_formdata(self, valuelist):
        text = valuelist[0].strip() if valuelist else ""
        self.data = None
        if not text:
            return
        if not text.isdigit() or len(text) > 9:
            raise ValueError(str(self.message))
        self.data = int(text)
