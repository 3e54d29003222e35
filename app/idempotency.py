"""``Idempotency-Key`` on every POST (SPEC §7).

The same key with the same request replays the first response, byte for
byte, with ``Idempotent-Replayed: true``; the same key with another request
is 422. The first response is stored in the same transaction as the change
it reports (see :func:`app.unit_of_work.finish_request`), so a retry can never
find the change without the response or the response without the change.
Only successful responses are stored: a refused request changed nothing, and
retrying it is simply asking again. Keys are per user.

The web pages use the same mechanism: every form that acts carries a one-time
key in the hidden field :data:`FORM_FIELD` (rendered by :func:`new_form_key`).
A double click, a reload or a back-and-resubmit of that form finds the first
submission's redirect stored under its key and is sent where the first one
went, so nothing is paid, posted or registered twice.

On the API the stored response is looked up in the same statement as the
bearer token (:func:`app.auth.bearer_lookup` with :data:`_HOLDER_AND_STORED`),
and written by one Core ``INSERT`` in :func:`remember`: a keyed POST costs the
service's statements, the read that shows its result, and one more each way.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from flask import Response, g, redirect, request
from sqlalchemy import bindparam, select
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from app import db
from app.auth import bearer_lookup, current_user, is_api_request
from app.errors import problem
from ledger.models import IdempotentRequest, User
from ledger.users import TOKEN_HOLDER

HEADER = "Idempotency-Key"
FORM_FIELD = "_once"
#: What a web form's submission is compared by: nothing but its key (see the module's text).
WEB_FINGERPRINT = "web form"
MAX_KEY = 200


@dataclass(frozen=True)
class Stored:
    """What is replayed of a stored first response (a row of ``idempotent_requests``)."""

    request_hash: str
    status: int
    response: str


# Core statements over the tables (no ORM compile step), built once (their cache keys too).
_TABLE = IdempotentRequest.__table__
_STORED_COLUMNS = (_TABLE.c.request_hash, _TABLE.c.status, _TABLE.c.response)
#: The response stored under ``:user_id`` and ``:key`` (the unique index of the table).
_FIND = select(*_STORED_COLUMNS).where(
    _TABLE.c.user_id == bindparam("user_id"), _TABLE.c.key == bindparam("key")
)
_under_key = (
    select(_TABLE.c.user_id, *_STORED_COLUMNS)
    .where(_TABLE.c.key == bindparam("key"))
    .subquery("stored")
)
#: The bearer token's holder (:data:`ledger.users.TOKEN_HOLDER`) and the response that
#: holder stored under ``:key``, if any: one round trip for both (the subquery is flattened
#: into the join by both engines, so the table's unique index on (user_id, key) serves it).
_HOLDER_AND_STORED = TOKEN_HOLDER.add_columns(
    _under_key.c.request_hash, _under_key.c.status, _under_key.c.response
).outerjoin(_under_key, _under_key.c.user_id == User.__table__.c.id)
_INSERT = _TABLE.insert()


def new_form_key() -> str:
    """A fresh one-time key for a form that acts."""
    return secrets.token_urlsafe(24)


def _request_key() -> str | None:
    if request.method != "POST":
        return None
    if is_api_request():
        return request.headers.get(HEADER)
    return request.form.get(FORM_FIELD) or None


def check_request() -> Response | None:
    """Before a POST: a stored response to replay, a refusal, or None to go ahead."""
    key = _request_key()
    if key is None:
        return None
    if not key.strip() or len(key) > MAX_KEY or not key.isprintable():
        return problem(
            422,
            "Invalid input",
            f"{HEADER} must be 1 to {MAX_KEY} printable characters",
            {HEADER: ["invalid"]},
        )
    if is_api_request() and "user" not in g:
        # Who asks, and what they stored under this key, in one statement.
        row = bearer_lookup(_HOLDER_AND_STORED, key=key)
        user = current_user()
        stored = None if row is None or row[5] is None else Stored(*row[5:8])
    else:
        user = current_user()
        stored = None if user is None else find(user.id, key)
    if user is None:
        return None  # the view answers 401 (the API) or sends to the sign-in page (the web)
    fingerprint = _fingerprint() if is_api_request() else WEB_FINGERPRINT
    if stored is not None:
        return replay_or_refuse(stored, fingerprint)
    g.idempotency = (user.id, key, fingerprint)
    return None


def replay_or_refuse(stored: Stored, fingerprint: str) -> Response:
    if stored.request_hash == WEB_FINGERPRINT:
        # The form was already submitted: go where the first submission went.
        response = redirect(stored.response, 303)
        response.headers["Idempotent-Replayed"] = "true"
        return response
    if stored.request_hash != fingerprint:
        return problem(
            422,
            "Idempotency key reused",
            f"this {HEADER} was already used for a different request",
            {HEADER: ["already used for a different request"]},
        )
    response = Response(stored.response, status=stored.status, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def concurrent_replay() -> Response | None:
    """A twin request with the same key committed first: answer as it did.

    None when there is no pending key, no twin, or the database cannot be asked
    (it may be what failed): the caller then answers with its own response.
    """
    pending = g.get("idempotency")
    if pending is None or db.unavailable():
        return None
    user_id, key, fingerprint = pending
    try:
        stored = find(user_id, key)
    except (DBAPIError, SQLAlchemyError):
        db.mark_unavailable()
        return None
    return None if stored is None else replay_or_refuse(stored, fingerprint)


def find(user_id: int, key: str) -> Stored | None:
    row = db.session().execute(_FIND, {"user_id": user_id, "key": key}).first()
    return None if row is None else Stored(*row)


def remember(response: Response) -> None:
    """Store the response of a successful idempotent POST (before the commit).

    A web form's success is its redirect (POST-redirect-GET); a form that only
    re-renders (a page of errors, a confirmation to read) has done nothing yet.
    """
    pending = g.get("idempotency")
    if pending is None or response.status_code >= 400:
        return
    user_id, key, fingerprint = pending
    if fingerprint == WEB_FINGERPRINT:
        if response.status_code not in (302, 303):
            return
        body, status = response.location, 303
    else:
        body, status = response.get_data(as_text=True), response.status_code
    # One Core INSERT now, in the request's transaction: a twin that stored the same key
    # first makes it raise IntegrityError, which the caller answers with the twin's reply.
    db.session().execute(
        _INSERT,
        {
            "user_id": user_id,
            "key": key,
            "method": request.method,
            "path": request.path,
            "request_hash": fingerprint,
            "status": status,
            "response": body,
        },
    )


def _fingerprint() -> str:
    """What makes two requests the same: method, path, query and content.

    For an upload that is the form fields and each file's name and bytes, not
    the raw multipart body, whose boundary changes on every retry.
    """
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.query_string.decode("latin-1")):
        digest.update(part.encode("utf-8") + b"\0")
    if request.mimetype == "multipart/form-data":
        for name, value in sorted(request.form.items(multi=True), key=_by_name):
            digest.update(f"{name}={value}".encode() + b"\0")
        for name, upload in sorted(request.files.items(multi=True), key=_by_name):
            content = upload.stream.read()
            upload.stream.seek(0)  # the view reads it again
            digest.update(f"{name}:{upload.filename}:".encode())
            digest.update(hashlib.sha256(content).digest())
    else:
        digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _by_name(item: tuple) -> tuple[str, str]:
    """Fields in a stable order that never fails: a nameless part (refused earlier by the
    request guards) sorts first instead of raising."""
    name, value = item
    return (name or "", value if isinstance(value, str) else "")
