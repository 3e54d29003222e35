"""One commit per request: a success commits the service's work, anything else rolls it back.

The first response to an idempotent POST is stored in the same transaction as
the change it reports (:func:`app.idempotency.remember`), so a retry can never
find the change without the response or the response without the change.
"""

from __future__ import annotations

from flask import Response, current_app
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError, PendingRollbackError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app import db, idempotency
from app.errors import for_the_door, problem, unavailable


def finish_request(response: Response) -> Response:
    """Commit a successful request's work; turn a failed commit into a problem response."""
    session = db.open_session()
    if session is None or db.unavailable():
        # No session, or the database failed under this request: it was rolled back
        # then (app.errors.unavailable) and is not asked anything again.
        return response
    if response.status_code >= 400:
        # A twin with the same Idempotency-Key may have won while this one waited for
        # the books' lock and was then refused (the award already fully proposed, say):
        # the client must get the winner's answer, not the refusal.
        session.rollback()
        return idempotency.concurrent_replay() or response
    try:
        idempotency.remember(response)
        session.commit()
    except IntegrityError:
        session.rollback()
        replay = idempotency.concurrent_replay()
        if replay is not None:
            return replay
        conflict = problem(409, "Conflict", "the request conflicts with a concurrent change; retry")
        return _instead_of(response, for_the_door(conflict))
    except (DBAPIError, PendingRollbackError, DisconnectionError, PoolTimeout):
        # Busy, or died during the commit: nothing was committed (or, if the COMMIT
        # reached the server before the line dropped, all of it with its stored answer,
        # which a retry with the same key replays): never half. Rolled back, not asked
        # again (the replay above would query the dead database).
        return _instead_of(response, for_the_door(unavailable()))
    return response


#: What belongs to the answer that was not sent, not to the one sent instead.
_OWN_HEADERS = {
    "content-type",
    "content-length",
    "content-disposition",
    "location",
    "idempotent-replayed",
}


def _instead_of(response: Response, answer) -> Response:
    """``answer`` (a problem, or an error page's ``(body, status, headers)``) as the
    response, keeping the headers the later hooks already set on ``response`` (the
    security headers: after-request hooks run last-registered first)."""
    if not isinstance(answer, Response):
        answer = current_app.make_response(answer)
    response.close()  # its body is never sent: release what it holds (a report's session)
    for name, value in response.headers.items():
        if name.lower() not in _OWN_HEADERS and name not in answer.headers:
            answer.headers[name] = value
    return answer
