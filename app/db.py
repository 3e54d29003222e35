"""One engine per application, one session per request.

Views never commit: a ledger service does its work in the request's session,
the view renders the result, and :mod:`app.unit_of_work` commits once the
response is a success. A refusal or an exception rolls the whole request back.
"""

from __future__ import annotations

from flask import Flask, current_app, g
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


def open_session() -> Session | None:
    """The request's session if it opened one (without opening one)."""
    return g.get("db_session")


def commit() -> None:
    session().commit()


def _close_session(_exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.rollback()
        db_session.close()
