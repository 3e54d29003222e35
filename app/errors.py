"""Every error leaves as ``application/problem+json`` (RFC 9457), never a traceback.

Domain errors carry a kind and per-field messages; :data:`STATUS` is where
the API decides which HTTP status each kind is. HTTP errors (404, 405, 401…)
and request-parsing errors are rendered the same way; an unexpected
exception is logged with its traceback server-side and answered with a bare
500 that reveals nothing.

A database that cannot be reached, or dies during the request, is a 503 with
``Retry-After`` (:func:`unavailable`): the request's transaction is rolled
back at once, so nothing is half written, and the answer (the problem, or the
web's error page) is made without asking the database anything again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from flask import Flask, Response, current_app, json
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    IntegrityError,
    OperationalError,
    PendingRollbackError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from app import db
from app.auth import is_api_request
from ledger import errors as kinds
from ledger.errors import LedgerError

log = logging.getLogger("fundledger")

PROBLEM_TYPE = "https://fundledger.example/problems/"
#: The HTTP status of each kind of domain refusal (SPEC §7).
STATUS = {kinds.INVALID: 422, kinds.NOT_FOUND: 404, kinds.CONFLICT: 409, kinds.FORBIDDEN: 403}


def status_of(exc: LedgerError) -> int:
    return STATUS[exc.kind]


def problem(
    status: int,
    title: str,
    detail: str,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict | None = None,
) -> Response:
    """An RFC 9457 problem response; ``extra`` adds members (e.g. an import's row report)."""
    body = {
        "type": PROBLEM_TYPE + title.lower().replace(" ", "-"),
        "title": title,
        "status": status,
        "detail": detail,
        "errors": errors or {},
        **(extra or {}),
    }
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


#: Where the web pages register their renderer of an error page (status, title, detail).
HTML_ERRORS = "fundledger.html_errors"


def init_app(app: Flask) -> None:
    app.register_error_handler(LedgerError, _for_the_door(_ledger_error))
    app.register_error_handler(HTTPException, _for_the_door(_http_error))
    app.register_error_handler(IntegrityError, _for_the_door(_integrity_error))
    app.register_error_handler(OperationalError, _for_the_door(_database_unavailable))
    # What a session or a pool raises once its connection is gone, or none is free.
    app.register_error_handler(PendingRollbackError, _for_the_door(_database_unavailable))
    app.register_error_handler(DisconnectionError, _for_the_door(_database_unavailable))
    app.register_error_handler(PoolTimeout, _for_the_door(_database_unavailable))
    app.register_error_handler(DBAPIError, _for_the_door(_database_refused))
    app.register_error_handler(Exception, _for_the_door(_unexpected))


def _for_the_door(handler: Callable[[Exception], Response]) -> Callable:
    """problem+json for the API (and when no web pages are installed), an error page for
    the web: the same status and words either way, never a traceback."""

    @wraps(handler)
    def answer(exc: Exception) -> Response:
        return for_the_door(handler(exc))

    return answer


def for_the_door(response: Response):
    """A problem response as the request's door shows it: as it is for the API (and when no
    web pages are installed), the error page of the same status and words for the web."""
    page = current_app.extensions.get(HTML_ERRORS)
    if page is None or is_api_request():
        return response
    body = json.loads(response.get_data())
    return page(response.status_code, body["title"], body["detail"], response.headers)


def _ledger_error(exc: LedgerError) -> Response:
    return problem(status_of(exc), exc.title, exc.detail, exc.errors)


def _http_error(exc: HTTPException) -> Response:
    errors = _request_errors(exc)
    detail = exc.description or exc.name
    if errors:
        detail = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items())
    headers = {}
    if exc.code == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="fundledger"'
    if exc.code == 405 and exc.valid_methods:
        headers["Allow"] = ", ".join(exc.valid_methods)
    title = "Invalid input" if exc.code == 422 else exc.name
    return problem(exc.code or 500, title, detail, errors, headers)


def _request_errors(exc: HTTPException) -> dict[str, list[str]]:
    """Flatten webargs' nested messages to dotted field names.

    ``{"json": {"amount": {"currency": [...]}}}`` becomes ``{"amount.currency": [...]}``.
    """
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(messages, dict):
        return {}
    flat: dict[str, list[str]] = {}
    for location, fields in messages.items():
        _flatten(fields if isinstance(fields, dict) else {location: fields}, "", flat)
    return flat


def flatten_messages(messages: dict) -> dict[str, list[str]]:
    flat: dict[str, list[str]] = {}
    _flatten(messages, "", flat)
    return flat


def _flatten(node, prefix: str, out: dict[str, list[str]]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                name = prefix or "body"
            _flatten(value, name, out)
    elif isinstance(node, list) and all(isinstance(m, str) for m in node):
        out.setdefault(prefix or "body", []).extend(node)
    elif isinstance(node, list):
        for item in node:
            _flatten(item, prefix, out)
    else:
        out.setdefault(prefix or "body", []).append(str(node))


def _integrity_error(exc: IntegrityError) -> Response:
    # A concurrent request won a race for a unique value or a database guard refused
    # the change: the state changed under us, so it is a conflict, not a server fault.
    # The constraint's name, never the driver's message: it can quote the row's values.
    diag = getattr(exc.orig, "diag", None)
    log.warning(
        "integrity error: %s %s",
        exc.orig.__class__.__name__,
        getattr(diag, "constraint_name", "") or "",
    )
    return problem(409, "Conflict", "the request conflicts with the current state; retry")


#: Seconds a client waits before retrying a request the database could not serve.
RETRY_AFTER = "1"


def unavailable() -> Response:
    """503: the database is busy, unreachable or died under the request; nothing was done.

    Marks the request (:func:`app.db.mark_unavailable`): its transaction is
    rolled back now and nothing more is asked of the database while answering.
    """
    db.mark_unavailable()
    return problem(
        503,
        "Service Unavailable",
        "the database is busy or unavailable; nothing was done; retry shortly",
        headers={"Retry-After": RETRY_AFTER},
    )


def _database_unavailable(exc: Exception) -> Response:
    # The class of the driver's error only: its message can name the host or quote SQL.
    cause = getattr(exc, "orig", None) or exc
    log.warning("database unavailable: %s", cause.__class__.__name__)
    return unavailable()


def _database_refused(exc: DBAPIError) -> Response:
    if exc.connection_invalidated:  # a disconnect the driver reports as another kind
        return _database_unavailable(exc)
    log.error("database refused a statement", exc_info=exc)
    return problem(409, "Conflict", "the database refused the change")


def _unexpected(exc: Exception) -> Response:
    log.error("unexpected error", exc_info=exc)
    return problem(500, "Internal Server Error", "an unexpected error occurred; it was logged")
