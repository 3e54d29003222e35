"""A pooled PostgreSQL connection the server closed is replaced before use (ledger.database).

The engine checks, without a round trip, that the server has not closed a pooled
connection (a restart, a terminated backend, an idle timeout) before handing it out,
so the first request after a restart works, as with ``pool_pre_ping``.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from ledger.database import make_engine

pytestmark = pytest.mark.postgres_only


def backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(text("SELECT pg_backend_pid()"))


def test_a_connection_the_server_closed_is_replaced_before_use(pg_url):
    engine = make_engine(pg_url, pool_size=1, max_overflow=0)
    admin = make_engine(pg_url, isolation_level="AUTOCOMMIT")
    try:
        first = backend_pid(engine)
        assert backend_pid(engine) == first  # the pool hands the same connection out again
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:p)"), {"p": first})
        time.sleep(0.2)  # the server's goodbye reaches the pooled connection's socket
        # The next checkout works, on a new connection, and no statement failed.
        second = backend_pid(engine)
        assert second != first
        assert backend_pid(engine) == second
    finally:
        engine.dispose()
        admin.dispose()


def test_a_pooled_connection_is_checked_without_a_round_trip(pg_url):
    engine = make_engine(pg_url, pool_size=1, max_overflow=0)
    pings: list[object] = []
    try:
        backend_pid(engine)  # the pool holds one connection now
        engine.dialect.do_ping = pings.append  # what pool_pre_ping would call
        for _ in range(3):
            backend_pid(engine)
        assert pings == []
    finally:
        engine.dispose()
