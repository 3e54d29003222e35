"""Signed-in sessions for the web pages (Flask-Login), and who may open which page.

- No "remember me": a session lives in a cookie that ends with the browser,
  with ``session_protection = "strong"`` (a session moved to another browser
  or address is dropped).
- An idle timeout (``FUNDLEDGER_SESSION_IDLE_MINUTES``, 30 by default) and an
  absolute lifetime (``FUNDLEDGER_SESSION_MAX_HOURS``, 12) end a session.
- Approving or executing a payment asks for the password again when the
  sign-in is older than the idle timeout (:func:`recent_sign_in`).
- A changed password ends every other session of that user: the session id
  carries a fingerprint of the password hash.

A page declares the :class:`~ledger.access.Permission` it needs with
:func:`requires`: not signed in, the sign-in page (then back); another role,
a 403 page. The service the view calls checks the same permission again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps

from flask import Flask, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from app import db
from ledger.access import Actor, Permission
from ledger.models import User

login_manager = LoginManager()
SIGNED_IN_AT, AUTHENTICATED_AT, SEEN_AT = "signed_in_at", "authenticated_at", "seen_at"


class WebUser(UserMixin):
    """The signed-in user as Flask-Login sees it."""

    def __init__(self, user: User):
        self.user = user

    def get_id(self) -> str:
        return f"{self.user.id}.{_password_mark(self.user)}"

    @property
    def actor(self) -> Actor:
        return Actor.of(self.user)


def _password_mark(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode("utf-8")).hexdigest()[:12]


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.login_view = "web.auth.sign_in"
    login_manager.login_message = _("Sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(_load_user)


def _load_user(session_id: str) -> WebUser | None:
    user_id, _dot, mark = session_id.partition(".")
    if not user_id.isdigit():
        return None
    user = db.session().get(User, int(user_id))
    if user is None or not user.active or mark != _password_mark(user):
        return None
    return WebUser(user)


def _now() -> float:
    return datetime.now(UTC).timestamp()


def start(user: User) -> None:
    """Sign ``user`` in: a new session, stamped with when (the timeouts count from it)."""
    session.clear()
    login_user(WebUser(user), remember=False)
    now = _now()
    session[SIGNED_IN_AT] = session[AUTHENTICATED_AT] = session[SEEN_AT] = now


def end() -> None:
    logout_user()
    session.clear()


def refresh_authentication() -> None:
    session[AUTHENTICATED_AT] = _now()


def enforce_timeouts() -> None:
    """Before every web request: end a session idle too long or open too long."""
    if not current_user.is_authenticated:
        return
    now = _now()
    idle = current_app.config["SESSION_IDLE"].total_seconds()
    lifetime = current_app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    if now - session.get(SEEN_AT, 0) > idle:
        end()
        flash(_("You were signed out after a time without activity. Sign in again."), "info")
    elif now - session.get(SIGNED_IN_AT, 0) > lifetime:
        end()
        flash(_("Your session reached its maximum length. Sign in again."), "info")
    else:
        session[SEEN_AT] = now


def current_actor() -> Actor:
    return current_user.actor


def requires(permission: Permission) -> Callable:
    """Only signed-in users whose role ``permission`` admits: else sign in, or 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.user.role not in permission.roles:
                abort(403, _("Your role does not allow this page."))
            return view(*args, **kwargs)

        wrapper.required_roles = permission.roles  # read by the role-by-page test matrix
        return wrapper

    return decorator


def recent_sign_in(view: Callable) -> Callable:
    """A step that moves money asks for the password again after the idle timeout."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        age = _now() - session.get(AUTHENTICATED_AT, 0)
        if age > current_app.config["SESSION_IDLE"].total_seconds():
            flash(_("Enter your password again to continue."), "info")
            return redirect(url_for("web.auth.confirm_password", next=request.full_path))
        return view(*args, **kwargs)

    wrapper.recent_sign_in = True
    return wrapper
