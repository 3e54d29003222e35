"""One lock for every change to the books.

A register step reads state (what is outstanding, what cash is free), decides,
then writes; two such steps must not interleave. They all take the journal
head row first (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite transactions
already start with ``BEGIN IMMEDIATE``), which also fixes one lock order for
the whole application, so there are no deadlocks. A fund's volume of writes
is small; correctness of every payment is not negotiable.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.errors import Conflict
from ledger.models import JournalHead


def lock_books(session: Session) -> JournalHead:
    head = session.scalar(
        select(JournalHead)
        .where(JournalHead.id == 1)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if head is None:
        raise Conflict("the database is not initialised: run `fundledger init`")
    return head
