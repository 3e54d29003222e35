"""Who is calling: a bearer token on the API, the signed-in session on the web pages.

The two never mix: under ``/api/`` only the ``Authorization`` header counts
(a session cookie alone gets 401 there, so the API needs no CSRF defence),
and the web pages never read a bearer token.

An API view declares the :class:`~ledger.access.Permission` it needs with
:func:`requires`, which answers 401 without credentials and 403 for a role
the permission does not admit before the body is even parsed. The service
the view calls checks the same permission again (and the finer rules), so a
door that forgot would still be refused. There is no default-open endpoint
other than ``/health`` and the OpenAPI document.

A bearer token is looked up in the database on every request (by the SHA-256 of
the token, a unique index), never cached, so a revoked token is refused by the
very next request on every worker. The lookup is one statement of columns
(:data:`ledger.users.TOKEN_HOLDER`): the API's user is a
:class:`~ledger.users.TokenHolder`, not an ORM row. A POST with an
``Idempotency-Key`` extends that same statement with its stored response
(:func:`app.idempotency.check_request`), one round trip for both.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, g, request
from flask_login import current_user as session_user
from sqlalchemy import Select
from sqlalchemy.engine import Row

from app import db
from ledger.access import Actor, Permission
from ledger.models import User
from ledger.users import TOKEN_HOLDER, TokenHolder, token_hash, token_holder

API_PREFIX = "/api/"


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def current_user() -> User | TokenHolder | None:
    """The API's bearer-token user, or the web's signed-in user (each door only its own)."""
    if "user" not in g:
        if is_api_request():
            bearer_lookup()
        else:
            g.user = session_user.user if session_user.is_authenticated else None
    return g.user


def current_actor() -> Actor:
    """The actor of an authenticated request (a view behind :func:`requires`)."""
    return Actor.of(current_user())


def bearer_lookup(statement: Select = TOKEN_HOLDER, **parameters) -> Row | None:
    """Look the API request's bearer token up, and make its holder the request's user.

    ``statement`` is :data:`~ledger.users.TOKEN_HOLDER` or that statement with more
    columns and joins (bound by ``parameters``), so that what a request needs beside
    its user comes in the same round trip. The row found, or None (no token, an
    unknown or revoked one, an inactive user: the request's user is then None).
    """
    digest = _bearer_hash()
    if digest is None:
        g.user = None
        return None
    session = db.session()
    row = session.execute(statement, {"token_hash": digest, **parameters}).first()
    g.user = token_holder(session, row)
    return row


def _bearer_hash() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token_hash(token.strip())


def requires(permission: Permission) -> Callable:
    """Admit only authenticated users whose role ``permission`` admits: 401, else 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = current_user()
            if user is None:
                abort(401, "a valid bearer token is required (Authorization: Bearer …)")
            if user.role not in permission.roles:
                abort(403, f"the {user.role} role may not {permission.name}")
            return view(*args, **kwargs)

        wrapper.required_roles = permission.roles  # read by the role-by-endpoint test matrix
        return wrapper

    return decorator
