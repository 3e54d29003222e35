"""One lock for every change to the books.

A register step reads state (what is outstanding, what cash is free), decides,
then writes; two such steps must not interleave. They all take the journal
head row first (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite transactions
already start with ``BEGIN IMMEDIATE``), which also fixes one lock order for
the whole application, so there are no deadlocks. A fund's volume of writes
is small; correctness of every payment is not negotiable.

The lock is taken once per transaction: a step that posts an entry and records
its audit event, or a batch of a thousand, sends the locking statement once
(:mod:`ledger.posting_state` keeps what it read until the transaction ends).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ledger.posting_state import Books, lock


def lock_books(session: Session) -> Books:
    """Hold the books' lock for the rest of the transaction; the head as it is now
    (``last_number``, ``last_hash``)."""
    return lock(session)
