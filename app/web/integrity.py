"""Integrity: run the check of the books and read its result; browse the audit log.

Running the check is a step (:func:`ledger.integrity.run_check`): it recomputes
the journal's hash chain, sums, numbering and balances, every register row and
the audit log's own chain, and records in the audit log that it was run, by
whom, with what result and head, which is what this page (and the dashboard)
then shows. The audit log is shown newest first, each record's state before and
after as a list people can read; the core never puts personal data there.
"""

from __future__ import annotations

import json
import re
from functools import partial

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms import SelectField

from app import db
from app.web.forms import FilterForm, Form, any_or
from app.web.lists import ListFile, show_list
from app.web.pages import done, render
from app.web.sessions import current_actor, requires
from ledger import access
from ledger.integrity import run_check
from ledger.reads import books
from ledger.reads.period_pages import audit_log_choices, integrity_check
from reports.statement import Column

bp = Blueprint("integrity", __name__)

_HASH = re.compile(r"^[0-9a-f]{64}$")


class RunForm(Form):
    """Nothing to fill in: the CSRF token and the one-time key."""


class AuditFilters(FilterForm):
    sortable = False  # newest first, always
    action = SelectField(_l("What was done"), default="", choices=[])
    subject_type = SelectField(_l("To what"), default="", choices=[])
    by = SelectField(_l("By whom"), default="", choices=[])

    def offer(self, session, actor) -> None:
        found = audit_log_choices(session, actor)
        # Actions by their codes: the journal's event labels do not fit every audited step.
        self.action.choices = any_or((a, a) for a in found.actions)
        self.subject_type.choices = any_or((s, s) for s in found.subject_types)
        self.by.choices = any_or((p, p) for p in found.people)


COLUMNS = [
    Column("id", "Event", "int", width=0.5),
    Column("occurred_at", "When (UTC)", width=1.3),
    Column("actor", "Who", width=0.9),
    Column("action", "What", width=1.4),
    Column("subject", "Subject", width=1.0),
    Column("before", "Before", width=2.2),
    Column("after", "After", width=2.2),
    Column("hash", "Hash", width=1.6),
]


def readable(snapshot: dict | None, prefix: str = "") -> list[tuple[str, str, bool]]:
    """A record's state as (key, value, is a hash) pairs, nested keys joined with a dot."""
    pairs: list[tuple[str, str, bool]] = []
    for key, value in (snapshot or {}).items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            pairs.extend(readable(value, f"{name}."))
        elif isinstance(value, list):
            shown = "; ".join(v if isinstance(v, str) else json.dumps(v) for v in value)
            pairs.append((name, shown or "\u2013", False))
        elif value is None:
            pairs.append((name, "\u2013", False))
        elif isinstance(value, bool):
            pairs.append((name, _("yes") if value else _("no"), False))
        else:
            text = str(value)
            pairs.append((name, text, bool(_HASH.fullmatch(text))))
    return pairs


def _in_words(snapshot: dict | None) -> str:
    return ", ".join(f"{key}: {value}" for key, value, _hash in readable(snapshot))


def _row(event: books.EventRow) -> dict:
    return {
        "id": event.id,
        "occurred_at": event.occurred_at.isoformat(sep=" ", timespec="seconds"),
        "actor": event.actor,
        "action": event.action,
        "subject": " ".join(p for p in (event.subject_type, event.subject_id) if p),
        "before": _in_words(event.before),
        "after": _in_words(event.after),
        "hash": event.hash,
    }


@bp.route("/integrity")
@requires(access.READ_BOOKS)
def index():
    check_id = request.args.get("check", "")
    check = integrity_check(
        db.session(), current_actor(), int(check_id) if check_id.isdigit() else None
    )
    return render("integrity/index.html", form=RunForm(), check=check, readable=readable)


@bp.route("/integrity/check", methods=["POST"])
@requires(access.READ_BOOKS)
def run():
    form = RunForm()
    if not form.validate():  # pragma: no cover - the CSRF token is checked before the view
        return render("integrity/index.html", form=form, check=None, readable=readable)
    result = run_check(db.session(), current_actor())
    if result.ok:
        message = _(
            "The books are intact: %(entries)d entries, each in its place in the chain.",
            entries=result.entries,
        )
    else:
        message = ngettext(
            "The check found %(num)d problem.", "The check found %(num)d problems.",
            len(result.problems),
        )  # fmt: skip
    return done(message, "web.integrity.index")


@bp.route("/integrity/audit-log")
@requires(access.READ_BOOKS)
def audit_log():
    return show_list(
        "integrity/audit_log.html",
        AuditFilters,
        partial(books.list_events, newest_first=True),
        ListFile("audit-log", "Audit log", COLUMNS, _row),
        readable=readable,
    )
