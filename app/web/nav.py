"""The menu, by role: each person sees only what they may do.

A page another role opens answers 403 (its view's ``requires``); the menu
simply does not offer it. Each role has its own home: administrators the
dashboard, courts their awards, auditors the statements.
"""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l

from ledger import access
from ledger.access import ADMINISTRATOR, AUDITOR, COURT, Actor

#: (endpoint, label, permission), in menu order.
MENU = (
    ("dashboard.home", _l("Dashboard"), access.READ_BOOKS),
    ("cases.index", _l("Cases"), access.READ_REGISTERS),
    ("assets.index", _l("Seized assets"), access.READ_REGISTERS),
    ("victims.index", _l("Victims"), access.READ_REGISTERS),
    ("awards.index", _l("Awards"), access.READ_REGISTERS),
    ("payments.index", _l("Payments"), access.READ_REGISTERS),
    ("cash.receipts", _l("Receipts and expenses"), access.READ_BOOKS),
    ("journal.index", _l("Journal"), access.READ_BOOKS),
    ("accounts.index", _l("Accounts"), access.READ_BOOKS),
    ("periods.index", _l("Periods"), access.READ_BOOKS),
    ("rates.index", _l("Exchange rates"), access.READ_REGISTERS),
    ("reports.index", _l("Statements"), access.READ_STATEMENTS),
    ("integrity.index", _l("Integrity"), access.READ_BOOKS),
    ("auth.account", _l("Your account"), access.READ_STATEMENTS),
)
HOME = {ADMINISTRATOR: "dashboard.home", COURT: "awards.index", AUDITOR: "reports.index"}
#: Courts work on awards and victims; the rest of the registers are not their business.
COURT_MENU = frozenset({"victims.index", "awards.index", "reports.index", "auth.account"})


def home_of(actor: Actor) -> str:
    return url_for(HOME[actor.role])


def navigation(actor: Actor) -> list[dict]:
    here = request.blueprint
    items = []
    for endpoint, text, permission in MENU:
        if endpoint not in current_app.view_functions or not actor.may(permission):
            continue
        if actor.is_court and endpoint not in COURT_MENU:
            continue
        items.append(
            {"href": url_for(endpoint), "text": str(text), "active": endpoint.split(".")[0] == here}
        )
    return items
