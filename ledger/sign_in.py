"""Signing in to the web pages: passwords, failed attempts, lock-outs, the set-up link.

Failed attempts are counted on the user's row, so the lock-out holds across
every worker of the web server, whichever one a request lands on. Every
sign-in, failure, lock-out and sign-out is in the audit log; an attempt on a
name that does not exist is recorded without the name (it could be a
password typed into the wrong box).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger import audit, events, users
from ledger.access import ADMINISTRATOR, Actor
from ledger.errors import Conflict, Invalid, NotFound
from ledger.models import SetupLink, User
from ledger.models.base import utcnow
from ledger.users import check_password, create_user, password_matches

#: Who an attempt to sign in is by, until it succeeds.
ANONYMOUS = Actor.system("anonymous")
#: Who the one-time set-up link acts as when it creates the first administrator.
SETUP = Actor.system("set-up link")
SETUP_VALID_FOR = timedelta(hours=1)
WRONG = "The user name or the password is not right"


@dataclass(frozen=True)
class SignInPolicy:
    """How many failures lock an account, and for how long (``FUNDLEDGER_LOGIN_*``)."""

    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class Attempt:
    """The outcome of a sign-in: the user, or why not (a sentence for the form)."""

    user: User | None
    problem: str | None = None


def sign_in(session: Session, name: str, password: str, policy: SignInPolicy) -> Attempt:
    """Check ``name`` and ``password``, count a failure or clear the count, audit either.

    Returns instead of raising: a failure must be kept (committed) although the
    sign-in is refused.
    """
    now = utcnow()
    user = session.scalar(select(User).where(User.name == name, User.active.is_(True)))
    if user is None:
        users.PASSWORDS.hash(password or "-")  # spend the time a real check takes
        audit.record(session, ANONYMOUS, events.LOGIN_FAILED, "user", None)
        return Attempt(None, WRONG)
    if user.locked_until is not None and user.locked_until > now:
        users.PASSWORDS.hash(password or "-")
        audit.record(
            session, ANONYMOUS, events.LOGIN_FAILED, "user", user.name, after={"locked": True}
        )
        return Attempt(None, _locked(user))
    if not password_matches(user, password):
        user.failed_logins = (user.failed_logins or 0) + 1
        after = {"failures": user.failed_logins}
        audit.record(session, ANONYMOUS, events.LOGIN_FAILED, "user", user.name, after=after)
        if user.failed_logins >= policy.max_failures:
            user.locked_until = now + policy.lockout
            user.failed_logins = 0
            until = {"until": user.locked_until.isoformat(timespec="minutes")}
            audit.record(session, ANONYMOUS, events.LOCKED_OUT, "user", user.name, after=until)
            return Attempt(None, _locked(user))
        return Attempt(None, WRONG)
    if users.PASSWORDS.check_needs_rehash(user.password_hash):
        user.password_hash = users.PASSWORDS.hash(password)
    user.failed_logins, user.locked_until = 0, None
    audit.record(session, Actor.of(user), events.LOGGED_IN, "user", user.name)
    return Attempt(user)


def _locked(user: User) -> str:
    return (
        "This account is locked after too many failed sign-ins. Try again after "
        f"{user.locked_until:%H:%M} UTC on {user.locked_until:%d %B %Y}."
    )


def sign_out(session: Session, actor: Actor) -> None:
    audit.record(session, actor, events.LOGGED_OUT, "user", actor.name)


def confirm_password(session: Session, actor: Actor, password: str) -> None:
    """A signed-in user proves it is still them (before approving or executing a payment)."""
    user = session.get(User, actor.user_id)
    if user is None or not password_matches(user, password):
        raise Invalid.field("password", "The password is not right")


def change_password(session: Session, actor: Actor, current: str, new: str) -> None:
    user = session.get(User, actor.user_id) if actor.user_id else None
    if user is None:
        raise NotFound(f"user {actor.name} does not exist")
    if not password_matches(user, current):
        raise Invalid.field("current_password", "The current password is not right")
    check_password(new, "new_password")
    if new == current:
        raise Invalid.field("new_password", "must differ from the current password")
    user.password_hash = users.PASSWORDS.hash(new)
    user.password_changed_at = utcnow()
    audit.record(session, actor, events.PASSWORD_CHANGED, "user", user.name)


def create_setup_link(session: Session) -> str | None:
    """A new one-time secret for creating the first administrator; None once users exist."""
    if session.scalar(select(func.count()).select_from(User)):
        return None
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        SetupLink(token_hash=_hash(secret), created_at=now, expires_at=now + SETUP_VALID_FOR)
    )
    session.flush()
    return secret


def setup_link_is_valid(session: Session, secret: str) -> bool:
    return _usable_link(session, secret) is not None


def use_setup_link(session: Session, secret: str, name: str, password: str) -> User:
    """Create the first administrator with the link, which then can never be used again."""
    link = _usable_link(session, secret)
    if link is None:
        raise Conflict("this set-up link has expired or has been used; run `fundledger init` again")
    user = create_user(session, SETUP, name, ADMINISTRATOR, password)
    link.used_at = utcnow()
    return user


def _usable_link(session: Session, secret: str) -> SetupLink | None:
    if not isinstance(secret, str) or len(secret) > 100:
        return None
    link = session.scalar(select(SetupLink).where(SetupLink.token_hash == _hash(secret)))
    if link is None or link.used_at is not None or link.expires_at < utcnow():
        return None
    if session.scalar(select(func.count()).select_from(User)):
        return None  # someone set the fund up another way meanwhile
    return link


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
