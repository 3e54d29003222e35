"""One engine per application, one session per request.

Views never commit: a ledger service does its work in the request's session,
the view renders the result, and :mod:`app.unit_of_work` commits once the
response is a success. A refusal or an exception rolls the whole request back.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from app.reports_source import ReportSources
from ledger.database import make_engine, make_sessionmaker

log = logging.getLogger("fundledger")

_EXTENSION = "fundledger.db"
_REPORTS = "fundledger.reports_db"


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions[_EXTENSION] = make_sessionmaker(engine)
    app.extensions[_REPORTS] = ReportSources.from_config(app.config)
    app.teardown_appcontext(_close_session)


def report_session() -> Session:
    """A read-only session for one statement, on the replica when one is configured.

    Every door (API, web pages, CLI) opens its statements here, so every one of
    them follows the replica-lag rule of :mod:`app.reports_source`: the replica
    serves only once it has replayed everything the primary had committed when
    the statement was asked for; otherwise the primary serves.

    Not tied to the request: a streamed statement outlives the view function;
    the caller closes it when the last byte is sent.
    """
    return current_app.extensions[_REPORTS].open()


def report_sources(app: Flask) -> ReportSources:
    """Where ``app``'s statements read, and the lag rule between them (tests, tools)."""
    return app.extensions[_REPORTS]


def engine():
    return engine_of(current_app)


def engine_of(app: Flask):
    """The engine of ``app``'s request sessions (outside a request: tests, tools)."""
    return app.extensions[_EXTENSION].kw["bind"]


def dispose(app: Flask) -> None:
    """Close the app's pooled connections (at shutdown, and after each test)."""
    app.extensions[_EXTENSION].kw["bind"].dispose()
    app.extensions[_REPORTS].dispose()


def session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions[_EXTENSION]()
    return g.db_session


def open_session() -> Session | None:
    """The request's session if it opened one (without opening one)."""
    return g.get("db_session")


def commit() -> None:
    session().commit()


def mark_unavailable() -> None:
    """The database failed under this request (it died, or cannot be reached).

    The request's transaction is rolled back here, before anything else can
    touch the session (a query on a session whose connection died raises
    ``PendingRollbackError``, which would turn the 503 into a 500), and from
    now on nothing more is asked of the database for this request: the
    answer is a 503 whose rendering needs no data (:func:`unavailable`).
    """
    g.database_unavailable = True
    db_session = g.get("db_session")
    if db_session is not None:
        try:
            db_session.rollback()
        except Exception:  # the connection is gone: nothing to undo there
            log.warning("rollback after a database failure failed too", exc_info=True)


def unavailable() -> bool:
    """Whether the database failed under this request (see :func:`mark_unavailable`)."""
    return bool(g.get("database_unavailable"))


def _close_session(_exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is None:
        return
    try:
        db_session.rollback()
    except Exception:  # a dead connection: the transaction died with it
        log.warning("rolling the request's session back failed", exc_info=True)
    finally:
        try:
            db_session.close()  # gives the connection back (or discards a dead one)
        except Exception:
            log.warning("closing the request's session failed", exc_info=True)
