"""verify_journal finds every single-field alteration of the journal, naming the entry.

The database refuses UPDATE and DELETE on the journal tables, so to play the
attacker (or the careless DBA) the tests put those guards out of the way the
way someone with full access could: PostgreSQL's
``session_replication_role = replica`` (which also disables foreign keys) in
the altering transaction; on SQLite, dropping the ``<table>_no_update`` /
``_no_delete`` triggers (foreign keys off), altering, and recreating the
triggers from the SQL captured from ``sqlite_master`` beforehand.

Each alteration is undone afterwards and verify must be clean again, which
shows the alteration alone caused the finding; one journal serves many fields.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy import text

from ledger.chart import get_account
from ledger.journal import Line, post_entry
from ledger.models import GENESIS_HASH, JournalHead
from ledger.money import Money
from ledger.verify import verify_journal
from tests.conftest import BACKEND, named

Run = Callable[..., list | None]


@contextmanager
def guards_off(engine, *tables: str) -> Iterator[Run]:
    """Yield ``run(sql, **params)`` executing with the append-only guards of ``tables`` off."""
    if BACKEND == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("SET LOCAL session_replication_role = replica"))

            def run(sql: str, **params):
                result = connection.execute(text(sql), params)
                return result.all() if result.returns_rows else None

            yield run
        return
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        marks = ", ".join(f"'{table}'" for table in tables)
        triggers = cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            f"AND tbl_name IN ({marks}) AND (name LIKE '%_no_update' OR name LIKE '%_no_delete')"
        ).fetchall()
        assert len(triggers) == 2 * len(tables)
        cursor.execute("PRAGMA foreign_keys = OFF")  # only outside a transaction
        cursor.execute("BEGIN")
        for name, _ in triggers:
            cursor.execute(f"DROP TRIGGER {name}")

        def run(sql: str, **params):
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else None

        yield run
        for _, sql in triggers:
            cursor.execute(sql)
        cursor.execute("COMMIT")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()
    finally:
        raw.close()


def verify(session_factory):
    with session_factory() as session:
        return verify_journal(session)


def names_entry(problem: str, number: int) -> bool:
    return re.search(rf"\bentry {number}\b", problem) is not None


D = date(2026, 1, 5)


def build_journal(db) -> None:
    """Four entries: a donation, a USD award, a payment in three legs, a custody cost."""
    dims = {"award_id": 7, "victim_id": 3, "case_id": 2}

    def post(day, lines, **kwargs):
        post_entry(
            db, value_date=day, memo="m", event="e.v", lines=lines, actor=named("admin"), **kwargs
        )

    post(
        date(2026, 1, 5),
        [Line.debit("1000", 500000), Line.credit("4200", 500000)],
        source=("receipt", 1),
        idempotency_key="don-1",
    )
    post(
        date(2026, 1, 6),
        [
            Line.debit("5000", 100000, Money(117210, "USD"), **dims),
            Line.credit("2000", 100000, Money(117210, "USD"), **dims),
        ],
    )
    post(
        date(2026, 1, 7),
        [
            Line.debit("2000", 50000, Money(58605, "USD"), **dims),
            Line.debit("5300", 500),
            Line.credit("1000", 50500),
        ],
    )
    post(
        date(2026, 1, 8),
        [Line.debit("5200", 1000, asset_id=4, case_id=2), Line.credit("1000", 1000)],
    )
    db.commit()


def test_an_intact_journal_verifies(db, session_factory):
    result = verify(session_factory)
    assert result.ok and result.entries == 0 and result.head_hash == GENESIS_HASH
    build_journal(db)
    result = verify(session_factory)
    assert result.problems == []
    assert result.ok and result.entries == 4
    head = db.get(JournalHead, 1)
    assert result.as_json() == {
        "ok": True,
        "entries": 4,
        "head_hash": head.last_hash,
        "checkpoints": 0,
        "problems": [],
    }
    assert head.last_hash != GENESIS_HASH


#: Field -> SQL expression that changes it (the same on both engines unless a pair is given).
ENTRY_CHANGES = {
    "value_date": ("date(value_date, '+1 day')", "value_date + 1"),
    "posted_at": ("'2001' || substr(posted_at, 5)", "posted_at - interval '25 years'"),
    "memo": "memo || ' (edited)'",
    "event": "event || 'x'",
    "source_type": "'tampered'",
    "source_id": "coalesce(source_id, 0) + 1",
    "created_by": "'mallory'",
    "idempotency_key": "'stolen-key'",
    "reverses": "1",
    "prev_hash": "CASE WHEN substr(prev_hash, 1, 1) = 'a' THEN 'b' ELSE 'a' END"
    " || substr(prev_hash, 2)",
    "hash": "CASE WHEN substr(hash, 1, 1) = 'a' THEN 'b' ELSE 'a' END || substr(hash, 2)",
    "number": "number + 100",
}

POSTING_CHANGES = {
    "amount": "amount * 2",
    "original_amount": "original_amount * 2",
    "currency": "CASE WHEN currency = 'GBP' THEN 'CHF' ELSE 'GBP' END",
    "account_id": ":other_account",
    "line": "line + 10",
    "case_id": "coalesce(case_id, 0) + 1",
    "victim_id": "coalesce(victim_id, 0) + 1",
    "award_id": "coalesce(award_id, 0) + 1",
    "asset_id": "coalesce(asset_id, 0) + 1",
    "entry_number": "entry_number + 1",
}


def expression(change) -> str:
    if isinstance(change, tuple):
        return change[0] if BACKEND == "sqlite" else change[1]
    return change


def alter_and_verify(engine, session_factory, table, key, key_value, column, change, **params):
    """Alter one field, verify, undo; return (problems while altered, problems after undo)."""
    # Changing the number changes the key by which the row is found afterwards.
    new_key = key_value + 100 if column == key == "number" else key_value
    select_sql = f"SELECT {column} FROM {table} WHERE {key} = :k"
    with guards_off(engine, table) as run:
        (original,) = run(select_sql, k=key_value)[0]
        change_sql = f"UPDATE {table} SET {column} = {expression(change)} WHERE {key} = :k"
        run(change_sql, k=key_value, **params)
        (altered,) = run(select_sql, k=new_key)[0]
        assert altered != original, f"{column} did not change"
    problems = verify(session_factory).problems
    with guards_off(engine, table) as run:
        run(f"UPDATE {table} SET {column} = :v WHERE {key} = :k", v=original, k=new_key)
    return problems, verify(session_factory).problems


def test_every_field_of_an_entry_is_covered(db, engine, session_factory):
    build_journal(db)
    failures = []
    for column, change in ENTRY_CHANGES.items():
        problems, after = alter_and_verify(
            engine, session_factory, "journal_entries", "number", 2, column, change
        )
        if not problems:
            failures.append(f"{column}: not detected")
        elif not names_entry(problems[0], 2):
            failures.append(f"{column}: first problem does not name entry 2: {problems[0]}")
        if after:
            failures.append(f"{column}: still wrong after undoing: {after}")
    assert failures == []


def test_every_field_of_a_posting_is_covered(db, engine, session_factory):
    build_journal(db)
    other = get_account(db, "5500").id
    ids = {
        line: posting_id
        for line, posting_id in db.execute(
            text("SELECT line, id FROM postings WHERE entry_number = 3")
        ).all()
    }
    db.commit()
    failures = []
    for column, change in POSTING_CHANGES.items():
        # Moving line 3 of entry 3 into entry 4 keeps (entry, line) unique.
        posting = ids[3] if column == "entry_number" else ids[1]
        problems, after = alter_and_verify(
            engine, session_factory, "postings", "id", posting, column, change, other_account=other
        )
        if not problems:
            failures.append(f"{column}: not detected")
        elif not names_entry(problems[0], 3):
            failures.append(f"{column}: first problem does not name entry 3: {problems[0]}")
        if after:
            failures.append(f"{column}: still wrong after undoing: {after}")
    assert failures == []


def test_a_deleted_entry_leaves_a_gap(db, engine, session_factory):
    build_journal(db)
    with guards_off(engine, "journal_entries", "postings") as run:
        run("DELETE FROM postings WHERE entry_number = 2")
        run("DELETE FROM journal_entries WHERE number = 2")
    problems = verify(session_factory).problems
    assert problems and names_entry(problems[0], 3) and "expected entry 2" in problems[0]
    # The stored balances no longer match the postings either.
    assert any(p.startswith("account 5000:") for p in problems)


def test_a_deleted_last_entry_is_caught_by_the_head(db, engine, session_factory):
    build_journal(db)
    with guards_off(engine, "journal_entries", "postings") as run:
        run("DELETE FROM postings WHERE entry_number = 4")
        run("DELETE FROM journal_entries WHERE number = 4")
    problems = verify(session_factory).problems
    assert any(p.startswith("journal head") and names_entry(p, 4) for p in problems)


def test_tampered_running_balances(db, engine, session_factory):
    build_journal(db)
    ids = {code: get_account(db, code).id for code in ("1000", "2000", "5000")}
    db.commit()
    balances = "UPDATE account_balances SET {} WHERE account_id = {}"
    awards = "UPDATE subledger_balances SET {} WHERE account_id = {} AND award_id = 7"
    checks = [
        # (alteration, its undoing, how the problem starts)
        (
            balances.format("balance = balance + 1", ids["5000"]),
            balances.format("balance = balance - 1", ids["5000"]),
            "account 5000:",
        ),
        # The original-currency total of a fixed-currency account.
        (
            balances.format("original_balance = original_balance - 1", ids["1000"]),
            balances.format("original_balance = original_balance + 1", ids["1000"]),
            "account 1000:",
        ),
        # The award subledger: functional and original (USD) balance of award 7.
        (
            awards.format("balance = balance - 1", ids["2000"]),
            awards.format("balance = balance + 1", ids["2000"]),
            "account 2000, award 7:",
        ),
        (
            awards.format("original_balance = original_balance - 1", ids["2000"]),
            awards.format("original_balance = original_balance + 1", ids["2000"]),
            "account 2000, award 7:",
        ),
        (
            "UPDATE journal_head SET last_number = 3",
            "UPDATE journal_head SET last_number = 4",
            "journal head says entry 3",
        ),
    ]
    failures = []
    for alteration, undo, expected in checks:
        with engine.begin() as connection:
            connection.execute(text(alteration))
        problems = verify(session_factory).problems
        if len(problems) != 1 or not problems[0].startswith(expected):
            failures.append(f"{alteration}: {problems}")
        with engine.begin() as connection:
            connection.execute(text(undo))
        if not verify(session_factory).ok:
            failures.append(f"{alteration}: not clean after undoing")
    assert failures == []


def test_tampered_subledger_currency(db, engine, session_factory):
    build_journal(db)
    with engine.begin() as connection:
        connection.execute(text("UPDATE subledger_balances SET currency = 'GBP'"))
    problems = verify(session_factory).problems
    assert any("award 7" in p for p in problems)


# -- the streamed verify (issue 11, point 4) -------------------------------------------------


def test_the_streamed_canonical_form_is_byte_identical_to_the_chain(db):
    """ledger.verify_stream.canonical_json gives chain.canonical_json's bytes, and the stored
    hashes, on real entries: both engines' rows, ORM objects and raw streamed rows, with
    NULL and set dimensions, sources, idempotency keys, foreign currency, escapes."""
    import hashlib

    from ledger import chain, verify_stream
    from ledger.models import JournalEntry

    build_journal(db)
    post_entry(
        db,
        value_date=date(2026, 1, 9),
        memo='quote " backslash \\ tab \t newline \n é 日本 \u2028',
        event="e.v",
        lines=[Line.debit("1000", 7), Line.credit("4200", 7)],
        actor=named('ad"min'),
    )
    db.commit()
    codes = {a.id: a.code for a in [get_account(db, c) for c in ("1000", "2000", "4200")]}
    codes |= {p.account_id: p.account.code for e in db.query(JournalEntry) for p in e.postings}
    streamed = list(verify_stream.stream_entries(db))
    assert len(streamed) == 5
    for entry, rows in streamed:
        orm = db.get(JournalEntry, entry[verify_stream.NUMBER])
        names = [codes[p.account_id] for p in orm.postings]
        expected = chain.canonical_json(orm, orm.postings, names)
        assert verify_stream.canonical_json(orm, orm.postings, names) == expected
        streamed_json = verify_stream.canonical_json_of_rows(entry, rows, codes)
        assert streamed_json.encode("utf-8") == expected.encode("utf-8")
        assert verify_stream.entry_hash(orm, orm.postings, names) == orm.hash
        assert hashlib.sha256((orm.prev_hash + streamed_json).encode()).hexdigest() == orm.hash


def test_verify_from_a_signed_checkpoint_checks_what_follows(db, engine, session_factory):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ledger.checkpoints import read_heads, sign
    from ledger.verify import last_signed_checkpoint

    key = Ed25519PrivateKey.generate()
    build_journal(db)
    checkpoint = sign(key, read_heads(db), "test")
    assert last_signed_checkpoint([checkpoint], key.public_key()) == checkpoint
    other = Ed25519PrivateKey.generate()
    assert last_signed_checkpoint([checkpoint], other.public_key()) is None
    post_entry(
        db,
        value_date=D,
        memo="after",
        event="e.v",
        lines=[Line.debit("1000", 3), Line.credit("4200", 3)],
        actor=named("admin"),
    )
    db.commit()
    with session_factory() as session:
        full, since = verify_journal(session), verify_journal(session, since=checkpoint)
    assert full.problems == since.problems == []
    assert (since.entries, since.head_hash) == (full.entries, full.head_hash) == (5, full.head_hash)
    # An entry after the checkpoint is still checked; one before it is covered by its hash.
    with guards_off(engine, "journal_entries") as run:
        run("UPDATE journal_entries SET memo = 'changed' WHERE number = 5")
    with session_factory() as session:
        problems = verify_journal(session, since=checkpoint).problems
    assert any(names_entry(p, 5) for p in problems), problems
    with guards_off(engine, "journal_entries") as run:
        run("UPDATE journal_entries SET memo = 'after' WHERE number = 5")
    # Balances are still checked in full, before the checkpoint too.
    with guards_off(engine) as run:
        run(
            "UPDATE account_balances SET balance = balance + 1 WHERE account_id = "
            "(SELECT id FROM accounts WHERE code = '4200')"
        )
    with session_factory() as session:
        problems = verify_journal(session, since=checkpoint).problems
    assert any("account 4200" in p for p in problems), problems
    with guards_off(engine) as run:
        run(
            "UPDATE account_balances SET balance = balance - 1 WHERE account_id = "
            "(SELECT id FROM accounts WHERE code = '4200')"
        )
    # What the incremental check trusts: a row before the checkpoint changed in place (its
    # stored hash kept) is for the full verify to find; the incremental one reads after it.
    with guards_off(engine, "journal_entries") as run:
        run("UPDATE journal_entries SET memo = 'x' WHERE number = 2")
    with session_factory() as session:
        assert verify_journal(session, since=checkpoint).problems == []
        assert any(names_entry(p, 2) for p in verify_journal(session).problems)
    with guards_off(engine, "journal_entries") as run:
        run("UPDATE journal_entries SET memo = 'm' WHERE number = 2")
    # The checkpointed entry rewritten: the checkpoint is named, and the whole chain checked.
    stored = checkpoint.journal_head
    forged = ("b" if stored[0] == "a" else "a") + stored[1:]
    with guards_off(engine, "journal_entries") as run:
        run("UPDATE journal_entries SET hash = :h WHERE number = 4", h=forged)
    with session_factory() as session:
        problems = verify_journal(session, since=checkpoint).problems
    assert any("the whole chain was checked" in p for p in problems), problems
    assert any(names_entry(p, 4) for p in problems), problems
    with guards_off(engine, "journal_entries") as run:
        run("UPDATE journal_entries SET hash = :h WHERE number = 4", h=stored)
    with session_factory() as session:
        assert verify_journal(session, since=checkpoint).problems == []
