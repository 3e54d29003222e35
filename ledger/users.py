"""Users, roles, passwords (argon2id), sign-in, and API tokens (stored as SHA-256 only).

Creating a user is an administrator's step (at the command line, the
operator's); a token is created or revoked by its own user, or by the
operator for anyone. Signing in counts failures in the database, so a
lock-out after too many holds across every worker of the web server. Each of
these steps is in the audit log, never a secret.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from ledger import access, audit, events
from ledger.access import ROLE_DESCRIPTIONS, ROLES, Actor
from ledger.errors import Conflict, Forbidden, Invalid, NotFound
from ledger.models import ApiToken, User
from ledger.models.base import utcnow

#: argon2id with the library's current recommended parameters.
PASSWORDS = PasswordHasher()
TOKEN_PREFIX = "flt_"  # noqa: S105 (a public prefix, not a secret)
MIN_PASSWORD = 12
ROLES_HELP = "; ".join(f"{role}: {text}" for role, text in ROLE_DESCRIPTIONS.items())


def create_user(session: Session, actor: Actor, name: str, role: str, password: str) -> User:
    access.require(actor, access.MANAGE_USERS)
    if not isinstance(name, str) or not 1 <= len(name) <= 64 or not name.isprintable():
        raise Invalid.field("name", "must be 1 to 64 printable characters")
    if role not in ROLES:
        raise Invalid.field("role", f"must be one of {', '.join(ROLES)}")
    check_password(password)
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        raise Conflict(f"user {name} already exists", {"name": ["already exists"]})
    user = User(name=name, role=role, password_hash=PASSWORDS.hash(password))
    session.add(user)
    session.flush()
    audit.record(session, actor, events.USER_CREATED, "user", name, after={"role": role})
    return user


def check_password(password: object, field: str = "password") -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise Invalid.field(field, f"must be at least {MIN_PASSWORD} characters")
    if len(password) > 1024:
        raise Invalid.field(field, "must be at most 1024 characters")
    return password


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The active user with that name and password, else None (and no hint which was wrong)."""
    user = session.scalar(select(User).where(User.name == name, User.active.is_(True)))
    if user is None:
        PASSWORDS.hash(password)  # spend the same time as a real check
        return None
    if not password_matches(user, password):
        return None
    if PASSWORDS.check_needs_rehash(user.password_hash):
        user.password_hash = PASSWORDS.hash(password)
    return user


def password_matches(user: User, password: str) -> bool:
    try:
        return PASSWORDS.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_token(session: Session, actor: Actor, name: str, label: str = "token") -> str:
    """A new bearer token for user ``name``: returned once, only its hash is kept."""
    user = _user_for(session, actor, name)
    label = _label(label)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=_token_hash(token), name=label)
    session.add(row)
    session.flush()
    after = {"token": row.id, "name": label}
    audit.record(session, actor, events.TOKEN_CREATED, "user", name, after=after)
    return token


def user_for_token(session: Session, token: str) -> User | None:
    """The active user of an unrevoked token; notes when it was last used (to the minute)."""
    digest = token_hash(token)
    if digest is None:
        return None
    row = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None))
    )
    if row is None or not row.user.active:
        return None
    now = utcnow()
    if _use_is_due(row.last_used_at, now):
        row.last_used_at = now
    return row.user


@dataclass(frozen=True)
class TokenHolder:
    """Who an API request's bearer token stands for: what the request needs of its user.

    Read with the token in one statement of columns (:data:`TOKEN_HOLDER`), not as
    ORM objects: the API looks a token up on every request, and what it needs is who
    acts (:meth:`ledger.access.Actor.of` reads ``id``, ``name`` and ``role``).
    """

    id: int
    name: str
    role: str
    token_id: int
    last_used_at: datetime | None


#: The active user of the unrevoked token whose SHA-256 is ``:token_hash`` (one indexed
#: lookup: ``api_tokens.token_hash`` is unique). A caller may add columns and joins (the
#: API adds the request's idempotency record); built once, so its cache key is too.
#: Of the tables, not the mapped classes: a Core statement skips the ORM's compile step.
_USERS, _TOKENS = User.__table__, ApiToken.__table__
TOKEN_HOLDER: Select = (
    select(_USERS.c.id, _USERS.c.name, _USERS.c.role, _TOKENS.c.id, _TOKENS.c.last_used_at)
    .select_from(_TOKENS)
    .join(_USERS, _USERS.c.id == _TOKENS.c.user_id)
    .where(
        _TOKENS.c.token_hash == bindparam("token_hash"),
        _TOKENS.c.revoked_at.is_(None),
        _USERS.c.active.is_(True),
    )
)


def token_hash(token: str) -> str | None:
    """What :data:`TOKEN_HOLDER` looks ``token`` up by; None when it cannot be a token."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    return _token_hash(token)


def token_holder(session: Session, row: Row | None) -> TokenHolder | None:
    """The holder of a :data:`TOKEN_HOLDER` row (its first five columns), noting the use.

    Revocation is immediate: the row is read from the database on every request
    (nothing is cached), and a revoked token or a deactivated user finds no row.
    """
    if row is None:
        return None
    holder = TokenHolder(*row[:5])
    now = utcnow()
    if _use_is_due(holder.last_used_at, now):
        session.execute(
            update(_TOKENS).where(_TOKENS.c.id == holder.token_id).values(last_used_at=now)
        )
    return holder


def _use_is_due(last_used_at: datetime | None, now: datetime) -> bool:
    """A token's last use is noted to the minute, not on every request."""
    return last_used_at is None or now - last_used_at > timedelta(minutes=1)


@dataclass(frozen=True)
class TokenRow:
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def list_tokens(session: Session, actor: Actor) -> list[TokenRow]:
    """The actor's own API tokens, newest first (never the secrets: only hashes are kept)."""
    user = _user_for(session, actor, actor.name)
    rows = session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    )
    return [TokenRow(t.id, t.name, t.created_at, t.last_used_at, t.revoked_at) for t in rows]


def revoke_token(session: Session, actor: Actor, token_id: int) -> TokenRow:
    """Revoke one of the actor's own tokens (another user's is as if it did not exist)."""
    user = _user_for(session, actor, actor.name)
    token = session.get(ApiToken, token_id) if isinstance(token_id, int) else None
    if token is None or token.user_id != user.id:
        raise NotFound(f"token {token_id} does not exist")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        after = {"tokens": [token.id]}
        audit.record(session, actor, events.TOKEN_REVOKED, "user", actor.name, after=after)
    return TokenRow(token.id, token.name, token.created_at, token.last_used_at, token.revoked_at)


def revoke_tokens(session: Session, actor: Actor, name: str) -> int:
    user = _user_for(session, actor, name)
    revoked = [token.id for token in user.tokens if token.revoked_at is None]
    for token in user.tokens:
        if token.revoked_at is None:
            token.revoked_at = utcnow()
    session.flush()
    if revoked:
        audit.record(session, actor, events.TOKEN_REVOKED, "user", name, after={"tokens": revoked})
    return len(revoked)


def _label(label: object) -> str:
    if not isinstance(label, str) or not label.strip() or len(label.strip()) > 64:
        raise Invalid.field("name", "must be 1 to 64 characters")
    if not label.isprintable():
        raise Invalid.field("name", "must not contain control characters")
    return label.strip()


def _user_for(session: Session, actor: Actor, name: str) -> User:
    """User ``name``, if ``actor`` may manage its tokens: itself, or the operator for anyone."""
    if not isinstance(actor, Actor):
        raise TypeError(f"a service needs an Actor, not {type(actor).__name__}")
    operator = actor.user_id is None and actor.is_administrator
    if not operator and actor.name != name:
        raise Forbidden("a user manages only their own API tokens")
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFound(f"user {name} does not exist")
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
