"""Signing in and out, the one-time set-up link, and "your account": password and API tokens."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, flash, get_flashed_messages, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from app import db
from app.web import limiter
from app.web.forms import Form, apply_refusal
from app.web.nav import home_of
from app.web.pages import done, refused, render
from app.web.sessions import current_actor, end, refresh_authentication, requires, start
from ledger import access, sign_in, users
from ledger.errors import LedgerError

bp = Blueprint("auth", __name__)


class SignInForm(Form):
    name = StringField(_l("User name"), [InputRequired(_l("Enter your user name"))])
    password = PasswordField(_l("Password"), [InputRequired(_l("Enter your password"))])


class SetupForm(Form):
    name = StringField(
        _l("Your user name"), [InputRequired(_l("Enter a user name")), Length(max=64)]
    )
    password = PasswordField(_l("Choose a password"), [InputRequired(_l("Enter a password"))])


class PasswordForm(Form):
    current_password = PasswordField(
        _l("Current password"), [InputRequired(_l("Enter your current password"))]
    )
    new_password = PasswordField(_l("New password"), [InputRequired(_l("Enter a new password"))])


class ConfirmForm(Form):
    password = PasswordField(_l("Password"), [InputRequired(_l("Enter your password"))])


class TokenForm(Form):
    name = StringField(
        _l("What the token is for"),
        [InputRequired(_l("Say what the token is for")), Length(max=64)],
    )


def _policy() -> sign_in.SignInPolicy:
    config = current_app.config
    return sign_in.SignInPolicy(config["LOGIN_MAX_FAILURES"], config["LOGIN_LOCKOUT"])


def _next_or_home() -> str:
    target = request.args.get("next", "")
    # Only a path of this site: never a redirect to another one.
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return home_of(current_actor())


@bp.route("/", methods=["GET"])
def root():
    if current_user.is_authenticated:
        return redirect(home_of(current_actor()))
    return redirect(url_for("web.auth.sign_in"))


@bp.route("/sign-in", methods=["GET", "POST"], endpoint="sign_in")
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def sign_in_page():
    form = SignInForm()
    if request.method == "POST" and form.validate():
        attempt = sign_in.sign_in(db.session(), form.name.data, form.password.data, _policy())
        db.commit()  # a failure is counted (and audited) even though the sign-in is refused
        if attempt.user is not None:
            start(attempt.user)
            return redirect(_next_or_home(), 303)
        form.password.errors = [attempt.problem]  # the summary links to it
    return render("auth/sign_in.html", form=form)


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    if current_user.is_authenticated:
        sign_in.sign_out(db.session(), current_actor())
        db.commit()
        end()
    return done(_("You are signed out."), "web.auth.sign_in")


@bp.route("/setup/<secret>", methods=["GET", "POST"])
def setup(secret: str):
    """The first administrator of a fund without users, by the link `fundledger init` printed."""
    session = db.session()
    if not sign_in.setup_link_is_valid(session, secret):
        return render("auth/setup_expired.html", status=404)
    form = SetupForm()
    if request.method == "POST" and form.validate():
        try:
            user = sign_in.use_setup_link(session, secret, form.name.data, form.password.data)
        except LedgerError as exc:
            return refused("auth/setup.html", form, exc)
        db.commit()
        start(user)
        return done(
            _("Your account is ready: you are the fund's first administrator."),
            "web.dashboard.home",
        )
    return render("auth/setup.html", form=form, minimum=users.MIN_PASSWORD)


@bp.route("/account", methods=["GET"])
@requires(access.READ_STATEMENTS)
def account():
    return _account_page(PasswordForm(formdata=None), TokenForm(formdata=None))


def _account_page(password_form: PasswordForm, token_form: TokenForm):
    tokens = users.list_tokens(db.session(), current_actor())
    new_token = next(iter(get_flashed_messages(category_filter=["token"])), None)
    has_errors = password_form.has_errors or token_form.has_errors
    return render(
        "auth/account.html",
        form=password_form if password_form.has_errors else token_form,
        password_form=password_form,
        token_form=token_form,
        tokens=tokens,
        new_token=new_token,
        minimum=users.MIN_PASSWORD,
        status=422 if has_errors else 200,
    )


@bp.route("/account/password", methods=["POST"])
@requires(access.READ_STATEMENTS)
def change_password():
    form = PasswordForm()
    if not form.validate():
        return _account_page(form, TokenForm(formdata=None))
    try:
        sign_in.change_password(
            db.session(), current_actor(), form.current_password.data, form.new_password.data
        )
    except LedgerError as exc:
        apply_refusal(form, exc)
        return _account_page(form, TokenForm(formdata=None))
    db.commit()
    start(current_user.user)  # a new session, whose id carries the new password's mark
    return done(
        _("Your password is changed. Other sessions of yours have ended."), "web.auth.account"
    )


@bp.route("/account/tokens", methods=["POST"])
@requires(access.READ_STATEMENTS)
def create_token():
    form = TokenForm()
    if not form.validate():
        return _account_page(PasswordForm(formdata=None), form)
    actor = current_actor()
    try:
        token = users.create_token(db.session(), actor, actor.name, form.name.data)
    except LedgerError as exc:
        apply_refusal(form, exc)
        return _account_page(PasswordForm(formdata=None), form)
    # Shown once, on the next page (never stored by the fund, never in a URL): the
    # signed, HttpOnly session cookie carries it to the redirect, which consumes it.
    flash(token, "token")
    return done(
        _("Your new API token is below. Copy it now: it is shown only once."), "web.auth.account"
    )


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@requires(access.READ_STATEMENTS)
def revoke_token(token_id: int):
    row = users.revoke_token(db.session(), current_actor(), token_id)
    return done(_("The token “%(name)s” is revoked.", name=row.name), "web.auth.account")


@bp.route("/account/confirm", methods=["GET", "POST"])
@requires(access.READ_STATEMENTS)
def confirm_password():
    """The password again, before a step that moves money when the sign-in is old."""
    form = ConfirmForm()
    idle = int(current_app.config["SESSION_IDLE"] / timedelta(minutes=1))
    if request.method == "POST" and form.validate():
        try:
            sign_in.confirm_password(db.session(), current_actor(), form.password.data)
        except LedgerError as exc:
            return refused("auth/confirm.html", form, exc, idle=idle)
        refresh_authentication()
        return redirect(_next_or_home(), 303)
    return render("auth/confirm.html", form=form, idle=idle)
