"""The web pages: fund administrators, courts and auditors at work in a browser (SPEC §7).

Server-rendered with Flask and Jinja2 over GOV.UK Frontend's macros
(``govuk-frontend-jinja``; the built CSS and JS are vendored under
``static/govuk``, so the pages work on a closed network), every page works
without JavaScript. A view parses a form (WTForms), calls one ledger service
or read function with the signed-in :class:`~ledger.access.Actor`, renders:
rules, queries and audit events are the core's.

- Flask-WTF puts a CSRF token in every form and checks it on every POST of
  the web pages; the API, which never reads the session cookie, is left out.
- Flask-Login keeps the session (:mod:`app.web.sessions`); Flask-Limiter slows
  sign-in attempts per client address; failed attempts are counted in the
  database (:mod:`ledger.sign_in`).
- Flask-Babel: every string through gettext, amounts and dates in
  ``FUNDLEDGER_LOCALE`` (:mod:`app.web.formatting`).
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, g, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader
from markupsafe import Markup, escape

from app import db
from app.auth import is_api_request
from app.errors import HTML_ERRORS
from app.idempotency import new_form_key
from app.web import formatting, nav, sessions
from app.web.errors import error_page
from app.web.forms import anchor_of
from app.web.pages import page_numbers, url_with
from ledger import access, next_steps
from ledger.reads.choices import fund_identity

csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(get_remote_address, default_limits=[], storage_uri="memory://")


@limiter.request_filter
def _not_a_page() -> bool:
    """Only the pages carry limits (the sign-in form's): the API and the static files skip
    Flask-Limiter's per-request work (about 3 % of a POST /api/v1/awards)."""
    return not (request.blueprint or "").startswith("web")


def _pages() -> Blueprint:
    """The parent of every area's pages, serving the vendored static files and the templates
    (new for each app: a blueprint cannot take children once registered)."""
    return Blueprint("web", __name__, static_folder="static", template_folder="templates")


def init_app(app: Flask) -> None:
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # checked for the web pages only
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # as long as the session lasts
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    csrf.init_app(app)
    babel.init_app(app, locale_selector=lambda: current_app.config["LOCALE"])
    limiter.init_app(app)
    sessions.init_app(app)
    formatting.init_app(app)
    app.jinja_env.add_extension("jinja2.ext.do")
    govuk = PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")})
    app.jinja_loader = ChoiceLoader([app.jinja_loader, govuk])
    from app.web.urls import VIEWS

    web = _pages()
    for module in VIEWS:  # nested: the pages' endpoints are web.<area>.<view>
        web.register_blueprint(module.bp)
    app.register_blueprint(web)
    app.before_request(_web_request)
    app.context_processor(_page_context)
    app.jinja_env.globals.update(TEMPLATE_GLOBALS)
    app.register_error_handler(CSRFError, _csrf_refused)
    app.extensions[HTML_ERRORS] = error_page


def _web_request():
    if is_api_request() or request.endpoint == "web.static":
        return None
    sessions.enforce_timeouts()
    if request.method == "POST":
        csrf.protect()
    return None


def _csrf_refused(exc: CSRFError):
    detail = (
        "This form has expired or was not sent from this service. "
        "Go back, reload the page and try again: nothing was done."
    )
    return error_page(400, "Bad Request", detail, {})


def _page_context() -> dict:
    if is_api_request():
        return {}
    # A 503 page (app.errors.unavailable) asks nothing of the database that failed.
    signed_in = not db.unavailable() and current_user.is_authenticated
    actor = current_user.actor if signed_in else None
    return {
        "fund_name": _fund_name(),
        "functional": _functional(),
        "html_lang": current_app.config["LOCALE"].replace("_", "-"),
        "signed_in": signed_in,
        "actor": actor,
        "navigation": nav.navigation(actor) if signed_in else [],
        "home_url": nav.home_of(actor) if signed_in else "/",
    }


def _csrf_field() -> Markup:
    token = escape(generate_csrf())
    return Markup(f'<input type="hidden" name="csrf_token" value="{token}">')  # noqa: S704


class _Served:
    """``'web.awards.show' in view_names``: whether the app serves a page (templates may
    link to an area only where it exists)."""

    def __contains__(self, endpoint: object) -> bool:
        return endpoint in current_app.view_functions


#: Helpers the templates call, macros imported without context included.
TEMPLATE_GLOBALS = {
    "view_names": _Served(),
    "access": access,
    "asset_steps": next_steps.for_asset,
    "payment_steps": next_steps.for_payment,
    "award_steps": next_steps.for_award,
    "csrf_field": _csrf_field,
    "form_key": new_form_key,
    "anchor_of": anchor_of,
    "url_with": url_with,
    "page_numbers": page_numbers,
}


def _fund() -> tuple[str, str]:
    """The fund's name and currency, read once per request (they never change)."""
    if "fund" not in g:
        # Before `fundledger init` (or on a 503 page, app.errors.unavailable): the config's.
        known = None if db.unavailable() else fund_identity(db.session())
        g.fund = known or (
            current_app.config["FUND_NAME"],
            current_app.config["FUNCTIONAL_CURRENCY"],
        )
    return g.fund


def _fund_name() -> str:
    return _fund()[0]


def _functional() -> str:
    return _fund()[1]
