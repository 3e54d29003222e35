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
    ("web.dashboard.home", _l("Dashboard"), access.READ_BOOKS),
    ("web.cases.index", _l("Cases"), access.READ_REGISTERS),
    ("web.assets.index", _l("Seized assets"), access.READ_REGISTERS),
    ("web.victims.index", _l("Victims"), access.READ_REGISTERS),
    ("web.awards.index", _l("Awards"), access.READ_REGISTERS),
    ("web.payments.index", _l("Payments"), access.READ_REGISTERS),
    ("web.cash.receipts", _l("Receipts and expenses"), access.READ_BOOKS),
    ("web.journal.index", _l("Journal"), access.READ_BOOKS),
    ("web.accounts.index", _l("Accounts"), access.READ_BOOKS),
    ("web.periods.index", _l("Periods"), access.READ_BOOKS),
    ("web.rates.index", _l("Exchange rates"), access.READ_REGISTERS),
    ("web.reports.index", _l("Statements"), access.READ_STATEMENTS),
    ("web.integrity.index", _l("Integrity"), access.READ_BOOKS),
    ("web.auth.account", _l("Your account"), access.READ_STATEMENTS),
)
HOME = {
    ADMINISTRATOR: "web.dashboard.home",
    COURT: "web.awards.index",
    AUDITOR: "web.reports.index",
}
#: Courts work on awards and victims; the rest of the registers are not their business.
COURT_MENU = frozenset(
    {"web.victims.index", "web.awards.index", "web.reports.index", "web.auth.account"}
)


def home_of(actor: Actor) -> str:
    endpoint = HOME[actor.role]
    if endpoint not in current_app.view_functions:
        endpoint = "web.auth.account"
    return url_for(endpoint)


def navigation(actor: Actor) -> list[dict]:
    here = request.blueprint
    items = []
    for endpoint, text, permission in MENU:
        if endpoint not in current_app.view_functions or not actor.may(permission):
            continue
        if actor.is_court and endpoint not in COURT_MENU:
            continue
        area = endpoint.rsplit(".", 1)[0]
        items.append({"href": url_for(endpoint), "text": str(text), "active": area == here})
    return items
