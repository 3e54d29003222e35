"""The Alembic migrations are the schema (SPEC §8): no drift, reversible, guarded.

Schema-changing tests run on a scratch database of their own (a file on
SQLite; ``<test database>_scratch``, created and dropped here, on
PostgreSQL), so the shared test database is never downgraded.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, exc, func, insert, inspect, make_url, select, text, update

from ledger.balances import current_balances
from ledger.chart import seed_chart
from ledger.database import make_engine, make_sessionmaker
from ledger.fund import initialise_fund
from ledger.journal import Line, post_entry
from ledger.models import (
    Account,
    AccountBalance,
    Base,
    JournalEntry,
    Period,
    Posting,
    SubledgerBalance,
)
from ledger.models.base import utcnow
from ledger.periods import close_month
from ledger.verify import verify_journal
from migrations import alembic_config, current_revision, upgrade
from tests.conftest import BACKEND, named

SQLITE_TRIGGERS = {
    "journal_entries_no_update",
    "journal_entries_no_delete",
    "postings_no_update",
    "postings_no_delete",
    "periods_no_update",
    "periods_no_delete",
    "audit_events_no_update",
    "audit_events_no_delete",
    "journal_entries_period_open",
    "account_balances_no_overdraft_insert",
    "account_balances_no_overdraft_update",
    "subledger_balances_no_overdraft_insert",
    "subledger_balances_no_overdraft_update",
}
PG_TRIGGERS = {
    "journal_entries_append_only",
    "journal_entries_no_truncate",
    "postings_append_only",
    "postings_no_truncate",
    "periods_append_only",
    "periods_no_truncate",
    "audit_events_append_only",
    "audit_events_no_truncate",
    "journal_entries_balanced",
    "postings_balanced",
    "journal_entries_period_open",
    "account_balances_no_overdraft",
    "subledger_balances_no_overdraft",
}
PG_FUNCTIONS = {
    "fundledger_refuse_change",
    "fundledger_entry_balanced",
    "fundledger_period_open",
    "fundledger_no_overdraft",
}
DAY = date(2026, 3, 2)


@contextmanager
def scratch_postgres(url: str, suffix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database next to ``url``'s, dropped afterwards."""
    base = make_url(url)
    name = f"{base.database}_{suffix}"
    admin = create_admin_engine(base)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def create_admin_engine(base) -> Engine:
    return make_engine(
        base.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )


@pytest.fixture
def scratch_engine(request, tmp_path) -> Iterator[Engine]:
    """An empty database, not even migrated."""
    if BACKEND == "postgresql":
        with scratch_postgres(request.getfixturevalue("pg_url"), "scratch") as url:
            engine = make_engine(url)
            yield engine
            engine.dispose()
    else:
        engine = make_engine(f"sqlite:///{tmp_path / 'scratch.db'}")
        yield engine
        engine.dispose()


def drift(engine: Engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def triggers(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            rows = connection.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"))
        else:
            rows = connection.execute(text("SELECT name FROM sqlite_master WHERE type='trigger'"))
        return set(rows.scalars())


def functions(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(
            connection.scalars(
                text(
                    "SELECT proname FROM pg_proc JOIN pg_namespace n ON n.oid = pronamespace "
                    "WHERE nspname = 'public' AND proname LIKE 'fundledger%'"
                )
            )
        )


def expected_triggers() -> set[str]:
    return PG_TRIGGERS if BACKEND == "postgresql" else SQLITE_TRIGGERS


# -- the schema ------------------------------------------------------------------------


def test_migrated_schema_matches_the_models(scratch_engine):
    upgrade(scratch_engine)
    assert drift(scratch_engine) == []


def test_drift_is_detected(scratch_engine):
    """The comparison really looks: a column the migrations lack is reported."""
    upgrade(scratch_engine)
    with scratch_engine.begin() as connection:
        connection.execute(text("ALTER TABLE fx_rates ADD COLUMN note VARCHAR(20)"))
    assert [d[0] for d in drift(scratch_engine)] == ["remove_column"]


def test_one_head_and_the_database_is_at_it(scratch_engine):
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1
    assert current_revision(scratch_engine) is None
    upgrade(scratch_engine)
    assert current_revision(scratch_engine) == heads[0]
    upgrade(scratch_engine)  # again: nothing to do, nothing breaks
    assert current_revision(scratch_engine) == heads[0]
    assert drift(scratch_engine) == []


def test_guard_triggers_exist_after_upgrade(scratch_engine):
    upgrade(scratch_engine)
    assert expected_triggers() <= triggers(scratch_engine)
    if BACKEND == "postgresql":
        assert functions(scratch_engine) >= PG_FUNCTIONS


def test_downgrade_to_base_then_upgrade_again(scratch_engine):
    upgrade(scratch_engine)
    command.downgrade(alembic_config(scratch_engine), "base")

    assert current_revision(scratch_engine) is None
    assert set(inspect(scratch_engine).get_table_names()) <= {"alembic_version"}
    assert triggers(scratch_engine) == set()
    if BACKEND == "postgresql":
        assert functions(scratch_engine) == set()

    upgrade(scratch_engine)
    assert drift(scratch_engine) == []
    assert expected_triggers() <= triggers(scratch_engine)
    tables = set(inspect(scratch_engine).get_table_names())
    assert tables == set(Base.metadata.tables) | {"alembic_version"}


def revisions_base_to_head() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def test_every_migration_steps_down_and_up_again(scratch_engine):
    config = alembic_config(scratch_engine)
    for revision in revisions_base_to_head():
        command.upgrade(config, revision)
        command.downgrade(config, "-1")
        command.upgrade(config, revision)
        assert current_revision(scratch_engine) == revision
    assert drift(scratch_engine) == []


def test_upgrading_an_existing_fund_keeps_its_books(scratch_engine):
    """A fund posted to at an old revision still verifies after every later migration.

    The entry is posted by today's ``post_entry``, which appends the audit log's tail under
    the same lock (so it needs 0002's ``audit_events``): the oldest revision it runs on."""
    first, *later = revisions_base_to_head()[1:]
    upgrade(scratch_engine, first)
    sessions = make_sessionmaker(scratch_engine)
    with sessions.begin() as session:
        initialise_fund(session, name="Old Fund", functional_currency="EUR")
        seed_chart(session, "EUR")
        post_entry(
            session,
            value_date=DAY,
            memo="grant",
            event="receipt.grant",
            lines=[Line.debit("1000", 250_00), Line.credit("4200", 250_00)],
            actor=named("migration-test"),
        )
    with sessions() as session:
        before = verify_journal(session)
    assert before.ok and before.entries == 1

    upgrade(scratch_engine)
    with sessions() as session:
        after = verify_journal(session)
        assert current_balances(session)["1000"] == 250_00
    assert after.ok, after.problems
    assert (after.entries, after.head_hash) == (before.entries, before.head_hash)
    assert expected_triggers() <= triggers(scratch_engine)
    assert current_revision(scratch_engine) == (later or [first])[-1]


# -- the guards at work, on the shared test database ---------------------------------------


def refused(session, statement) -> str:
    """Run ``statement`` in a savepoint; return the database's refusal message."""
    with pytest.raises(exc.DBAPIError) as info, session.begin_nested():
        session.execute(statement)
    return str(info.value.orig)


def test_database_refuses_changes_to_the_journal(session_factory):
    with session_factory() as session:
        entry = post_entry(
            session,
            value_date=DAY,
            memo="bill",
            event="journal.manual",
            lines=[Line.debit("5500", 10_00), Line.credit("2200", 10_00)],
            actor=named("migration-test"),
        )
        session.add(Period(month="2026-01", closed_at=utcnow(), closed_by="migration-test"))
        session.flush()
        number = entry.number
        posting = entry.postings[0].id
        journal, postings, periods = (
            JournalEntry.__table__,
            Posting.__table__,
            Period.__table__,
        )
        for statement in (
            update(journal).where(journal.c.number == number).values(memo="changed"),
            journal.delete().where(journal.c.number == number),
            update(postings).where(postings.c.id == posting).values(amount=11_00),
            postings.delete().where(postings.c.id == posting),
            update(periods).values(closed_by="someone else"),
            periods.delete(),
        ):
            assert "append-only" in refused(session, statement)
        session.rollback()


@pytest.mark.postgres_only
@pytest.mark.parametrize("table", ["journal_entries", "postings", "periods"])
def test_database_refuses_truncating_the_journal(session_factory, table):
    with session_factory.begin() as session:
        post_entry(
            session,
            value_date=DAY,
            memo="bill",
            event="journal.manual",
            lines=[Line.debit("5500", 10_00), Line.credit("2200", 10_00)],
            actor=named("migration-test"),
        )
        session.add(Period(month="2026-01", closed_at=utcnow(), closed_by="migration-test"))
    with session_factory() as session:
        assert "append-only" in refused(session, text(f"TRUNCATE {table} CASCADE"))
        session.rollback()
        assert session.scalar(select(func.count()).select_from(JournalEntry)) == 1


def test_database_refuses_an_entry_dated_in_a_closed_month(session_factory):
    with session_factory() as session:
        close_month(session, "2026-02", actor=named("migration-test"), today=date(2026, 12, 31))
        message = refused(
            session,
            insert(JournalEntry.__table__).values(
                number=1,
                value_date=date(2026, 2, 27),
                posted_at=utcnow(),
                memo="late",
                event="journal.manual",
                created_by="migration-test",
                prev_hash="0" * 64,
                hash="1" * 64,
            ),
        )
        assert "closed period" in message
        session.rollback()


def test_database_refuses_an_overdrawn_balance(session_factory):
    with session_factory() as session:
        bank, awards = (
            session.scalar(select(Account.id).where(Account.code == code))
            for code in ("1000", "2000")
        )
        balances = AccountBalance.__table__
        message = refused(
            session,
            update(balances).where(balances.c.account_id == bank).values(balance=-1),
        )
        assert "overdrawn" in message
        message = refused(
            session,
            insert(SubledgerBalance.__table__).values(
                account_id=awards, award_id=7, currency="EUR", balance=1, original_balance=0
            ),
        )
        assert "overdrawn" in message
        session.rollback()


@pytest.mark.postgres_only
def test_a_balanced_entry_commits_on_postgresql(session_factory):
    with session_factory.begin() as session:
        post_entry(
            session,
            value_date=DAY,
            memo="bill",
            event="journal.manual",
            lines=[Line.debit("5500", 10_00), Line.credit("2200", 10_00)],
            actor=named("migration-test"),
        )
    with session_factory() as session:
        assert session.scalar(select(JournalEntry.number)) == 1


@pytest.mark.postgres_only
def test_database_refuses_an_unbalanced_entry_at_commit(session_factory):
    """The deferred constraint trigger: whatever the application does, sums are zero."""
    with session_factory() as session:
        account = session.scalar(select(Account.id).where(Account.code == "5500"))
        session.execute(
            insert(JournalEntry.__table__).values(
                number=1,
                value_date=DAY,
                posted_at=utcnow(),
                memo="half an entry",
                event="journal.manual",
                created_by="migration-test",
                prev_hash="0" * 64,
                hash="1" * 64,
            )
        )
        session.execute(
            insert(Posting.__table__).values(
                entry_number=1,
                line=1,
                account_id=account,
                amount=5_00,
                original_amount=5_00,
                currency="EUR",
            )
        )
        with pytest.raises(exc.IntegrityError, match="unbalanced"):
            session.commit()
        session.rollback()
