"""The journal: browse and filter the entries, an entry's page, a manual entry, a reversal.

A manual entry is rows of an account and a debit or a credit, each in the
account's own currency. "Add another line" is a submit button: the form comes
back one empty line longer and nothing is posted, so it works without
JavaScript. Both the manual entry and a reversal go through a confirmation
page showing exactly what will be posted (:mod:`app.web.steps`). The core
names a line's refusal ``postings.N.account``; :meth:`ManualEntryForm.field_named`
puts it beside that line's box.
"""

from __future__ import annotations

import re

from flask import Blueprint, current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import FieldList, FormField, IntegerField, SelectField, StringField, TextAreaField
from wtforms import Form as RowForm
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app import db
from app.web.formatting import money
from app.web.forms import DayField, FilterForm, Form, any_or, options
from app.web.lists import ListFile, show_list
from app.web.pages import done, render
from app.web.sessions import current_actor, requires
from app.web.steps import Step, take
from ledger import access, labels
from ledger.adjustments import post_adjustment, reverse_manual_entry
from ledger.errors import Invalid
from ledger.money import parse_typed
from ledger.reads import book_pages
from ledger.reads import journal as reads
from reports.statement import Column
from reports.statements.ledgers import JOURNAL_COLUMNS

bp = Blueprint("journal", __name__)

#: The submit button that adds a line (its name in the posted form).
ADD_LINE = "_add_line"
MAX_LINES = 40
SIDES = ("debit", "credit")
#: The journal statement's columns, and the currency of each original amount beside it.
COLUMNS = [
    *JOURNAL_COLUMNS[:-1],
    Column("currency", "Currency", width=0.6),
    JOURNAL_COLUMNS[-1],
]


def _optional_number(value) -> int | None:
    return int(value) if value not in (None, "") else None


class JournalFilters(FilterForm):
    date_from = DayField(_l("From"), optional=True)
    date_to = DayField(_l("To"), optional=True)
    account = SelectField(_l("Account"), default="", choices=[])
    event = SelectField(
        _l("Event"),
        default="",
        choices=any_or([(code, _l(text)) for code, text in labels.EVENT.items()]),
    )
    number = IntegerField(
        _l("Entry number"),
        [Optional(), NumberRange(min=1, message=_l("Enter an entry number of 1 or more"))],
    )

    def offer(self, session, actor) -> None:
        self.account.choices = any_or(_account_options(session, actor))


class LineForm(RowForm):
    """One line of a manual entry (no CSRF token of its own: the entry's form has one)."""

    account = SelectField(_l("Account"), choices=[], validate_choice=False)
    debit = StringField(_l("Debit"))
    credit = StringField(_l("Credit"))


#: ``postings.2.credit`` as the core names a line's box.
_CORE_LINE = re.compile(r"postings\.(\d+)(?:\.(\w+))?$")


class ManualEntryForm(Form):
    value_date = DayField(_l("Date of the entry"))
    memo = TextAreaField(
        _l("Memo"), [InputRequired(_l("Say what the entry is for")), Length(max=500)]
    )
    postings = FieldList(
        FormField(LineForm), label=_l("Lines"), min_entries=2, max_entries=MAX_LINES
    )

    def offer(self, accounts: list[book_pages.AccountChoice]) -> None:
        """The accounts each line may name, and the currency each one's amounts are in."""
        self.currency_of = {a.code: a.currency for a in accounts}
        self.account_options = options(
            [("", _("Choose an account")), *((a.code, a.label) for a in accounts)]
        )
        for row in self.postings:
            row.account.choices = self.account_options

    def add_line(self) -> None:
        if len(self.postings) < MAX_LINES:
            self.postings.append_entry()
            self.postings[-1].account.choices = self.account_options

    @property
    def can_add(self) -> bool:
        return len(self.postings) < MAX_LINES

    def validate(self, extra_validators=None) -> bool:
        """The lines as the core takes them: empty ones left out, amounts typed in the
        locale's format read exactly (``"1,234.50"`` → ``"1234.50"``)."""
        valid = super().validate(extra_validators)
        locale = current_app.config["LOCALE"]
        #: For each line sent to the core, its row in the form (empty rows are not sent).
        self.sent: list[int] = []
        self.lines: list[dict] = []
        for index, row in enumerate(self.postings):
            account = (row.account.data or "").strip()
            typed = {side: (row[side].data or "").strip() for side in SIDES}
            if not account and not any(typed.values()):
                continue
            line = {"account": account}
            if not account:
                row.account.errors = [_("Choose the account of this line")]
                valid = False
            currency = self.currency_of.get(account)
            for side, text in typed.items():
                if not text:
                    continue
                if currency is None:  # no account, or one the core will not know
                    line[side] = text
                    continue
                try:
                    line[side] = parse_typed(text, currency, locale).amount_string()
                except Invalid as exc:
                    row[side].errors = [next(iter(exc.errors.values()))[0]]
                    valid = False
            self.sent.append(index)
            self.lines.append(line)
        return valid

    def field_named(self, name: str):
        """The box of the form's line that the core's ``postings.N…`` is about."""
        found = _CORE_LINE.match(name)
        sent = getattr(self, "sent", [])
        if found is None or int(found[1]) >= len(sent):
            return None
        row = self.postings[sent[int(found[1])]]
        part = found[2]
        if part in ("account", "debit", "credit"):
            return row[part]
        if part in (None, "amount", "currency", "original"):  # the box typed in, else debit
            typed = {side: bool((row[side].data or "").strip()) for side in SIDES}
            return row.credit if typed["credit"] and not typed["debit"] else row.debit
        return row.account  # a dimension the account needs (an award for 2000)

    @property
    def has_errors(self) -> bool:
        return super().has_errors or any(box.errors for row in self.postings for box in row)


class ReverseForm(Form):
    value_date = DayField(_l("Date of the reversal"))
    memo = TextAreaField(
        _l("Why it is reversed"),
        [InputRequired(_l("Say why the entry is reversed")), Length(max=500)],
    )


def _file_rows(entry: reads.EntryRow) -> list[dict]:
    """An entry as the journal's file has it: one row per posting."""
    return [
        {
            "entry": entry.number,
            "value_date": entry.value_date,
            "event": labels.label(labels.EVENT, entry.event),
            "memo": entry.memo,
            "account": p.account,
            "debit": p.amount if p.amount > 0 else None,
            "credit": -p.amount if p.amount < 0 else None,
            "original": p.original.minor,
            "currency": p.original.currency,
            "victim": p.victim,
        }
        for p in entry.postings
    ]


def _totals(rows: list[dict]) -> dict:
    return {
        "entry": "Total",
        "debit": sum(r["debit"] or 0 for r in rows),
        "credit": sum(r["credit"] or 0 for r in rows),
    }


LIST_FILE = ListFile("journal", "Journal", COLUMNS, totals=_totals, rows_of=_file_rows)


def _account_options(session, actor) -> list:
    return [(a.code, a.label) for a in book_pages.account_choices(session, actor)]


@bp.route("/journal")
@requires(access.READ_BOOKS)
def index():
    return show_list(
        "journal/index.html", JournalFilters, reads.list_entries, LIST_FILE, per_page=20
    )


@bp.route("/journal/<int:number>")
@requires(access.READ_BOOKS)
def show(number: int):
    entry = reads.get_entry(db.session(), current_actor(), number)
    return render("journal/show.html", entry=entry, steps=book_pages.entry_steps(entry))


@bp.route("/journal/new", methods=["GET", "POST"])
@requires(access.MANAGE_BOOKS)
def new_entry():
    session, actor = db.session(), current_actor()
    accounts = book_pages.account_choices(session, actor)
    seen: dict = {}

    def act(form: ManualEntryForm):
        entry = post_adjustment(
            session,
            actor=actor,
            value_date=form.value_date.data,
            memo=form.memo.data,
            postings=form.lines,
        )
        seen["total"] = reads.get_entry(session, actor, entry.number).total
        return entry

    def finished(entry):
        message = _("Journal entry %(number)d posted.", number=entry.number)
        return done(message, "web.journal.show", number=entry.number)

    if request.method == "POST" and ADD_LINE in request.form:
        form = ManualEntryForm()
        form.offer(accounts)
        form.add_line()
        return render("journal/new.html", form=form, status=200)
    step = Step(
        form=ManualEntryForm,
        template="journal/new.html",
        act=act,
        finished=finished,
        button=lambda f: _("Post the entry (%(amount)s)", amount=money(seen["total"])),
        heading=_("Check the entry before it is posted"),
        explanation=_("Foreign-currency amounts are converted at the rate of the entry date."),
        prepare=lambda f: f.offer(accounts),
        aliases={"date": "value_date"},
    )
    return take(step)


@bp.route("/journal/<int:number>/reverse", methods=["GET", "POST"])
@requires(access.MANAGE_BOOKS)
def reverse(number: int):
    session, actor = db.session(), current_actor()
    entry = reads.get_entry(session, actor, number)

    def act(form: ReverseForm):
        return reverse_manual_entry(session, actor=actor, number=number, **form.values())

    def finished(reversal):
        message = _(
            "Entry %(number)d reversed by journal entry %(reversal)d.",
            number=number,
            reversal=reversal.number,
        )
        return done(message, "web.journal.show", number=reversal.number)

    step = Step(
        form=ReverseForm,
        template="journal/reverse.html",
        act=act,
        finished=finished,
        button=lambda f: _(
            "Reverse entry %(number)d (%(amount)s)", number=number, amount=money(entry.total)
        ),
        heading=_("Check the reversal before it is posted"),
        explanation=_(
            "The reversal posts the mirror image of entry %(number)d; both entries "
            "link to each other.",
            number=number,
        ),
        aliases={"date": "value_date"},
    )
    return take(step, entry=entry, steps=book_pages.entry_steps(entry))
