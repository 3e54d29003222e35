"""Who is calling: bearer tokens for the API, and role checks on every endpoint.

A view declares the roles it admits with :func:`requires`; there is no
default-open endpoint other than ``/health`` and the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, g, request

from app import db
from ledger.models import User
from ledger.users import user_for_token

ADMIN = "administrator"
COURT = "court"
AUDITOR = "auditor"
EVERYONE = (ADMIN, COURT, AUDITOR)


def current_user() -> User | None:
    if "user" not in g:
        g.user = _user_from_bearer()
    return g.user


def _user_from_bearer() -> User | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return user_for_token(db.session(), token.strip())


def requires(*roles: str) -> Callable:
    """Admit only authenticated users with one of ``roles``: 401 without, 403 otherwise."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = current_user()
            if user is None:
                abort(401, "a valid bearer token is required (Authorization: Bearer …)")
            if user.role not in roles:
                abort(403, f"the {user.role} role may not do this")
            return view(*args, **kwargs)

        wrapper.required_roles = roles  # read by the role-by-endpoint test matrix
        return wrapper

    return decorator
