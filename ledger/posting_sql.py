"""The statements of the critical section, written by hand for both engines.

Under the journal-head lock a posting sends as few statements as the engine
allows, built as driver-level SQL (no ORM unit of work, no SQL compilation):

- one *probe* reads whatever the lock holder does not know yet: the audit
  log's tail and the latest closed month (once per transaction), the balances
  a no-overdraft check needs, and the award subledger rows an entry touches;
- one *write*: on PostgreSQL a single statement of data-modifying CTEs moves
  the journal head, inserts the entries and their postings, adds to the account
  balances (``UPDATE … FROM unnest(…)``) and updates or inserts the subledger
  rows; SQLite has no data-modifying CTEs, so there the same parts are one
  statement each (``executemany`` for the rows).

The database's own guards (the deferred "entry sums to zero" trigger, the
closed-period and no-overdraft triggers, the append-only triggers) still run
on every row these statements write.
"""

# The SQL below is assembled from constant column names, types and placeholders only;
# every value travels as a bound parameter, so S608 does not apply.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

ENTRY_COLUMNS = (
    "number",
    "value_date",
    "posted_at",
    "memo",
    "event",
    "source_type",
    "source_id",
    "reverses",
    "created_by",
    "idempotency_key",
    "prev_hash",
    "hash",
)
POSTING_COLUMNS = (
    "entry_number",
    "line",
    "account_id",
    "amount",
    "original_amount",
    "currency",
    "case_id",
    "victim_id",
    "award_id",
    "asset_id",
)
AUDIT_COLUMNS = (
    "id",
    "occurred_at",
    "actor",
    "action",
    "subject_type",
    "subject_id",
    "before",
    "after",
    "prev_hash",
    "hash",
)
#: The column types of the arrays PostgreSQL ``unnest``s into rows.
_ENTRY_TYPES = (
    "INTEGER",
    "DATE",
    "TIMESTAMP",
    "TEXT",
    "VARCHAR",
    "VARCHAR",
    "INTEGER",
    "INTEGER",
    "VARCHAR",
    "VARCHAR",
    "VARCHAR",
    "VARCHAR",
)
_POSTING_TYPES = (
    "INTEGER",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "BIGINT",
    "VARCHAR",
    "INTEGER",
    "INTEGER",
    "INTEGER",
    "INTEGER",
)
#: What the write adds to: the balance rows' keys and the columns deltas go to, with types.
ACCOUNT_KEY = (("account_id", "INTEGER"),)
ACCOUNT_ADDED = (("balance", "BIGINT"), ("original_balance", "BIGINT"), ("postings", "BIGINT"))
SUBLEDGER_KEY = (("account_id", "INTEGER"), ("award_id", "INTEGER"))
SUBLEDGER_ADDED = (("balance", "BIGINT"), ("original_balance", "BIGINT"))
#: Up to this many rows a PostgreSQL write sends them as ``VALUES``, beyond as arrays.
FEW_ROWS = 8
#: Entries per PostgreSQL statement in a batch (bounds one statement's memory).
CHUNK = 5000


@dataclass
class Write:
    """Everything one write sends: rows to insert, deltas to add, the head to move to."""

    entries: list[tuple]
    postings: list[tuple]
    #: account id -> (functional delta, original delta, postings added)
    accounts: dict[int, tuple[int, int, int]]
    #: (account id, award id) -> (functional delta, original delta), rows that exist
    subledger_updates: dict[tuple[int, int], tuple[int, int]]
    #: (account id, award id) -> (currency, balance, original balance), new rows
    subledger_inserts: dict[tuple[int, int], tuple[str, int, int]]
    head: tuple[int, str]


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def probe(
    session: Session,
    *,
    tail: bool,
    accounts: Sequence[int],
    subledgers: Sequence[tuple[int, int]],
) -> tuple[tuple | None, dict[int, tuple[int, int]], dict[tuple[int, int], tuple[str, int, int]]]:
    """One statement: (closed month, last audit id, last audit hash) if ``tail``, the
    balances of ``accounts``, the subledger rows of ``subledgers`` that exist."""
    pg = is_postgres(session)
    mark = "%s" if pg else "?"
    parts: list[str] = []
    params: list = []
    if tail:
        parts.append(
            "SELECT 0, CAST(NULL AS INTEGER), CAST(NULL AS INTEGER),"
            " (SELECT max(month) FROM periods), (SELECT max(id) FROM audit_events),"
            " CAST(NULL AS BIGINT), (SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1)"
        )
    if accounts:
        parts.append(
            "SELECT 1, account_id, CAST(NULL AS INTEGER), CAST(NULL AS VARCHAR), balance,"
            " original_balance, CAST(NULL AS VARCHAR) FROM account_balances"
            f" WHERE account_id IN ({', '.join([mark] * len(accounts))})"
        )
        params += list(accounts)
    if subledgers:
        where = " OR ".join([f"(account_id = {mark} AND award_id = {mark})"] * len(subledgers))
        parts.append(
            "SELECT 2, account_id, award_id, currency, balance, original_balance,"
            f" CAST(NULL AS VARCHAR) FROM subledger_balances WHERE {where}"
        )
        for pair in subledgers:
            params += list(pair)
    found_tail = None
    balances: dict[int, tuple[int, int]] = {}
    rows: dict[tuple[int, int], tuple[str, int, int]] = {}
    if not parts:
        return found_tail, balances, rows
    result = session.connection().exec_driver_sql(" UNION ALL ".join(parts), tuple(params))
    for kind, a, b, s, x, y, h in result:
        if kind == 0:
            found_tail = (s, int(x or 0), h)
        elif kind == 1:
            balances[a] = (int(x), int(y))
        else:
            rows[(a, b)] = (s, int(x), int(y))
    return found_tail, balances, rows


def write(session: Session, work: Write) -> None:
    if is_postgres(session):
        for start in range(0, max(len(work.entries), 1), CHUNK):
            _write_postgres(session, work, start)
    else:
        _write_sqlite(session, work)


def _write_postgres(session: Session, work: Write, start: int) -> None:
    """One statement per chunk of entries; the balances and the head go with the last.

    Rows travel as one array per column (``unnest``), so the statement's text is the
    same whatever the number of rows: the driver prepares it once and binds a handful
    of parameters, not one per value. One entry's few rows go as plain ``VALUES``
    instead: the driver dumps a scalar parameter about 20 times faster than an array
    (70 us less per award), and the texts stay few (one per shape of entry).
    """
    entries = work.entries[start : start + CHUNK]
    if entries:
        first, last_number = entries[0][0], entries[-1][0]
        postings = [p for p in work.postings if first <= p[0] <= last_number]
    else:
        postings = []
    last = start + CHUNK >= len(work.entries)
    params: list = []
    ctes = []
    if entries:
        ctes.append(
            _insert_cte("e", "journal_entries", ENTRY_COLUMNS, _ENTRY_TYPES, entries, params)
        )
        ctes.append(_insert_cte("p", "postings", POSTING_COLUMNS, _POSTING_TYPES, postings, params))
    if last:
        ctes.append(
            "h AS (UPDATE journal_head SET last_number = %s, last_hash = %s WHERE id = 1"
            " RETURNING 1)"
        )
        params += list(work.head)
        if work.accounts:
            rows = [(a, *d) for a, d in sorted(work.accounts.items())]
            ctes.append(_add_cte("b", "account_balances", ACCOUNT_KEY, ACCOUNT_ADDED, rows, params))
        if work.subledger_updates:
            rows = [(*k, *d) for k, d in sorted(work.subledger_updates.items())]
            ctes.append(
                _add_cte("s", "subledger_balances", SUBLEDGER_KEY, SUBLEDGER_ADDED, rows, params)
            )
        if work.subledger_inserts:
            rows = [(*k, *v) for k, v in sorted(work.subledger_inserts.items())]
            types = ("INTEGER", "INTEGER", "VARCHAR", "BIGINT", "BIGINT")
            columns = ("account_id", "award_id", "currency", "balance", "original_balance")
            ctes.append(_insert_cte("i", "subledger_balances", columns, types, rows, params))
    if not ctes:
        return
    session.connection().exec_driver_sql(f"WITH {', '.join(ctes)} SELECT 1", tuple(params))


def _add_cte(name, table, keys, added, rows, params) -> str:
    """``UPDATE table`` adding to each ``added`` column the delta of the row with its
    ``keys``; ``keys`` and ``added`` are (column, type) pairs, ``rows`` keys then deltas."""
    columns = [column for column, _ in (*keys, *added)]
    types = [kind for _, kind in (*keys, *added)]
    sets = ", ".join(f"{column} = t.{column} + v.{column}" for column, _ in added)
    where = " AND ".join(f"t.{column} = v.{column}" for column, _ in keys)
    return (
        f"{name} AS (UPDATE {table} AS t SET {sets}"
        f" FROM {_unnest(rows, types, params)} AS v({', '.join(columns)})"
        f" WHERE {where} RETURNING 1)"
    )


def _insert_cte(name, table, columns, types, rows, params) -> str:
    return (
        f"{name} AS (INSERT INTO {table} ({', '.join(columns)})"
        f" SELECT * FROM {_unnest(rows, types, params)} AS v RETURNING 1)"
    )


def _unnest(rows: Sequence[tuple], types: Sequence[str], params: list) -> str:
    """``rows`` as a table: ``unnest(%s::T1[], %s::T2[], …)``, one array parameter per
    column; a few rows (:data:`FEW_ROWS`, one entry's) as ``(VALUES (%s::T1, …), …)``."""
    if len(rows) <= FEW_ROWS:
        params.extend(value for row in rows for value in row)
        row = "(" + ", ".join(f"%s::{t}" for t in types) + ")"
        return f"(VALUES {', '.join([row] * len(rows))})"
    params.extend(list(column) for column in zip(*rows, strict=True))
    return "unnest(" + ", ".join(f"%s::{t}[]" for t in types) + ")"


def _write_sqlite(session: Session, work: Write) -> None:
    connection = session.connection()
    run = connection.exec_driver_sql
    if work.entries:
        run(
            f"INSERT INTO journal_entries ({', '.join(ENTRY_COLUMNS)}) VALUES "
            f"({', '.join('?' * len(ENTRY_COLUMNS))})",
            [_sqlite_row(row) for row in work.entries],
        )
        run(
            f"INSERT INTO postings ({', '.join(POSTING_COLUMNS)}) VALUES "
            f"({', '.join('?' * len(POSTING_COLUMNS))})",
            work.postings,
        )
    run("UPDATE journal_head SET last_number = ?, last_hash = ? WHERE id = 1", work.head)
    if work.accounts:
        rows = [(a, *d) for a, d in sorted(work.accounts.items())]
        run(
            f"WITH v(id, d, o, n) AS (VALUES {', '.join(['(?, ?, ?, ?)'] * len(rows))})"
            " UPDATE account_balances SET balance = account_balances.balance + v.d,"
            " original_balance = account_balances.original_balance + v.o,"
            " postings = account_balances.postings + v.n"
            " FROM v WHERE account_balances.account_id = v.id",
            tuple(x for row in rows for x in row),
        )
    if work.subledger_updates:
        run(
            "UPDATE subledger_balances SET balance = balance + ?,"
            " original_balance = original_balance + ? WHERE account_id = ? AND award_id = ?",
            [(*d, *k) for k, d in sorted(work.subledger_updates.items())],
        )
    if work.subledger_inserts:
        run(
            "INSERT INTO subledger_balances"
            " (account_id, award_id, currency, balance, original_balance) VALUES (?, ?, ?, ?, ?)",
            [(*k, *v) for k, v in sorted(work.subledger_inserts.items())],
        )


def insert_audit_events(session: Session, rows: list[tuple]) -> None:
    """The audit log's new rows, in one statement (``executemany``)."""
    pg = is_postgres(session)
    mark = "%s" if pg else "?"
    sql = (
        f"INSERT INTO audit_events ({', '.join(AUDIT_COLUMNS)}) VALUES "
        f"({', '.join([mark] * len(AUDIT_COLUMNS))})"
    )
    if not pg:
        rows = [_sqlite_row(row) for row in rows]
    connection = session.connection()
    if len(rows) == 1:
        connection.exec_driver_sql(sql, rows[0])
    else:
        connection.exec_driver_sql(sql, rows)


def _sqlite_row(row: tuple) -> tuple:
    """Dates and times as SQLAlchemy's SQLite types store them (ISO text)."""
    return tuple(_sqlite_value(v) for v in row)


def _sqlite_value(value):
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value
