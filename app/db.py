"""One engine per application, one session per request.

Views never commit half a step: a ledger service does its work in the
request's session and the view commits once (``commit()``); any exception
rolls the whole request back in ``teardown``.
"""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from ledger.database import make_engine, make_sessionmaker

_EXTENSION = "fundledger.db"


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions[_EXTENSION] = make_sessionmaker(engine)
    app.teardown_appcontext(_close_session)


def engine():
    return current_app.extensions[_EXTENSION].kw["bind"]


def dispose(app: Flask) -> None:
    """Close the app's pooled connections (at shutdown, and after each test)."""
    app.extensions[_EXTENSION].kw["bind"].dispose()


def session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions[_EXTENSION]()
    return g.db_session


def commit() -> None:
    session().commit()


def _close_session(_exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.rollback()
        db_session.close()
