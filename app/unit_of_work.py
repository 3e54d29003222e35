"""One commit per request: a success commits the service's work, anything else rolls it back.

The first response to an idempotent POST is stored in the same transaction as
the change it reports (:func:`app.idempotency.remember`), so a retry can never
find the change without the response or the response without the change.
"""

from __future__ import annotations

from flask import Response
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError, PendingRollbackError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app import db, idempotency
from app.errors import problem, unavailable


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
        return problem(409, "Conflict", "the request conflicts with a concurrent change; retry")
    except (DBAPIError, PendingRollbackError, DisconnectionError, PoolTimeout):
        # Busy, or died during the commit: nothing was committed (or, if the COMMIT
        # reached the server before the line dropped, all of it with its stored answer,
        # which a retry with the same key replays): never half. Rolled back, not asked
        # again (the replay above would query the dead database).
        return unavailable()
    return response
