"""Receipts and expenses: money in and out of the fund that is not a victim's payment.

Each is a list (filtered by kind and date, sorted by date, downloadable as
exactly what the filters select, with the filtered total) and a form that
records one through :func:`ledger.cash.record_receipt` or
:func:`~ledger.cash.record_expense`. Interest earned on seized cash in escrow
names the cash asset it follows; the core refuses anything else beside its field.
"""

from __future__ import annotations

from functools import partial

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import InputRequired, Length

from app import db
from app.web.formatting import label, money
from app.web.forms import DayField, FilterForm, Form, MoneyField, any_or, options
from app.web.lists import ListFile, show_list
from app.web.pages import done, submit
from app.web.sessions import current_actor, requires
from app.web.steps import entries_note
from ledger import access, cash, labels
from ledger.money import Money
from ledger.reads import book_pages, choices
from reports.statement import Column

bp = Blueprint("cash", __name__)

RECEIPT, EXPENSE = "receipt", "expense"


def _optional_id(value) -> int | None:
    return int(value) if value not in (None, "", "None") and str(value).isdigit() else None


def _kinds(table: dict) -> list[tuple[str, str]]:
    return [(code, _l(text)) for code, text in table.items()]


class CashFilters(FilterForm):
    #: The kinds of receipt or of expense the list is filtered by.
    kinds: dict[str, str] = {}
    kind = SelectField(_l("Kind"), default="", choices=[])
    date_from = DayField(_l("From"), optional=True)
    date_to = DayField(_l("To"), optional=True)

    def offer(self, session, actor) -> None:
        self.kind.choices = any_or(_kinds(self.kinds))


class ReceiptFilters(CashFilters):
    kinds = labels.RECEIPT_KIND


class ExpenseFilters(CashFilters):
    kinds = labels.EXPENSE_KIND


class _MovementForm(Form):
    amount = MoneyField(_l("Amount"))
    counterparty = StringField(
        _l("Counterparty"), [InputRequired(_l("Enter who paid or was paid")), Length(max=200)]
    )
    case_id = SelectField(_l("Case (optional)"), coerce=_optional_id, choices=[])
    asset_id = SelectField(_l("Seized asset (optional)"), coerce=_optional_id, choices=[])


def _kind_field(label: str, unchosen: str, kinds: dict) -> RadioField:
    """The kind of a receipt or an expense: one of ``kinds``, ``unchosen`` when none is."""
    return RadioField(label, choices=options(_kinds(kinds)), invalid_choice_message=unchosen)


class ReceiptForm(_MovementForm):
    kind = _kind_field(_l("Kind of receipt"), _l("Choose the kind of receipt"), labels.RECEIPT_KIND)
    received_on = DayField(_l("Received on"))


class ExpenseForm(_MovementForm):
    kind = _kind_field(_l("Kind of expense"), _l("Choose the kind of expense"), labels.EXPENSE_KIND)
    paid_on = DayField(_l("Paid on"))


#: What each direction is called, and its form, table, kinds and service.
DIRECTIONS = {
    RECEIPT: {
        "form": ReceiptForm,
        "filters": ReceiptFilters,
        "kinds": labels.RECEIPT_KIND,
        "service": cash.record_receipt,
        "date_field": "received_on",
        "list": "web.cash.receipts",
        "slug": "receipts",
        "title": "Receipts",
    },
    EXPENSE: {
        "form": ExpenseForm,
        "filters": ExpenseFilters,
        "kinds": labels.EXPENSE_KIND,
        "service": cash.record_expense,
        "date_field": "paid_on",
        "list": "web.cash.expenses",
        "slug": "expenses",
        "title": "Expenses",
    },
}

COLUMNS = [
    Column("date", "Date", "date", width=0.9),
    Column("kind", "Kind", width=1.3),
    Column("counterparty", "Counterparty", width=2.2),
    Column("case", "Case", width=1.1),
    Column("asset", "Asset", "int", width=0.5),
    Column("amount", "Amount", "money_in", currency_key="currency", width=1.4),
    Column("currency", "Currency", width=0.6),
    Column("functional", "Carried at", "money", width=1.3),
    Column("entry", "Entry", "int", width=0.6),
]


def _row_of(kinds: dict):
    def row(m: book_pages.CashRow) -> dict:
        return {
            "date": m.date,
            "kind": labels.label(kinds, m.kind),
            "counterparty": m.counterparty,
            "case": m.case_reference,
            "asset": m.asset_id,
            "amount": m.amount.minor,
            "currency": m.amount.currency,
            "functional": m.functional.minor,
            "entry": m.entry_number,
        }

    return row


def _total(rows: list[dict]) -> dict:
    return {"date": "Total", "functional": sum(r["functional"] for r in rows)}


def _list(direction: str):
    spec = DIRECTIONS[direction]
    return show_list(
        "cash/index.html",
        spec["filters"],
        partial(book_pages.list_cash, direction=direction),
        ListFile(spec["slug"], spec["title"], COLUMNS, _row_of(spec["kinds"]), _total),
        direction=direction,
    )


@bp.route("/receipts")
@requires(access.READ_BOOKS)
def receipts():
    return _list(RECEIPT)


@bp.route("/expenses")
@requires(access.READ_BOOKS)
def expenses():
    return _list(EXPENSE)


def _asset_label(asset: book_pages.AssetChoice) -> str:
    kind, state = label("ASSET_KIND", asset.kind), label("ASSET_STATE", asset.state)
    return _(
        "Asset %(id)d: %(description)s (%(case)s; %(kind)s, %(state)s)",
        id=asset.id,
        description=asset.description,
        case=asset.case_reference,
        kind=kind,
        state=state,
    )


def _record(direction: str):
    session, actor, spec = db.session(), current_actor(), DIRECTIONS[direction]
    form = spec["form"](
        case_id=request.args.get("case_id", type=int),
        asset_id=request.args.get("asset_id", type=int),
    )
    none = [("", _("None"))]
    form.case_id.choices = options(none + choices.open_cases(session, actor))
    assets = book_pages.asset_choices(session, actor)
    form.asset_id.choices = options(none + [(a.id, _asset_label(a)) for a in assets])
    form.amount.currencies = choices.currencies(session, actor)

    def recorded(movement):
        what = _("Receipt") if direction == RECEIPT else _("Expense")
        message = _(
            "%(what)s of %(amount)s recorded.",
            what=what,
            amount=money(Money(movement.amount_minor, movement.currency)),
        )
        note = entries_note([movement.entry_number] if movement.entry_number else [])
        return done(f"{message} {note}".strip(), spec["list"])

    return submit(
        "cash/new.html",
        form,
        lambda form: spec["service"](session, actor=actor, **form.values()),
        recorded,
        direction=direction,
    )


@bp.route("/receipts/new", methods=["GET", "POST"])
@requires(access.MANAGE_CASH)
def record_receipt():
    return _record(RECEIPT)


@bp.route("/expenses/new", methods=["GET", "POST"])
@requires(access.MANAGE_CASH)
def record_expense():
    return _record(EXPENSE)
