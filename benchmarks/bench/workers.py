"""Client processes for the posting measures: awards through the core, and the TPC-B-like
floor on sqlite3.

Each client is a process of its own (``multiprocessing``, spawn: a fresh interpreter, so
two clients really run in parallel on two cores, as two gunicorn workers would) with its
own connection. A burst starts at an agreed wall-clock instant, so two clients begin
together, and runs for a fixed time; the client returns how many transactions it
committed and when it stopped.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from datetime import date

_engines: dict[str, object] = {}


def _wait_until(start_at: float) -> None:
    delay = start_at - time.time()
    if delay > 0:
        time.sleep(delay)


def post_awards(
    url: str, case_id: int, victim_ids: list[int], tag: str, seconds: float, start_at: float
) -> dict:
    """Register awards with ``ledger.awards.register_award``, one transaction (one commit)
    each, as the API's unit of work does, for ``seconds`` from ``start_at``."""
    from ledger.access import ADMINISTRATOR, Actor
    from ledger.awards import register_award
    from ledger.database import make_engine, make_sessionmaker
    from ledger.money import Money

    actor = Actor(None, "bench-admin", ADMINISTRATOR)
    if url not in _engines:
        _engines[url] = make_sessionmaker(make_engine(url))
    factory = _engines[url]
    serial = 0

    def one() -> None:
        nonlocal serial
        serial += 1
        with factory() as session:
            register_award(
                session,
                actor=actor,
                case_id=case_id,
                victim_id=victim_ids[serial % len(victim_ids)],
                order_reference=f"B-{tag}-{os.getpid()}-{serial}",
                ordered_on=date(2026, 1, 15),
                amount=Money(10_000 + serial % 997, "EUR"),
            )
            session.commit()

    for _ in range(3):  # warm: imports done, caches filled, connection open
        one()
    _wait_until(start_at)
    started = time.time()
    stop = start_at + seconds
    done = 0
    while time.time() < stop:
        one()
        done += 1
    return {"count": done, "started": started, "ended": time.time()}


# -- the TPC-B-like floor on sqlite3 -------------------------------------------------------

ACCOUNTS = 100_000
TELLERS = 10


def init_sqlite_tpcb(path: str) -> None:
    """pgbench's tables at scale 1 (1 branch, 10 tellers, 100,000 accounts), in sqlite3."""
    connection = _sqlite(path)
    connection.executescript(
        """
        DROP TABLE IF EXISTS accounts; DROP TABLE IF EXISTS tellers;
        DROP TABLE IF EXISTS branches; DROP TABLE IF EXISTS history;
        CREATE TABLE branches (bid INTEGER PRIMARY KEY, bbalance INTEGER, filler TEXT);
        CREATE TABLE tellers (tid INTEGER PRIMARY KEY, bid INTEGER, tbalance INTEGER,
                              filler TEXT);
        CREATE TABLE accounts (aid INTEGER PRIMARY KEY, bid INTEGER, abalance INTEGER,
                               filler TEXT);
        CREATE TABLE history (tid INTEGER, bid INTEGER, aid INTEGER, delta INTEGER,
                              mtime TEXT, filler TEXT);
        """
    )
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("INSERT INTO branches VALUES (1, 0, '')")
    connection.executemany(
        "INSERT INTO tellers VALUES (?, 1, 0, '')", [(t,) for t in range(1, TELLERS + 1)]
    )
    connection.executemany(
        "INSERT INTO accounts VALUES (?, 1, 0, ?)",
        [(a, " " * 84) for a in range(1, ACCOUNTS + 1)],
    )
    connection.execute("COMMIT")
    connection.close()


def _sqlite(path: str) -> sqlite3.Connection:
    """A connection set up exactly as ``ledger.database`` sets up the app's (its pragmas;
    transactions begun by hand with BEGIN IMMEDIATE)."""
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA busy_timeout=30000")
    return connection


def sqlite_tpcb(path: str, seconds: float, start_at: float) -> dict:
    """pgbench's tpcb-like transaction (3 updates, a select, an insert) for ``seconds``."""
    connection = _sqlite(path)
    rng = random.Random(os.getpid())
    _wait_until(start_at)
    started = time.time()
    stop = start_at + seconds
    done = 0
    while time.time() < stop:
        aid, tid, delta = (
            rng.randint(1, ACCOUNTS),
            rng.randint(1, TELLERS),
            rng.randint(-5000, 5000),
        )
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(
            "UPDATE accounts SET abalance = abalance + ? WHERE aid = ?", (delta, aid)
        )
        connection.execute("SELECT abalance FROM accounts WHERE aid = ?", (aid,)).fetchone()
        connection.execute("UPDATE tellers SET tbalance = tbalance + ? WHERE tid = ?", (delta, tid))
        connection.execute("UPDATE branches SET bbalance = bbalance + ? WHERE bid = 1", (delta,))
        connection.execute(
            "INSERT INTO history VALUES (?, 1, ?, ?, CURRENT_TIMESTAMP, '')", (tid, aid, delta)
        )
        connection.execute("COMMIT")
        done += 1
    connection.close()
    return {"count": done, "started": started, "ended": time.time()}


def rate(results: list[dict]) -> float:
    """Transactions per second of clients that ran together: all they did over the span
    from the first start to the last end."""
    span = max(r["ended"] for r in results) - min(r["started"] for r in results)
    return sum(r["count"] for r in results) / span if span > 0 else float("nan")


def warm(pause: float) -> int:
    """Import what the clients use (a fresh spawned process has nothing), then pause so the
    pool's other process takes the next warm-up task."""
    import ledger.awards
    import ledger.database  # noqa: F401

    time.sleep(pause)
    return os.getpid()
