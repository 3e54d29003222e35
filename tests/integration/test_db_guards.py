"""The database itself refuses what the ledger core refuses (SPEC §2: "AND by the database").

Everything here goes around the ledger: raw SQL through the engine, as a
script, a console session or a buggy migration would.
"""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from ledger.chart import get_account
from ledger.journal import Line, post_entry
from ledger.periods import close_month
from tests.conftest import BACKEND, named

postgres_only = pytest.mark.postgres_only


def build(db) -> dict[str, int]:
    """Two entries in January 2026, December 2025 closed; return account ids by code."""
    for lines in (
        [Line.debit("1000", 100000), Line.credit("4200", 100000)],
        [Line.debit("5000", 40000, award_id=7), Line.credit("2000", 40000, award_id=7)],
    ):
        post_entry(
            db,
            value_date=date(2026, 1, 5),
            memo="m",
            event="e.v",
            lines=lines,
            actor=named("admin"),
        )
    close_month(db, "2025-12", actor=named("admin"), today=date(2026, 1, 10))
    ids = {code: get_account(db, code).id for code in ("1000", "2000", "4200", "5000", "5500")}
    db.commit()
    return ids


def fake_hash(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()


def insert_entry(connection, number: int, day: str) -> None:
    connection.execute(
        text(
            "INSERT INTO journal_entries (number, value_date, posted_at, memo, event, "
            "created_by, prev_hash, hash) VALUES (:n, :d, :t, 'raw', 'raw.insert', 'dba', :p, :h)"
        ),
        {
            "n": number,
            "d": day,
            "t": day + " 10:00:00",
            "p": "0" * 64,
            "h": fake_hash(f"{number}{day}"),
        },
    )


def insert_posting(connection, number: int, line: int, account: int, amount: int, original=None):
    connection.execute(
        text(
            "INSERT INTO postings (entry_number, line, account_id, amount, original_amount, "
            "currency) VALUES (:n, :l, :a, :m, :o, 'EUR')"
        ),
        {
            "n": number,
            "l": line,
            "a": account,
            "m": amount,
            "o": amount if original is None else original,
        },
    )


def refused(engine, sql: str, params=None) -> str:
    """Run ``sql`` in its own transaction; it must fail; return the database's message."""
    with pytest.raises(DBAPIError) as caught, engine.begin() as connection:
        connection.execute(text(sql), params or {})
    return str(caught.value.orig)


def snapshot(engine) -> list:
    with engine.connect() as connection:
        return [
            connection.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2")).all()
            for table in ("journal_entries", "postings", "periods", "account_balances")
        ]


# -- append-only -------------------------------------------------------------------------------

APPEND_ONLY = [
    "UPDATE journal_entries SET memo = 'edited' WHERE number = 1",
    "UPDATE journal_entries SET value_date = value_date",  # even a no-op update
    "DELETE FROM journal_entries WHERE number = 2",
    "DELETE FROM journal_entries",
    "UPDATE postings SET amount = amount * 2, original_amount = original_amount * 2",
    "UPDATE postings SET award_id = 8 WHERE award_id = 7",
    "DELETE FROM postings WHERE entry_number = 2",
    "UPDATE periods SET month = '2026-01'",
    "UPDATE periods SET closed_by = 'someone else'",
    "DELETE FROM periods",
]


def test_journal_rows_are_never_updated_or_deleted(db, engine):
    build(db)
    before = snapshot(engine)
    failures = []
    for sql in APPEND_ONLY:
        try:
            with engine.begin() as connection:
                connection.execute(text(sql))
            failures.append(f"{sql}: allowed")
        except IntegrityError as exc:
            if "append-only" not in str(exc.orig):
                failures.append(f"{sql}: refused for another reason: {exc.orig}")
    assert failures == []
    assert snapshot(engine) == before


@postgres_only
def test_truncate_is_refused_on_postgresql(db, engine):
    build(db)
    before = snapshot(engine)
    for table in ("postings", "journal_entries CASCADE", "periods"):
        message = refused(engine, f"TRUNCATE {table}")
        assert "append-only" in message, table
    assert snapshot(engine) == before


# -- an entry sums to zero with two or more postings (PostgreSQL: deferred constraint trigger) ---


@postgres_only
def test_unbalanced_raw_entries_are_refused_at_commit(db, engine):
    ids = build(db)
    before = snapshot(engine)
    cases = {
        "one posting": [(ids["5500"], 100)],
        "two postings off by one cent": [(ids["5500"], 100), (ids["4200"], -99)],
        "no posting at all": [],
    }
    for name, legs in cases.items():
        with engine.connect() as connection:
            transaction = connection.begin()
            insert_entry(connection, 3, "2026-02-02")
            for line, (account, amount) in enumerate(legs, start=1):
                insert_posting(connection, 3, line, account, amount)
            # Deferred: each statement passes; the COMMIT is refused.
            with pytest.raises(IntegrityError) as caught:
                transaction.commit()
            assert "unbalanced" in str(caught.value.orig), name
    assert snapshot(engine) == before
    # A postings row added later to an already balanced entry is refused too.
    with pytest.raises(IntegrityError), engine.begin() as connection:
        insert_posting(connection, 1, 3, ids["5500"], 1)
    # A balanced raw entry does commit: the trigger checks sums, it does not refuse everything.
    with engine.begin() as connection:
        insert_entry(connection, 3, "2026-02-02")
        insert_posting(connection, 3, 1, ids["5500"], 100)
        insert_posting(connection, 3, 2, ids["4200"], -100)
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM journal_entries")) == 3


def test_posting_check_constraints(db, engine):
    ids = build(db)
    cases = [
        (0, 0, "ck_postings_not_zero"),
        (100, -117, "ck_postings_same_sign"),  # functional and original of opposite signs
    ]
    for amount, original, constraint in cases:
        with pytest.raises(IntegrityError) as caught, engine.begin() as connection:
            insert_entry(connection, 3, "2026-02-02")
            insert_posting(connection, 3, 1, ids["5500"], amount, original)
        assert constraint in str(caught.value.orig)
    # An entry cannot reverse itself or a later entry.
    message = refused(
        engine,
        "INSERT INTO journal_entries (number, value_date, posted_at, memo, event, created_by, "
        "prev_hash, hash, reverses) VALUES (3, :d, :t, 'm', 'e', 'dba', :p, :h, 3)",
        {"d": "2026-02-02", "t": "2026-02-02 10:00:00", "p": "0" * 64, "h": fake_hash("x")},
    )
    assert "ck_journal_entries_reverses_earlier" in message


# -- no entry in a closed period (both engines) ---------------------------------------------------


def test_raw_entry_in_a_closed_month_is_refused(db, engine):
    build(db)  # 2025-12 is closed, and with it every month before
    for day in ("2025-12-31", "2025-12-01", "2024-06-15"):
        with pytest.raises(IntegrityError) as caught, engine.begin() as connection:
            insert_entry(connection, 3, day)
        assert "closed period" in str(caught.value.orig), day
    # January is open: the insert itself passes (rolled back: it has no postings).
    with engine.connect() as connection, connection.begin() as transaction:
        insert_entry(connection, 3, "2026-01-01")
        transaction.rollback()


# -- no overdraft (both engines) ---------------------------------------------------------------


def test_raw_updates_that_overdraw_are_refused(db, engine):
    ids = build(db)
    before = snapshot(engine)
    failures = []
    for sql in (
        f"UPDATE account_balances SET balance = -1 WHERE account_id = {ids['1000']}",
        f"UPDATE account_balances SET original_balance = -1 WHERE account_id = {ids['1000']}",
        f"UPDATE account_balances SET balance = balance - 100001 WHERE account_id = {ids['1000']}",
        # Award 7 is owed EUR 400.00: its liability may not turn into a debit.
        f"UPDATE subledger_balances SET balance = 1 WHERE account_id = {ids['2000']}",
        f"UPDATE subledger_balances SET original_balance = 1 WHERE account_id = {ids['2000']}",
        "INSERT INTO subledger_balances (account_id, award_id, currency, balance, "
        f"original_balance) VALUES ({ids['2000']}, 8, 'EUR', 5, 5)",
    ):
        try:
            with engine.begin() as connection:
                connection.execute(text(sql))
            failures.append(f"{sql}: allowed")
        except IntegrityError as exc:
            if "overdrawn" not in str(exc.orig):
                failures.append(f"{sql}: refused for another reason: {exc.orig}")
    assert failures == []
    assert snapshot(engine) == before
    # Accounts without the rule may go either way; 1000 may go down to exactly zero.
    with engine.connect() as connection, connection.begin() as transaction:
        connection.execute(
            text(f"UPDATE account_balances SET balance = -5 WHERE account_id = {ids['5500']}")
        )
        connection.execute(
            text(
                "UPDATE account_balances SET balance = 0, original_balance = 0 "
                f"WHERE account_id = {ids['1000']}"
            )
        )
        transaction.rollback()


def test_the_guards_exist_on_this_engine(engine):
    """A guard test must not pass because the guards were never there."""
    with engine.connect() as connection:
        if BACKEND == "postgresql":
            names = set(
                connection.scalars(
                    text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
                ).all()
            )
            expected = {
                "journal_entries_append_only",
                "postings_append_only",
                "periods_append_only",
                "journal_entries_no_truncate",
                "postings_no_truncate",
                "periods_no_truncate",
                "journal_entries_balanced",
                "postings_balanced",
                "journal_entries_period_open",
                "account_balances_no_overdraft",
                "subledger_balances_no_overdraft",
            }
        else:
            names = set(
                connection.scalars(
                    text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                ).all()
            )
            expected = {
                f"{table}_no_{op}"
                for table in ("journal_entries", "postings", "periods")
                for op in ("update", "delete")
            } | {
                "journal_entries_period_open",
                "account_balances_no_overdraft_insert",
                "account_balances_no_overdraft_update",
                "subledger_balances_no_overdraft_insert",
                "subledger_balances_no_overdraft_update",
            }
    assert expected <= names
