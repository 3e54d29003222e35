"""Error pages in the fund's design: the same status and words as the API's problem, no trace."""

from __future__ import annotations

from flask import current_app, g, render_template
from flask_babel import gettext as _

from app import db

TITLES = {
    400: "The request could not be read",
    403: "You cannot open this page",
    404: "Page not found",
    405: "This page cannot be used that way",
    409: "This cannot be done now",
    413: "The file or form is too large",
    422: "The request could not be used",
    429: "Too many attempts",
    500: "Sorry, something went wrong",
    503: "The service is busy",
}


def error_page(status: int, title: str, detail: str, headers) -> tuple:
    if db.unavailable():
        # The database failed under this request: the page is drawn as for a visitor
        # signed out, since knowing who is signed in means asking that database.
        g._login_user = current_app.login_manager.anonymous_user()
    heading = _(TITLES.get(status, title))
    body = render_template("errors/error.html", status=status, heading=heading, detail=detail)
    kept = {name: headers[name] for name in ("Allow", "Retry-After") if name in headers}
    return body, status, kept
