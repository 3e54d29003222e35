"""Every error leaves as ``application/problem+json`` (RFC 9457), never a traceback.

Domain errors carry a kind and per-field messages; :data:`STATUS` is where
the API decides which HTTP status each kind is. HTTP errors (404, 405, 401…)
and request-parsing errors are rendered the same way; an unexpected
exception is logged with its traceback server-side and answered with a bare
500 that reveals nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from flask import Flask, Response, current_app, json
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

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
    app.register_error_handler(OperationalError, _for_the_door(_database_busy))
    app.register_error_handler(DBAPIError, _for_the_door(_database_refused))
    app.register_error_handler(Exception, _for_the_door(_unexpected))


def _for_the_door(handler: Callable[[Exception], Response]) -> Callable:
    """problem+json for the API (and when no web pages are installed), an error page for
    the web: the same status and words either way, never a traceback."""

    @wraps(handler)
    def answer(exc: Exception) -> Response:
        response = handler(exc)
        page = current_app.extensions.get(HTML_ERRORS)
        if page is None or is_api_request():
            return response
        body = json.loads(response.get_data())
        return page(response.status_code, body["title"], body["detail"], response.headers)

    return answer


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


def _database_busy(exc: OperationalError) -> Response:
    log.warning("database busy: %s", exc.orig.__class__.__name__)
    return problem(
        503,
        "Service Unavailable",
        "the database is busy; retry shortly",
        headers={"Retry-After": "1"},
    )


def _database_refused(exc: DBAPIError) -> Response:
    log.error("database refused a statement", exc_info=exc)
    return problem(409, "Conflict", "the database refused the change")


def _unexpected(exc: Exception) -> Response:
    log.error("unexpected error", exc_info=exc)
    return problem(500, "Internal Server Error", "an unexpected error occurred; it was logged")
