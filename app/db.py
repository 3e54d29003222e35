"""One engine per application, one session per request, one commit per request.

Views never commit: a ledger service does its work in the request's session,
the view renders the result, and :func:`finish_request` commits once the
response is a success (storing an idempotent response in the same
transaction). A refusal or an exception rolls the whole request back.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from ledger.database import make_engine, make_sessionmaker

_EXTENSION = "fundledger.db"


_REPORTS = "fundledger.reports_db"


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions[_EXTENSION] = make_sessionmaker(engine)
    reports = make_engine(app.config["REPORTS_DATABASE_URL"], read_only=True)
    app.extensions[_REPORTS] = make_sessionmaker(reports)
    app.teardown_appcontext(_close_session)


def report_session() -> Session:
    """A read-only session for one statement, on the replica when one is configured.

    Not tied to the request: a streamed statement outlives the view function;
    the caller closes it when the last byte is sent.
    """
    return current_app.extensions[_REPORTS]()


def engine():
    return current_app.extensions[_EXTENSION].kw["bind"]


def dispose(app: Flask) -> None:
    """Close the app's pooled connections (at shutdown, and after each test)."""
    app.extensions[_EXTENSION].kw["bind"].dispose()
    app.extensions[_REPORTS].kw["bind"].dispose()


def session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions[_EXTENSION]()
    return g.db_session


def commit() -> None:
    session().commit()


def finish_request(response: Response) -> Response:
    """Commit a successful request's work; turn a failed commit into a problem response."""
    db_session = g.get("db_session")
    if db_session is None:
        return response
    if response.status_code >= 400:
        # A twin with the same Idempotency-Key may have won while this one waited for
        # the books' lock and was then refused (the award already fully proposed, say):
        # the client must get the winner's answer, not the refusal.
        db_session.rollback()
        return _concurrent_replay() or response
    from app import idempotency
    from app.errors import problem

    try:
        idempotency.remember(response)
        db_session.commit()
    except IntegrityError:
        db_session.rollback()
        replay = _concurrent_replay()
        if replay is not None:
            return replay
        return problem(409, "Conflict", "the request conflicts with a concurrent change; retry")
    except OperationalError:
        db_session.rollback()
        return problem(
            503,
            "Service Unavailable",
            "the database is busy; retry shortly",
            headers={"Retry-After": "1"},
        )
    return response


def _concurrent_replay() -> Response | None:
    """A twin request with the same Idempotency-Key committed first: answer as it did."""
    from app import idempotency

    pending = g.get("idempotency")
    if pending is None:
        return None
    user_id, key, fingerprint = pending
    stored = idempotency.find(user_id, key)
    return None if stored is None else idempotency.replay_or_refuse(stored, fingerprint)


def _close_session(_exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.rollback()
        db_session.close()
