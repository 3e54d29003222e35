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
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, g, request
from flask_login import current_user as session_user

from app import db
from ledger.access import Actor, Permission
from ledger.models import User
from ledger.users import user_for_token

API_PREFIX = "/api/"


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def current_user() -> User | None:
    """The API's bearer-token user, or the web's signed-in user (each door only its own)."""
    if "user" not in g:
        if is_api_request():
            g.user = _user_from_bearer()
        else:
            g.user = session_user.user if session_user.is_authenticated else None
    return g.user


def current_actor() -> Actor:
    """The actor of an authenticated request (a view behind :func:`requires`)."""
    return Actor.of(current_user())


def _user_from_bearer() -> User | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return user_for_token(db.session(), token.strip())


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
