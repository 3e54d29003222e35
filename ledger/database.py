"""Engines and sessions for both supported databases.

SQLite (the embedded default) gets foreign keys, WAL and ``BEGIN IMMEDIATE``:
every transaction takes the write lock up front, so two writers queue instead
of failing half-way when one upgrades a read lock. PostgreSQL needs nothing
special: posting serialises on the journal head row (``SELECT … FOR UPDATE``).
A pooled PostgreSQL connection the server has closed meanwhile (a restart, a
terminated backend, an idle timeout) is replaced before it is handed out, as
``pool_pre_ping`` would, but without its round trip (``SELECT 1`` on every
checkout, one more wait for the server in every transaction).

This lives in the core, not in ``app/``, because the CLI, the benchmarks and
the tests open the ledger without Flask.
"""

from __future__ import annotations

import select

import psycopg
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, *, read_only: bool = False, **kwargs) -> Engine:
    """An engine for ``url``; ``read_only`` ones are for statements and exports.

    A read-only engine sees one consistent snapshot per transaction
    (PostgreSQL REPEATABLE READ, SQLite's deferred read transaction in WAL
    mode) and never holds the write lock, so a long report does not stop the
    fund's work.
    """
    if url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship; plain postgresql:// would mean psycopg2.
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # Statement parameters never reach exception messages or logs: a failed insert
    # must not print what it was inserting.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_read_begin if read_only else _sqlite_on_begin)
        return engine
    if read_only:
        kwargs.setdefault("isolation_level", "REPEATABLE READ")
        kwargs.setdefault("execution_options", {"postgresql_readonly": True})
    if make_url(url).get_driver_name() != "psycopg":
        return create_engine(url, pool_pre_ping=True, **kwargs)
    engine = create_engine(url, **kwargs)
    event.listen(engine, "checkout", _closed_by_the_server)
    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def _sqlite_on_connect(dbapi_connection, _record) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would defer it).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_on_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_read_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN")


def _closed_by_the_server(dbapi_connection, _record, _proxy) -> None:
    """Refuse a pooled connection the server has closed; the pool then opens another.

    A connection waiting in the pool has sent nothing and expects nothing: every
    reply was read before it came back. If its socket has something to read, it is
    the server's goodbye (``FATAL: terminating connection``) or the end of the stream,
    so the connection is dead. Looking costs a ``poll`` with no timeout, not a
    round trip. (A connection whose socket is gone is dead too.) Other drivers than
    psycopg keep ``pool_pre_ping``.
    """
    pgconn = dbapi_connection.pgconn
    try:
        poller = select.poll()  # poll, not select: no limit on the descriptor's number
        poller.register(pgconn.socket, select.POLLIN)
        readable = poller.poll(0)
    except (psycopg.Error, OSError, ValueError) as exc:
        raise DisconnectionError("the connection is closed") from exc
    if readable:
        raise DisconnectionError("the server closed the connection")
