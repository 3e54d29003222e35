"""Read-side SQL: rows streamed straight from the database, never the ORM row by row.

``yield_per`` makes PostgreSQL (psycopg) use a server-side cursor and SQLite
step through its result, so a query over 200,000 postings holds a batch,
not the lot. :func:`stream_tuples` is the statements' way: plain tuples (no ORM
result machinery) in larger batches, on PostgreSQL from psycopg's chunked stream.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy import Select, case, event, func, select
from sqlalchemy.orm import Session

from ledger.models import Account, JournalEntry, Posting, Victim
from ledger.reads.lists import dated, filtered

BATCH = 2000
#: Rows per FETCH of a statement's stream: a few MiB of rows at most.
STREAM_BATCH = 5000


def stream(session: Session, query: Select) -> Iterator:
    yield from session.execute(query.execution_options(yield_per=BATCH))


def stream_tuples(session: Session, query: Select) -> Iterator[tuple]:
    """The rows of ``query`` as plain tuples (the SELECT's column order), a batch of
    :data:`STREAM_BATCH` in memory at a time, in the session's transaction; the query runs
    when the first row is asked for.

    On PostgreSQL, psycopg's chunked stream (``cursor.stream``: libpq's chunked rows, one
    query, no FETCH round trips, nor a cursor planned for its first 10 % of rows): the
    fastest bounded read there is short of COPY, about twice as fast as a server-side cursor.
    The connection runs nothing else until the stream ends, so a statement's other queries
    are made before its rows (:meth:`reports.statement.Statement.iter_rows`). Elsewhere
    (SQLite), Core rows from SQLAlchemy's ``stream_results``.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        return _psycopg_stream(connection, query)
    return _core_stream(connection, query)


def _core_stream(connection, query: Select) -> Iterator[tuple]:
    result = connection.execute(
        query, execution_options={"stream_results": True, "yield_per": STREAM_BATCH}
    )
    try:
        for row in result:
            yield tuple(row)
    finally:
        result.close()


def _psycopg_stream(connection, query: Select) -> Iterator[tuple]:
    """psycopg's ``cursor.stream`` of ``query``, stopped (the query cancelled) if the
    transaction ends before the rows do: a stream holds the connection, and a rollback or
    commit behind a stream left half read (a download given up) would wait for it forever."""
    compiled = query.compile(dialect=connection.dialect)
    cursor = connection.connection.driver_connection.cursor()
    stream = cursor.stream(str(compiled), compiled.construct_params(), size=STREAM_BATCH)

    def stop(_connection) -> None:
        stream.close()

    event.listen(connection, "rollback", stop)
    event.listen(connection, "commit", stop)
    try:
        yield from stream
    finally:
        stream.close()
        cursor.close()
        event.remove(connection, "rollback", stop)
        event.remove(connection, "commit", stop)


def totals(session: Session, query: Select) -> tuple[int, int, int, int]:
    """``(rows, movement, debits, credits)`` of the postings ``query`` selects, in one scan:
    how many, the sum of their debit-positive ``amount``, the debits and the credits."""
    sub = query.order_by(None).subquery()
    amount = sub.c.amount
    rows, movement, debits, credits = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(amount), 0),
            func.coalesce(func.sum(amount).filter(amount > 0), 0),
            func.coalesce(-func.sum(amount).filter(amount < 0), 0),
        ).select_from(sub)
    ).one()
    return int(rows), int(movement), int(debits), int(credits)


#: What a posting row can hold, by name (:func:`postings_query`'s ``columns``).
POSTING_COLUMNS = {
    "number": JournalEntry.number,
    "value_date": JournalEntry.value_date,
    "event": JournalEntry.event,
    "memo": JournalEntry.memo,
    "reverses": JournalEntry.reverses,
    "posted_at": JournalEntry.posted_at,
    "created_by": JournalEntry.created_by,
    "code": Account.code,
    "name": Account.name,
    "line": Posting.line,
    "amount": Posting.amount,
    "original_amount": Posting.original_amount,
    "currency": Posting.currency,
    "case_id": Posting.case_id,
    "award_id": Posting.award_id,
    "asset_id": Posting.asset_id,
    "victim": Victim.code.label("victim"),
}


def debit_column():
    """A posting's amount when it is a debit (positive), else NULL."""
    return case((Posting.amount > 0, Posting.amount)).label("debit")


def credit_column():
    """A posting's amount as a positive credit when it is one (negative), else NULL."""
    return case((Posting.amount < 0, -Posting.amount)).label("credit")


def labelled(column, table: dict[str, str], name: str):
    """``column``'s code as its label in ``table`` (:func:`ledger.labels.label`: an unknown code
    as it is), worked out by the database as the rows stream, not per row in Python."""
    if not table:
        return column.label(name)
    return case(table, value=column, else_=column).label(name)


def postings_query(
    date_from: date | None,
    date_to: date | None,
    account_id: int | None = None,
    columns: tuple | None = None,
) -> Select:
    """Postings with their entry and account, in journal order: every column of
    :data:`POSTING_COLUMNS`, or only ``columns`` (names of them, or SQL expressions over the
    same tables), in that order, as a statement selects what it prints and no more."""
    names = columns or tuple(POSTING_COLUMNS)
    picked = [POSTING_COLUMNS[name] if isinstance(name, str) else name for name in names]
    named = {name for name in names if isinstance(name, str)}
    query = select(*picked).select_from(Posting)
    query = query.join(JournalEntry, JournalEntry.number == Posting.entry_number)
    if {"code", "name"} & named:
        query = query.join(Account, Account.id == Posting.account_id)
    if "victim" in named:
        query = query.outerjoin(Victim, Victim.id == Posting.victim_id)
    query = filtered(query, (Posting.account_id, account_id))
    return dated(query, JournalEntry.value_date, date_from, date_to)
