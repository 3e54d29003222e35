"""Which database a statement reads: the reports replica, unless it is behind the asker.

``FUNDLEDGER_REPORTS_DATABASE_URL`` may name a PostgreSQL hot standby, so that a
long general ledger does not load the primary. A standby replays the primary's
write-ahead log a little later than the primary commits, and a statement must
never be older than what the person asking has just done: a trial balance built
right after a month close must show the close. So before every statement:

1. the primary's current WAL position is read (``pg_current_wal_lsn()``: every
   transaction committed so far, with ``synchronous_commit`` on, ends before it);
2. the standby is asked whether it has replayed that far
   (``pg_last_wal_replay_lsn()``), again and again for at most
   ``FUNDLEDGER_REPLICA_MAX_WAIT_SECONDS``;
3. once it has, the statement's session opens on the standby (its snapshot is
   taken after the replay, so it holds everything committed before step 1);
   if it has not, or the standby cannot be reached, the statement reads the
   primary instead, and a log line says so (positions and seconds, nothing else).

A reports database that is not a standby (a logical replica, a copy, another
name for the primary) has WAL positions of its own; it is compared by what the
fund has done instead: the journal head's number and the audit log's last
event (every step of the fund records one) must be at least the primary's.

With no separate reports database, statements read the primary through a
read-only engine and none of this runs. Nothing here imports Flask: the
benchmarks open the same sources as the application.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from sqlalchemy import Connection, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from ledger.database import make_engine, make_sessionmaker
from ledger.models import AuditEvent, JournalHead

log = logging.getLogger("fundledger.reports")

#: The first pause between two looks at the standby, in nanoseconds (whole numbers: the
#: project keeps floats out of its code); it doubles up to ``_LONGEST_PAUSE_NS``.
_FIRST_PAUSE_NS = 5_000_000
_LONGEST_PAUSE_NS = 100_000_000

#: ``Session.info`` key saying where a statement's session reads: ``primary`` or ``replica``.
SOURCE = "reports_source"


@dataclass
class Position:
    """How far a database is: its WAL position (a standby's replay position), or, for a
    database that is not a standby, the fund's own marks (journal head, audit tail)."""

    lsn: str | None
    marks: tuple[int, int] | None = None


class ReportSources:
    """The read-only session factories of statements, and the rule choosing between them."""

    def __init__(self, primary_url: str, replica_url: str | None, max_wait: int = 5):
        self.primary: sessionmaker[Session] = make_sessionmaker(
            make_engine(primary_url, read_only=True)
        )
        self.replica: sessionmaker[Session] | None = None
        if replica_url and replica_url != primary_url:
            self.replica = make_sessionmaker(make_engine(replica_url, read_only=True))
        self.max_wait = max_wait

    @classmethod
    def from_config(cls, config) -> ReportSources:
        return cls(
            config["DATABASE_URL"],
            config.get("REPORTS_DATABASE_URL"),
            int(config.get("REPLICA_MAX_WAIT_SECONDS", 5)),
        )

    def open(self) -> Session:
        """A read-only session for one statement, on the replica if it has caught up."""
        if self.replica is None:
            return _tagged(self.primary(), "primary")
        started = time.monotonic_ns()
        # First where the primary is (its errors reach the caller: without it, nothing
        # says how recent a statement must be), then the replica, until it gets there.
        primary_lsn = self._primary_lsn()
        try:
            caught_up, seen, wanted = self._wait(primary_lsn, started)
        except DBAPIError as exc:  # the replica is down or refuses us: the primary serves
            log.warning(
                "statement read from the primary: the reports replica cannot be reached (%s)",
                type(exc.orig).__name__ if exc.orig is not None else type(exc).__name__,
            )
            return _tagged(self.primary(), "primary")
        if not caught_up:
            log.warning(
                "statement read from the primary: the reports replica had not caught up "
                "with it within %s s (primary at %s, replica at %s)",
                self.max_wait,
                _describe(wanted),
                _describe(seen),
            )
            return _tagged(self.primary(), "primary")
        log.debug(
            "statement read from the reports replica (waited %d ms)",
            (time.monotonic_ns() - started) // 1_000_000,
        )
        return _tagged(self.replica(), "replica")

    def dispose(self) -> None:
        self.primary.kw["bind"].dispose()
        if self.replica is not None:
            self.replica.kw["bind"].dispose()

    def _primary_lsn(self) -> str | None:
        """The primary's WAL position now (None on SQLite, which has none)."""
        with _asking(self.primary) as primary:
            if primary.dialect.name != "postgresql":
                return None
            return str(primary.scalar(text("SELECT pg_current_wal_lsn()")))

    def _primary_marks(self) -> Position:
        with _asking(self.primary) as primary:
            return Position(None, _marks(primary))

    def _wait(self, primary_lsn: str | None, started: int) -> tuple[bool, Position, Position]:
        """Whether the replica reached the primary within ``max_wait`` seconds of
        ``started`` (``time.monotonic_ns()``), where it was last seen, and where the
        primary was.

        Whether the replica is a standby is asked at every look (it may have been
        promoted meanwhile); each look ends its transaction, so the statement's own
        transaction, begun after the last look, has a snapshot at least that recent.
        """
        assert self.replica is not None
        wanted: Position | None = None
        pause = _FIRST_PAUSE_NS
        with _asking(self.replica) as replica:
            while True:
                seen = _replica_position(replica, standby=primary_lsn is not None)
                if seen.marks is None:
                    wanted = Position(primary_lsn)
                elif wanted is None or wanted.marks is None:
                    wanted = self._primary_marks()
                if _reached(seen, wanted):
                    return True, seen, wanted
                if time.monotonic_ns() - started + pause > self.max_wait * 1_000_000_000:
                    return False, seen, wanted
                time.sleep(pause / 1_000_000_000)
                pause = min(pause * 2, _LONGEST_PAUSE_NS)


def _asking(sessions: sessionmaker[Session]) -> Connection:
    """A connection for the rule's questions. On PostgreSQL in autocommit: each question is
    its own transaction (no BEGIN and ROLLBACK round trips), over before the statement's
    own transaction begins."""
    connection = sessions.kw["bind"].connect()
    if connection.dialect.name == "postgresql":
        connection.execution_options(isolation_level="AUTOCOMMIT")
    return connection


def _tagged(session: Session, source: str) -> Session:
    session.info[SOURCE] = source
    return session


def _replica_position(connection: Connection, standby: bool) -> Position:
    """The replica's replay position if it is a PostgreSQL standby (and the primary has
    WAL positions: ``standby``), else its marks."""
    if standby and connection.dialect.name == "postgresql":
        in_recovery, lsn = connection.execute(
            text("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()")
        ).one()
        connection.rollback()
        if in_recovery:
            # NULL when the standby has replayed nothing since it started.
            return Position(None if lsn is None else str(lsn))
    return Position(None, _marks(connection))


def _marks(connection: Connection) -> tuple[int, int]:
    """The journal head's number and the audit log's last event: every step of the fund
    moves one of them, so a database that has both is not behind in anything the fund did."""
    head = connection.scalar(select(JournalHead.last_number)) or 0
    audit = connection.scalar(select(func.max(AuditEvent.id))) or 0
    connection.rollback()
    return int(head), int(audit)


def _reached(seen: Position, wanted: Position) -> bool:
    if wanted.marks is not None:
        return seen.marks is not None and all(
            s >= w for s, w in zip(seen.marks, wanted.marks, strict=True)
        )
    return (
        seen.lsn is not None
        and wanted.lsn is not None
        and lsn_value(seen.lsn) >= lsn_value(wanted.lsn)
    )


def lsn_value(lsn: str) -> int:
    """``'0/3000148'`` as a number (PostgreSQL writes an LSN as two hexadecimal halves)."""
    high, low = lsn.split("/")
    return (int(high, 16) << 32) | int(low, 16)


def _describe(position: Position) -> str:
    if position.marks is not None:
        return f"journal entry {position.marks[0]}, audit event {position.marks[1]}"
    return position.lsn or "nothing replayed"
