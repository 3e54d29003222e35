"""Any single-field change to a table that holds money or state is found by verify.

On a small fund with every kind of record (:func:`build_fund`: the demo's assets,
awards and payments in every state, plus an approved and a rejected payment, a
cancellation, a receipt and an expense), hypothesis picks a table, a row, a column
and a new value; the change is made in SQL with the database's guards out of the
way (as its owner or a superuser can), :func:`ledger.verify.verify_books` must
report a problem, and once the change is undone it must be clean again. A change
the database itself refuses (a CHECK constraint) is not a tampering verify has to
see; such examples are discarded.

The columns come from the models (``Base.metadata``), all of them, but for these:

- tables outside the books: ``users``, ``api_tokens``, ``setup_links`` (who may sign
  in: access control, not money; their steps are in the audit log, their rows are
  not summaries of it), ``idempotent_requests`` (a cache of first responses to
  replay) and ``fx_rates`` (reference rates; every amount converted with one is
  carried, converted, by its entry);
- clock readings taken when a row is written that no entry or audit event records
  (the event keeps its own time): every ``created_at``, ``disbursements.proposed_at``
  and ``approved_at`` (only whether it is set is checked), ``periods.closed_at``;
- ``victims.pii`` and ``pii_key_id``: the encrypted personal data, which by design
  never reaches an entry or the audit log (key rotation rewrites them);
- ``fund.name``: free text that nothing records;
- ``postings.id``: a surrogate key nothing refers to; a posting is its entry's number
  and its line, both in the hash;
- ``distributions.decided_on``: its audit event does not record it (yet).
"""

from __future__ import annotations

import os
import sqlite3
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, assume, event, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Integer,
    SmallInteger,
    String,
    Text,
    select,
)
from sqlalchemy import exc as sa_exc

from ledger.models import Base
from ledger.models.registers import (
    ASSET_KINDS,
    ASSET_STATES,
    AWARD_STATES,
    DISBURSEMENT_STATES,
    PAYMENT_METHODS,
)
from tests.integration.test_verify import guards_off
from tests.integration.test_verify_registers import build_fund, check

#: The tables the database guards with triggers (append-only).
GUARDED = ("audit_events", "journal_entries", "postings", "periods")
OUTSIDE = {"users", "api_tokens", "setup_links", "idempotent_requests", "fx_rates"}
SKIPPED = {
    ("disbursements", "proposed_at"),
    ("disbursements", "approved_at"),
    ("periods", "closed_at"),
    ("victims", "pii"),
    ("victims", "pii_key_id"),
    ("fund", "name"),
    ("postings", "id"),
    ("distributions", "decided_on"),
}
#: Columns whose values a CHECK limits to a list: any other value of the list.
CHOICES = {
    ("awards", "status"): AWARD_STATES,
    ("disbursements", "status"): DISBURSEMENT_STATES,
    ("disbursements", "method"): PAYMENT_METHODS,
    ("victims", "payment_method"): PAYMENT_METHODS,
    ("assets", "state"): ASSET_STATES,
    ("assets", "kind"): ASSET_KINDS,
    ("cash_movements", "direction"): ("receipt", "expense"),
    ("accounts", "type"): ("asset", "liability", "net_assets", "revenue", "expense"),
    ("accounts", "overdraft_scope"): ("account", "award", None),
}
CURRENCIES = ("EUR", "USD", "GBP", "CHF", "THB")


def watched_columns() -> list[tuple[str, str]]:
    return [
        (table.name, column.name)
        for table in Base.metadata.sorted_tables
        if table.name not in OUTSIDE
        for column in table.columns
        if column.name != "created_at" and (table.name, column.name) not in SKIPPED
    ]


COLUMNS = watched_columns()

SETTINGS = settings(
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
    deadline=None,
    # FUNDLEDGER_PROPERTY_EXAMPLES=500 for a longer hunt; 25 keeps the suite quick.
    max_examples=int(os.environ.get("FUNDLEDGER_PROPERTY_EXAMPLES", "25")),
)


def new_value(draw, table: str, column, original):
    """A value of the column's type that differs from ``original``."""
    key = (table, column.name)
    if key in CHOICES:
        return draw(st.sampled_from([v for v in CHOICES[key] if v != original]))
    if original is not None and column.nullable and draw(st.booleans()):
        return None
    kind = column.type
    if isinstance(kind, Boolean):
        return not original
    if isinstance(kind, Integer | BigInteger | SmallInteger):
        delta = draw(st.integers(1, 10**6)) * draw(st.sampled_from((1, -1)))
        return (original or 0) + delta
    if isinstance(kind, DateTime):
        return (original or datetime(2026, 1, 1)) + timedelta(seconds=draw(st.integers(1, 10**7)))
    if isinstance(kind, Date):
        return (original or date(2026, 1, 1)) + timedelta(days=draw(st.integers(-300, 300)) or 1)
    if isinstance(kind, String) and kind.length == 3:
        return draw(st.sampled_from([c for c in CURRENCIES if c != original]))
    if isinstance(kind, String | Text):
        if isinstance(original, str) and len(original) == 64 and column.name.endswith("hash"):
            return ("b" if original[0] == "a" else "a") + original[1:]
        return (original or "") + draw(st.sampled_from(("x", " ", "1")))
    raise AssertionError(f"{table}.{column.name}: no strategy for {kind!r}")


@pytest.fixture
def fund(runner, session_factory):
    build_fund(runner, session_factory)
    with session_factory() as session:
        rows = {}
        for table in Base.metadata.sorted_tables:
            if table.name not in OUTSIDE:
                keys = list(table.primary_key.columns)
                rows[table.name] = [
                    tuple(row) for row in session.execute(select(*keys).order_by(*keys))
                ]
    assert check(session_factory).problems == []
    return rows


@SETTINGS
@given(data=st.data())
def test_any_single_field_change_is_detected(data, fund, engine, session_factory):
    table_name, column_name = data.draw(st.sampled_from(COLUMNS), label="column")
    keys = fund[table_name]
    assume(keys)
    key = data.draw(st.sampled_from(keys), label="row")
    table = Base.metadata.tables[table_name]
    column = table.columns[column_name]
    key_columns = [c.name for c in table.primary_key.columns]
    where = " AND ".join(f"{name} = :k{i}" for i, name in enumerate(key_columns))
    params = {f"k{i}": value for i, value in enumerate(key)}
    with session_factory() as session:
        original = session.execute(
            select(column).where(*(table.c[n] == v for n, v in zip(key_columns, key, strict=True)))
        ).scalar_one()
    value = new_value(data.draw, table_name, column, original)
    note(f"{table_name}.{column_name} of {key}: {original!r} -> {value!r}")
    new_key = dict(params)
    if column_name in key_columns:
        new_key[f"k{key_columns.index(column_name)}"] = value
    try:
        with guards_off(engine, *GUARDED) as run:
            run(f"UPDATE {table_name} SET {column_name} = :v WHERE {where}", v=value, **params)
            read = f"SELECT {column_name} FROM {table_name} WHERE {where}"
            stored = run(read, **new_key) or run(read, **params)
    except (sa_exc.DBAPIError, sqlite3.IntegrityError):
        # A CHECK, or on SQLite a no-overdraft trigger (PostgreSQL's are off here).
        event("refused by the database")
        assume(False)
    if stored[0][0] == original:
        # PostgreSQL drops trailing spaces beyond a varchar's length: nothing changed.
        event("no change stored")
        assume(False)
    try:
        problems = check(session_factory).problems
        event(f"{table_name}.{column_name}")
        assert problems, f"{table_name}.{column_name} of {key} changed and not detected"
    finally:
        with guards_off(engine, *GUARDED) as run:
            run(f"UPDATE {table_name} SET {column_name} = :v WHERE {where}", v=original, **new_key)
    assert check(session_factory).problems == []


def sweep_values(table: str, column, original) -> list:
    """A few deterministic changes of one field: the next value, and NULL where allowed."""
    key = (table, column.name)
    if key in CHOICES:
        return [v for v in CHOICES[key] if v != original]
    kind, values = column.type, []
    if isinstance(kind, Boolean):
        values = [not original]
    elif isinstance(kind, Integer | BigInteger | SmallInteger):
        values = [(original or 0) + 1, (original or 0) - 1]
    elif isinstance(kind, DateTime):
        values = [(original or datetime(2026, 1, 1)) + timedelta(microseconds=1)]
    elif isinstance(kind, Date):
        values = [(original or date(2026, 1, 1)) + timedelta(days=1)]
    elif isinstance(kind, String) and kind.length == 3:
        values = [c for c in CURRENCIES if c != original][:2]
    elif isinstance(kind, String | Text):
        if isinstance(original, str) and len(original) == 64 and column.name.endswith("hash"):
            values = [("b" if original[0] == "a" else "a") + original[1:]]
        else:
            values = [(original or "") + "x"]
    if original is not None and column.nullable:
        values.append(None)
    return values


@pytest.mark.skipif(
    not os.environ.get("FUNDLEDGER_TAMPER_SWEEP"),
    reason="every field of every row, a few minutes: FUNDLEDGER_TAMPER_SWEEP=1",
)
def test_every_field_of_every_row_is_detected(fund, engine, session_factory):
    missed = []
    for table_name, column_name in COLUMNS:
        table = Base.metadata.tables[table_name]
        column = table.columns[column_name]
        key_columns = [c.name for c in table.primary_key.columns]
        where = " AND ".join(f"{name} = :k{i}" for i, name in enumerate(key_columns))
        for key in fund[table_name]:
            params = {f"k{i}": value for i, value in enumerate(key)}
            with session_factory() as session:
                original = session.execute(
                    select(column).where(
                        *(table.c[n] == v for n, v in zip(key_columns, key, strict=True))
                    )
                ).scalar_one()
            for value in sweep_values(table_name, column, original):
                new_key = dict(params)
                if column_name in key_columns:
                    new_key[f"k{key_columns.index(column_name)}"] = value
                try:
                    with guards_off(engine, *GUARDED) as run:
                        sql = f"UPDATE {table_name} SET {column_name} = :v WHERE {where}"
                        run(sql, v=value, **params)
                except (sa_exc.DBAPIError, sqlite3.IntegrityError):
                    continue
                try:
                    if not check(session_factory).problems:
                        change = f"{original!r} -> {value!r}"
                        missed.append(f"{table_name}.{column_name} {key}: {change}")
                finally:
                    with guards_off(engine, *GUARDED) as run:
                        sql = f"UPDATE {table_name} SET {column_name} = :v WHERE {where}"
                        run(sql, v=original, **new_key)
    assert missed == []
