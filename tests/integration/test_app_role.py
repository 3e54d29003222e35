"""Least privilege on PostgreSQL (issue 10): the role the application connects as.

The owner (here the test database's superuser) runs the migrations and gives a
fresh role its grants with :func:`configure_app_role`; the tests then connect
as that role and try, as a dishonest insider holding the application's
credentials would, every way around the append-only triggers. Each must be
refused by the database's privileges (SQLSTATE 42501), while the fund's real
work through the ledger services goes on as that role. Roles are cluster-wide:
each test makes its own and drops it.
"""

from __future__ import annotations

import itertools
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, make_url, text
from sqlalchemy.exc import DBAPIError

from ledger.access import ADMINISTRATOR, Actor
from ledger.database import make_engine, make_sessionmaker
from ledger.database_roles import APPEND_ONLY, app_roles, configure_app_role, reapply_app_roles
from ledger.errors import Conflict, Invalid
from ledger.models import AuditEvent, Award, Base, Disbursement, JournalEntry, Period
from ledger.periods import close_month
from ledger.verify import verify_books
from migrations import alembic_config
from tests.api.fund import build_fund, fast_tokens, money, paid
from tests.cli.test_cli import FUNDLEDGER, ROOT, base_environment, scratch_postgres_url
from tests.registers.factories import (
    approve,
    donate,
    execute,
    new_case,
    new_victim,
    propose,
    register,
)

postgres_only = pytest.mark.postgres_only
INSUFFICIENT_PRIVILEGE = "42501"
AUDITOR = Actor(None, "auditor", ADMINISTRATOR)
_names = itertools.count()


@dataclass
class AppRole:
    name: str
    engine: Engine  # connected as the app role


def drop_role(owner: Engine, name: str) -> None:
    with owner.begin() as connection:
        if connection.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}):
            connection.exec_driver_sql(f'DROP OWNED BY "{name}"')
            connection.exec_driver_sql(f'DROP ROLE "{name}"')


def new_role_name() -> str:
    return f"fl_test_app_{os.getpid()}_{next(_names)}"


def role_url(owner_url: str, name: str, password: str | None = None) -> str:
    url = make_url(owner_url).set(username=name, password=password)
    return url.render_as_string(hide_password=False)


@pytest.fixture
def app_role(engine, pg_url) -> Iterator[AppRole]:
    name = new_role_name()
    try:
        with engine.begin() as connection:
            configure_app_role(connection, name, password="an app role's passphrase")
        role_engine = make_engine(role_url(pg_url, name, "an app role's passphrase"))
        yield AppRole(name, role_engine)
        role_engine.dispose()
    finally:
        drop_role(engine, name)


def build_books(role: AppRole) -> None:
    """A fund's ordinary work, every step a ledger service in a session of the app role."""
    with make_sessionmaker(role.engine)() as session:
        case = new_case(session)
        victim = new_victim(session)
        donate(session, 500_000)
        award = register(session, case, victim, _eur(120_000))
        disbursement = approve(session, propose(session, award, 50_000))
        execute(session, disbursement, debited=50_000)
        close_month(session, "2026-01", actor=AUDITOR, today=date(2026, 3, 1))
        session.commit()


def _eur(minor: int):
    from ledger.money import Money

    return Money(minor, "EUR")


def sqlstate(exc: DBAPIError) -> str | None:
    return getattr(exc.orig, "sqlstate", None)


# -- the application works as its role --------------------------------------------------


@postgres_only
def test_the_fund_runs_as_the_app_role_and_verifies(app_role):
    build_books(app_role)
    with make_sessionmaker(app_role.engine)() as session:
        result = verify_books(session, AUDITOR)
        award = session.query(Award).one()
        payment = session.query(Disbursement).one()
        assert result.ok, result.problems
        assert result.entries == session.query(JournalEntry).count() == 3  # gift, award, payment
        assert (award.paid_minor, award.status) == (50_000, "partially_paid")
        assert payment.status == "paid"
        assert session.query(Period).one().month == "2026-01"
        assert session.query(AuditEvent).count() >= 6
        assert session.scalar(text("SELECT current_user")) == app_role.name


@postgres_only
def test_the_api_runs_as_the_app_role(app_role, pg_url, session_factory, tmp_path):
    """The Flask app on the role's URL: writes, an idempotent replay, verify, a statement."""
    from app import create_app
    from app.db import dispose

    url = role_url(pg_url, app_role.name, "an app role's passphrase")
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "REPORTS_DATABASE_URL": url,
            "SECRET_KEY": "test-secret-key",
            "FUNCTIONAL_CURRENCY": "EUR",
        },
        instance_path=str(tmp_path / "instance"),
    )
    try:
        fund = build_fund(app.test_client(), fast_tokens(session_factory))
        payment = paid(fund)
        body = {
            "kind": "donation",
            "received_on": "2026-02-04",
            "amount": money("10.00"),
            "counterparty": "A donor",
        }
        key = {"Idempotency-Key": "app-role-replay"}
        first = fund.alice.post("/receipts", body, headers=key)
        assert fund.alice.post("/receipts", body, headers=key) == first  # replayed, not twice
        verified = fund.auditor.get("/audit/verify")
        statement = fund.auditor.get("/reports/trial-balance", query_string={"format": "json"})
    finally:
        dispose(app)
    assert verified["ok"], verified["problems"]
    assert payment and statement
    with app_role.engine.connect() as connection:
        donations = connection.scalar(
            text("SELECT count(*) FROM cash_movements WHERE counterparty = 'A donor'")
        )
    assert donations == 1


# -- every way around the triggers is refused by privilege -------------------------------

EDITS = {
    "update a posting": "UPDATE postings SET amount = amount + 1 WHERE id = 1",
    "delete a journal entry": "DELETE FROM journal_entries WHERE number = (SELECT max(number) "
    "FROM journal_entries)",
    "truncate the postings": "TRUNCATE postings",
    "truncate the audit log": "TRUNCATE audit_events",
    "delete an audit event": "DELETE FROM audit_events WHERE id = (SELECT max(id) FROM "
    "audit_events)",
    "edit an audit event": "UPDATE audit_events SET action = 'nothing.happened'",
    "reopen a closed month": "DELETE FROM periods",
    "disable the journal's triggers": "ALTER TABLE postings DISABLE TRIGGER ALL",
    "drop the audit log's trigger": "DROP TRIGGER audit_events_append_only ON audit_events",
    "bypass every trigger": "SET session_replication_role = replica",
    "bypass the triggers for one transaction": "SET LOCAL session_replication_role = replica",
    "delete an award": "DELETE FROM awards",
    "rewind a sequence": "SELECT setval('postings_id_seq', 1)",
    "replace a guard function": "CREATE OR REPLACE FUNCTION fundledger_refuse_change() "
    "RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
    "create a table to shadow one": "CREATE TABLE public.shadow (id integer)",
}


@postgres_only
def test_every_edit_around_the_triggers_is_refused(app_role):
    build_books(app_role)
    refused = {}
    for what, statement in EDITS.items():
        with app_role.engine.connect() as connection:
            try:
                connection.exec_driver_sql(statement)
            except DBAPIError as exc:
                refused[what] = sqlstate(exc)
            else:
                refused[what] = "ACCEPTED"
            connection.rollback()
    assert refused == dict.fromkeys(EDITS, INSUFFICIENT_PRIVILEGE)
    with make_sessionmaker(app_role.engine)() as session:
        assert verify_books(session, AUDITOR).ok


@postgres_only
def test_the_role_owns_nothing_and_is_no_superuser(app_role, engine):
    with engine.connect() as connection:
        role = connection.execute(
            text(
                "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, "
                "rolcanlogin, rolpassword FROM pg_authid WHERE rolname = :n"
            ),
            {"n": app_role.name},
        ).one()
        owned = connection.scalar(
            text(
                "SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles "
                "WHERE rolname = :n)"
            ),
            {"n": app_role.name},
        )
        memberships = connection.scalar(
            text(
                "SELECT count(*) FROM pg_auth_members WHERE member = "
                "(SELECT oid FROM pg_roles WHERE rolname = :n)"
            ),
            {"n": app_role.name},
        )
    assert role[:6] == (False, False, False, False, False, True)
    # The password reached the server as a SCRAM verifier, never in clear.
    assert role.rolpassword.startswith("SCRAM-SHA-256$")
    assert "passphrase" not in role.rolpassword
    assert (owned, memberships) == (0, 0)


def privileges(connection: Connection, name: str, table: str) -> set[str]:
    return {
        privilege
        for privilege in (
            "SELECT",
            "INSERT",
            "UPDATE",
            "DELETE",
            "TRUNCATE",
            "REFERENCES",
            "TRIGGER",
        )
        if connection.scalar(
            text("SELECT has_table_privilege(:n, :t, :p)"), {"n": name, "t": table, "p": privilege}
        )
    }


@postgres_only
def test_grants_are_exactly_what_the_services_need(app_role, engine):
    with engine.connect() as connection:
        granted = {
            table: privileges(connection, app_role.name, table)
            for table in [*Base.metadata.tables, "alembic_version"]
        }
    assert set(granted) >= APPEND_ONLY
    for table, privs in granted.items():
        if table in APPEND_ONLY:
            assert privs == {"SELECT", "INSERT"}, table
        elif table == "alembic_version":
            assert privs == {"SELECT"}
        else:
            assert privs == {"SELECT", "INSERT", "UPDATE"}, table


@postgres_only
def test_running_it_again_takes_back_what_was_added(app_role, engine):
    """Idempotent: grants slipped in by hand, or attributes, are reset to the set."""
    with engine.begin() as connection:
        connection.exec_driver_sql(
            f'GRANT UPDATE, DELETE, TRUNCATE ON postings, audit_events TO "{app_role.name}"'
        )
        connection.exec_driver_sql(f'REVOKE INSERT ON awards FROM "{app_role.name}"')
        connection.exec_driver_sql(f'ALTER ROLE "{app_role.name}" CREATEDB CREATEROLE')
    with engine.begin() as connection:
        grants = configure_app_role(connection, app_role.name)
    assert not grants.created and not grants.password_set
    assert sorted(grants.append_only) == sorted(APPEND_ONLY)
    with engine.connect() as connection:
        assert privileges(connection, app_role.name, "postings") == {"SELECT", "INSERT"}
        assert privileges(connection, app_role.name, "audit_events") == {"SELECT", "INSERT"}
        assert privileges(connection, app_role.name, "awards") == {"SELECT", "INSERT", "UPDATE"}
        assert connection.execute(
            text("SELECT rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = :n"),
            {"n": app_role.name},
        ).one() == (False, False)
    build_books(app_role)  # and the application still works


@postgres_only
def test_a_plain_init_keeps_existing_app_roles_on_their_grants(app_role, engine):
    with engine.begin() as connection:
        connection.exec_driver_sql(f'REVOKE UPDATE ON journal_head FROM "{app_role.name}"')
        connection.exec_driver_sql(f'GRANT DELETE ON postings TO "{app_role.name}"')
    with engine.begin() as connection:
        assert app_role.name in app_roles(connection)
        again = reapply_app_roles(connection)
    assert app_role.name in [grants.name for grants in again]
    with engine.connect() as connection:
        assert "UPDATE" in privileges(connection, app_role.name, "journal_head")
        assert "DELETE" not in privileges(connection, app_role.name, "postings")
    # The app role itself cannot change grants: reapplying as it does nothing.
    with app_role.engine.begin() as connection:
        assert reapply_app_roles(connection) == []


@postgres_only
def test_a_role_that_could_undo_its_restrictions_is_refused(engine, pg_url):
    owner_like, superuser = new_role_name(), new_role_name()
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(f'CREATE ROLE "{superuser}" LOGIN SUPERUSER')
            owner = connection.scalar(
                text("SELECT tableowner FROM pg_tables WHERE tablename = 'journal_entries'")
            )
            connection.exec_driver_sql(f'CREATE ROLE "{owner_like}" LOGIN IN ROLE "{owner}"')
        for name, said in ((superuser, "is a superuser"), (owner_like, f"may act as {owner}")):
            with engine.begin() as connection, pytest.raises(Invalid) as refused:
                configure_app_role(connection, name)
            assert said in refused.value.detail
        with engine.begin() as connection, pytest.raises(Invalid):
            configure_app_role(connection, owner)
        with engine.begin() as connection, pytest.raises(Invalid):
            configure_app_role(connection, "Robert'); DROP TABLE postings; --")
    finally:
        drop_role(engine, owner_like)
        drop_role(engine, superuser)


@postgres_only
def test_only_the_owner_may_configure_an_app_role(app_role):
    with app_role.engine.begin() as connection, pytest.raises(Conflict) as refused:
        configure_app_role(connection, new_role_name())
    assert "does not own the fund's tables" in refused.value.detail


# -- the command line ----------------------------------------------------------------


def fundledger(*args: str, url: str, input: str = "") -> subprocess.CompletedProcess:
    env = base_environment()
    env["FUNDLEDGER_DATABASE_URL"] = url
    return subprocess.run(  # noqa: S603 (our own console script)
        [FUNDLEDGER, *args],
        cwd=ROOT,
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=180,
    )


@postgres_only
def test_init_as_the_owner_then_the_app_runs_as_its_role(pg_url):
    """The set-up of docs/operations.md: a database owned by a plain (non-superuser) owner."""
    scratch_url, admin, database = scratch_postgres_url(pg_url, "app_role")
    owner, name = new_role_name(), new_role_name()
    owner_url, app_url = role_url(scratch_url, owner), role_url(scratch_url, name, "a role pw")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE ROLE "{owner}" LOGIN')
            connection.exec_driver_sql(f'ALTER DATABASE "{database}" OWNER TO "{owner}"')
        plain = fundledger("init", url=owner_url)
        assert plain.returncode == 0, plain.stderr
        assert "Note: no app role yet" in plain.stdout
        no_createrole = fundledger("init", "--app-role", name, url=owner_url)
        assert no_createrole.returncode == 1
        assert f"may not create role {name}: give it CREATEROLE" in no_createrole.stderr
        assert "Traceback" not in no_createrole.stderr
        with admin.connect() as connection:
            connection.exec_driver_sql(f'ALTER ROLE "{owner}" CREATEROLE')

        first = fundledger(
            "init",
            "--app-role",
            name,
            "--app-role-password-stdin",
            url=owner_url,
            input="a role pw\n",
        )
        assert first.returncode == 0, first.stderr
        assert f"app role {name} created" in first.stdout
        assert "no DELETE, TRUNCATE nor ownership" in first.stdout
        again = fundledger("init", "--app-role", name, url=owner_url)
        assert again.returncode == 0, again.stderr
        assert f"app role {name} updated" in again.stdout
        assert "Note: no app role yet" not in again.stdout

        as_app = fundledger("init", url=app_url)
        assert as_app.returncode == 0, as_app.stderr  # nothing to upgrade, nothing to grant
        assert "app role" not in as_app.stdout
        user = fundledger(
            "create-user",
            "ada",
            "--role",
            "administrator",
            url=app_url,
            input="a long enough passphrase\n",
        )
        assert user.returncode == 0, user.stderr
        verified = fundledger("verify", url=app_url)
        assert verified.returncode == 0, verified.stdout
        refused = fundledger("init", "--app-role", new_role_name(), url=app_url)
        assert refused.returncode == 1
        assert "does not own the fund's tables" in refused.stderr
        assert "Traceback" not in refused.stderr

        # A schema behind the code: the app role may not upgrade it, the owner may.
        owner_engine = make_engine(owner_url)
        command.downgrade(alembic_config(owner_engine), "-1")
        owner_engine.dispose()
        behind = fundledger("init", url=app_url)
        assert behind.returncode == 1
        assert f"{name} may not change the schema" in behind.stderr
        assert "Traceback" not in behind.stderr
        upgraded = fundledger("init", url=owner_url)
        assert upgraded.returncode == 0, upgraded.stderr
        assert "schema upgraded" in upgraded.stdout
        assert f"app role {name} updated" in upgraded.stdout  # kept on its grants
        assert fundledger("verify", url=app_url).returncode == 0
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        drop_role(admin, name)
        drop_role(admin, owner)
        admin.dispose()


def test_init_with_app_role_on_sqlite_says_it_needs_postgresql(tmp_path):
    url = f"sqlite:///{tmp_path / 'fund.db'}"
    result = fundledger("init", "--app-role", "fundledger_app", url=url)
    assert result.returncode == 1
    assert "--app-role needs PostgreSQL" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "fund.db").exists() or (tmp_path / "fund.db").stat().st_size == 0
