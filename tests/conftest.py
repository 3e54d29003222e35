"""Shared fixtures: a real, migrated database per test, on SQLite or PostgreSQL.

The engine is chosen by ``FUNDLEDGER_TEST_DATABASE_URL``: unset, every test
gets its own SQLite file (copied from a template migrated once per run); set
to a PostgreSQL URL, the schema is migrated once and every test starts from
emptied tables. ``scripts/test`` runs the suite once each way.

Fixtures:
- ``engine`` / ``session_factory`` / ``db``: an initialised fund (EUR, chart seeded);
- ``reset_database()``: empty it again, for hypothesis examples;
- ``app`` / ``client`` / ``runner``: the Flask app on that database;
- ``token_for(role)``: a bearer token of a new user with that role.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from ledger.access import ADMINISTRATOR, Actor
from ledger.chart import seed_chart
from ledger.database import make_engine, make_sessionmaker
from ledger.fund import initialise_fund
from ledger.models import Base
from ledger.users import create_token, create_user
from migrations import upgrade

PG_URL = os.environ.get("FUNDLEDGER_TEST_DATABASE_URL", "")
BACKEND = "postgresql" if PG_URL.startswith("postgresql") else "sqlite"
DATA = Path(__file__).parent / "data"
FUNCTIONAL = "EUR"
PASSWORD = "correct horse battery staple"
#: Who the tests act as when they set a fund up at the command line's level.
OPERATOR = Actor.system("tests")


def named(name: str, role: str = ADMINISTRATOR) -> Actor:
    """An actor for a service called straight from a test (no user row needed)."""
    return Actor(None, name, role)


def pytest_report_header(config) -> str:
    return f"fundledger test database: {BACKEND}"


def pytest_collection_modifyitems(config, items) -> None:
    if BACKEND == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set FUNDLEDGER_TEST_DATABASE_URL)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def backend() -> str:
    return BACKEND


def seed(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        initialise_fund(session, name="Test Compensation Fund", functional_currency=FUNCTIONAL)
        seed_chart(session, FUNCTIONAL)


# -- SQLite: one migrated template file, copied per test ------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # checkpoints the WAL into the main file before it is copied
    return path


# -- PostgreSQL: migrated once, emptied per test ---------------------------------------


def worker_database_url() -> str:
    """The PostgreSQL URL for this pytest-xdist worker: each worker gets its own database."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return PG_URL
    url = make_url(PG_URL)
    name = f"{url.database}_{worker}"
    admin = make_engine(
        url.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        )
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_url() -> str:
    return worker_database_url()


@pytest.fixture(scope="session")
def pg_engine(pg_url) -> Iterator[Engine]:
    engine = make_engine(pg_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    yield engine
    engine.dispose()


def empty_postgres(engine: Engine) -> None:
    """Empty every table, bypassing the append-only triggers (superuser, tests only)."""
    # DELETE is several times faster than TRUNCATE on tables this small; with the
    # replica role neither the append-only triggers nor the foreign keys fire.
    with engine.begin() as connection:
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
        for table in Base.metadata.sorted_tables:
            for column in table.primary_key.columns:
                if column.autoincrement is True or (
                    column.autoincrement == "auto"
                    and column.type.python_type is int
                    and len(table.primary_key.columns) == 1
                ):
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', "
                            f"'{column.name}'), 1, false) "
                            f"WHERE pg_get_serial_sequence('{table.name}', '{column.name}') "
                            "IS NOT NULL"
                        )
                    )


_counter = itertools.count()


@pytest.fixture
def database_url(request, tmp_path) -> str:
    if BACKEND == "postgresql":
        request.getfixturevalue("pg_engine")  # migrated once per run
        return request.getfixturevalue("pg_url")
    template = request.getfixturevalue("sqlite_template")
    path = tmp_path / f"fund-{next(_counter)}.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def _test_engine(database_url) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def reset_database(request, database_url, _test_engine) -> Callable[[], None]:
    """Return the database to a just-initialised fund (for hypothesis examples).

    Close any session first: on SQLite the file is replaced by a fresh copy.
    """

    def reset() -> None:
        if BACKEND == "postgresql":
            empty_postgres(_test_engine)
        else:
            _test_engine.dispose()
            path = Path(database_url.removeprefix("sqlite:///"))
            for suffix in ("-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        seed(make_sessionmaker(_test_engine))

    return reset


@pytest.fixture
def engine(_test_engine, reset_database) -> Engine:
    reset_database()
    return _test_engine


@pytest.fixture
def session_factory(engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


@pytest.fixture
def db(session_factory) -> Iterator[Session]:
    session = session_factory()
    yield session
    session.rollback()
    session.close()


# -- The Flask app ---------------------------------------------------------------------


@pytest.fixture
def app(engine, database_url, tmp_path):
    from app import create_app
    from app.db import dispose

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "REPORTS_DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "FUNCTIONAL_CURRENCY": FUNCTIONAL,
        },
        instance_path=str(tmp_path / "instance"),
    )
    yield app
    dispose(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def token_for(session_factory) -> Callable[[str], str]:
    """``token_for("auditor")``: a bearer token of a fresh user with that role."""
    names = itertools.count(1)

    def make(role: str, name: str | None = None) -> str:
        with session_factory.begin() as session:
            user = create_user(session, OPERATOR, name or f"{role}-{next(names)}", role, PASSWORD)
            return create_token(session, OPERATOR, user.name)

    return make


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
