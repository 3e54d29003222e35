"""Statements from a real streaming replica, and the rule for its lag (issue 11, point 5).

A private primary and its hot standby (``pg_basebackup -R``, streaming) are set
up for this module (:mod:`tests.integration.streaming_pair`, a few seconds) and
removed however it ends. The app runs with ``DATABASE_URL`` on the primary and
``REPORTS_DATABASE_URL`` on the standby; a fund is built over the API.

What is proved:
- the standby is one (``pg_is_in_recovery()``, it refuses a write), and the
  statements of the API and of the CLI run their queries on it (every SQL
  statement of both report engines is recorded), equal to the same statements
  read from the primary;
- with the standby's replay paused, a statement asked right after a month close
  and a new entry reads the primary (its journal head is the new one, the
  standby still has the old one), and a log line says so; replay resumed, the
  standby serves again, with the same head;
- a standby that catches up within the wait serves, after waiting.

Needs PostgreSQL's server binaries (``initdb``, ``pg_basebackup``); skipped
without them. It never touches the suite's own test database.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import sqlite3
import threading
import time

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import DBAPIError

from app import create_app
from app.db import dispose, report_session, report_sources
from app.reports_source import SOURCE
from ledger.database import make_engine, make_sessionmaker
from migrations import upgrade
from tests.api.fund import VICTIMS, build_fund, fast_tokens, manual_entry_body
from tests.conftest import FUNCTIONAL, auth, seed
from tests.integration.streaming_pair import StreamingPair, binaries

#: The tests on the real pair are PostgreSQL-only and need its server binaries; the
#: last two (a reports database that is no standby, one that is down) run on SQLite files.
needs_binaries = pytest.mark.skipif(
    binaries() is None, reason="needs PostgreSQL's initdb and pg_basebackup"
)

SLUGS = ("trial-balance", "awards-register")
#: The report engines' own questions (positions: WAL, or the journal head number and the
#: audit tail of a reports database that is no standby), as opposed to a statement's queries.
POSITION_QUERIES = (
    "pg_is_in_recovery",
    "pg_current_wal_lsn",
    "pg_last_wal_replay_lsn",
    "SELECT journal_head.last_number \nFROM journal_head",
    "max(audit_events.id)",
)


@pytest.fixture(scope="module")
def pair():
    with StreamingPair("fundledger") as running:
        yield running


#: Seconds the app waits for the standby: generous, so that a loaded machine (whose standby
#: may replay autovacuum's WAL for seconds) does not send a statement to the primary; the
#: lag test shortens it to LAG_TEST_WAIT, which its paused standby always exceeds.
MAX_WAIT = 20
LAG_TEST_WAIT = 2


def make_app(tmp_path, database_url: str, reports_url: str, max_wait: int = MAX_WAIT):
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "REPORTS_DATABASE_URL": reports_url,
            "REPLICA_MAX_WAIT_SECONDS": max_wait,
            "SECRET_KEY": "test-secret-key",
            "FUNCTIONAL_CURRENCY": FUNCTIONAL,
        },
        instance_path=str(tmp_path / "instance"),
    )


@pytest.fixture(scope="module")
def books(pair, tmp_path_factory):
    """The fund, built over the API of an app whose statements read the standby; and an
    app whose statements read the primary, to compare with."""
    engine = make_engine(pair.primary_url)
    upgrade(engine)
    factory = make_sessionmaker(engine)
    seed(factory)
    tmp = tmp_path_factory.mktemp("replica")
    app = make_app(tmp, pair.primary_url, pair.standby_url)
    primary_app = make_app(tmp, pair.primary_url, pair.primary_url)
    fund = build_fund(app.test_client(), fast_tokens(factory))
    pair.wait_replayed()
    yield app, primary_app, fund
    dispose(app)
    dispose(primary_app)
    engine.dispose()


class Served:
    """The SQL each of an app's report engines ran while it was watched."""

    def __init__(self, app):
        sources = report_sources(app)
        self.engines = {"primary": sources.primary.kw["bind"]}
        if sources.replica is not None:
            self.engines["replica"] = sources.replica.kw["bind"]
        self.statements: dict[str, list[str]] = {name: [] for name in self.engines}

    def __enter__(self):
        self._listeners = {name: self._recorder(name) for name in self.engines}
        for name, engine in self.engines.items():
            event.listen(engine, "before_cursor_execute", self._listeners[name])
        return self

    def __exit__(self, *_exc):
        for name, engine in self.engines.items():
            event.remove(engine, "before_cursor_execute", self._listeners[name])

    def _recorder(self, name: str):
        def record(_conn, _cursor, statement, *_args):
            self.statements[name].append(statement)

        return record

    def queries(self, name: str) -> list[str]:
        """The statement's own queries on engine ``name`` (not the position questions)."""
        return [
            s
            for s in self.statements.get(name, [])
            if s != "BEGIN" and not any(q in s for q in POSITION_QUERIES)
        ]


def download(app, headers: dict[str, str], slug: str):
    """The JSON statement over the API with ``headers`` (an auditor's token): its body
    without its generation time, the journal head headers, the SQL run on each report
    engine."""
    client = app.test_client()
    with Served(app) as served:
        response = client.get(f"/api/v1/reports/{slug}?format=json", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = json.loads(response.get_data())
    generated = body.pop("generated_at")
    assert generated
    # A statement carries a signed checkpoint of the heads it was built from: the heads
    # must be equal wherever it was read; when and the signature over it differ.
    checkpoint = body.get("checkpoint")
    if checkpoint:
        for moment in ("taken_at", "signature"):
            assert checkpoint.pop(moment)
    head = (response.headers["X-Journal-Entries"], response.headers["X-Journal-Head"])
    return body, head, served


def standby_head(pair) -> int:
    with pair.standby_superuser() as standby:
        return standby.scalar(text("SELECT last_number FROM journal_head"))


def primary_head(pair) -> int:
    engine = create_engine(pair.primary_url)
    try:
        with engine.connect() as primary:
            return primary.scalar(text("SELECT last_number FROM journal_head"))
    finally:
        engine.dispose()


@contextlib.contextmanager
def replay_paused(pair):
    pair.pause_replay()
    try:
        yield
    finally:
        pair.resume_replay()


@pytest.mark.postgres_only
@needs_binaries
def test_the_reports_database_is_a_read_only_hot_standby(pair, books):
    app, _primary_app, _fund = books
    with app.app_context():
        session = report_session()
        try:
            assert session.info[SOURCE] == "replica"
            in_recovery, port = session.execute(
                text("SELECT pg_is_in_recovery(), inet_server_port()")
            ).one()
        finally:
            session.close()
    assert in_recovery is True
    assert port == pair.standby_port
    # Not just our read-only engine: the server itself refuses a write.
    with pair.standby_superuser() as standby, pytest.raises(DBAPIError) as refused:
        standby.execute(text("CREATE TABLE fl_probe (x integer)"))
    assert "read-only transaction" in str(refused.value.orig)


@pytest.mark.postgres_only
@needs_binaries
@pytest.mark.parametrize("slug", SLUGS)
def test_api_statements_come_from_the_standby_and_equal_the_primarys(pair, books, slug):
    app, primary_app, fund = books
    pair.wait_replayed()

    body, head, served = download(app, fund.auditor.headers, slug)
    from_primary, primary_head_seen, _ = download(primary_app, fund.auditor.headers, slug)

    assert served.queries("replica"), "the statement ran no query on the standby"
    assert served.queries("primary") == []
    assert body == from_primary
    assert head == primary_head_seen
    assert int(head[0]) == primary_head(pair)
    assert body["lines"], "an empty statement proves little"


@pytest.mark.postgres_only
@needs_binaries
def test_cli_report_comes_from_the_standby_and_equals_the_primarys(pair, books, tmp_path):
    app, primary_app, _fund = books
    pair.wait_replayed()
    written = {}
    for name, which in (("standby", app), ("primary", primary_app)):
        output = tmp_path / f"{name}.csv"
        with Served(which) as served:
            result = which.test_cli_runner().invoke(
                args=["report", "trial-balance", "--format", "csv", "-o", str(output)]
            )
        assert result.exit_code == 0, result.output
        written[name] = (output.read_bytes(), served)
    standby_csv, served = written["standby"]
    assert served.queries("replica") and served.queries("primary") == []
    assert standby_csv == written["primary"][0]
    assert standby_csv.count(b"\n") > 5


@pytest.mark.postgres_only
@needs_binaries
def test_a_statement_after_a_close_reads_the_primary_while_the_standby_lags(pair, books, caplog):
    app, primary_app, fund = books
    pair.wait_replayed()
    before = standby_head(pair)
    with replay_paused(pair):
        fund.alice.post("/periods/2026-01/close", expect=201)
        number = fund.alice.post("/journal", manual_entry_body())["number"]
        assert number == before + 1
        caplog.set_level(logging.WARNING, logger="fundledger.reports")
        sources = report_sources(app)
        sources.max_wait = LAG_TEST_WAIT
        started = time.monotonic()
        try:
            body, head, served = download(app, fund.auditor.headers, "trial-balance")
        finally:
            sources.max_wait = MAX_WAIT
        waited = time.monotonic() - started

        assert int(head[0]) == number  # the new head: nothing older than what was just done
        assert standby_head(pair) == before  # ... which the paused standby does not have
        assert served.queries("primary") and served.queries("replica") == []
        assert body == download(primary_app, fund.auditor.headers, "trial-balance")[0]
        assert LAG_TEST_WAIT - 0.5 <= waited < LAG_TEST_WAIT + 8  # it waited, boundedly
        said = [r.getMessage() for r in caplog.records if r.name == "fundledger.reports"]
        assert any("statement read from the primary" in line for line in said), said
        for line in said:  # positions and seconds only: no personal data
            assert not any(v["full_name"] in line for v in VICTIMS.values())

    pair.wait_replayed()
    again, head_again, served = download(app, fund.auditor.headers, "trial-balance")
    assert served.queries("replica") and served.queries("primary") == []
    assert head_again == head
    assert again == body


@pytest.mark.postgres_only
@needs_binaries
def test_a_standby_that_catches_up_within_the_wait_serves_after_it(pair, books):
    app, _primary_app, fund = books
    pair.wait_replayed()
    resumer = threading.Timer(0.7, pair.resume_replay)
    with replay_paused(pair):
        number = fund.alice.post("/journal", manual_entry_body())["number"]
        resumer.start()
        try:
            started = time.monotonic()
            _body, head, served = download(app, fund.auditor.headers, "trial-balance")
            waited = time.monotonic() - started
        finally:
            resumer.join()
    assert int(head[0]) == number
    assert served.queries("replica") and served.queries("primary") == []
    assert 0.6 <= waited < MAX_WAIT / 2  # it waited for the replay, not the whole wait


# -- A reports database that is no standby, and one that cannot be reached ----------------


@pytest.fixture
def sqlite_books(sqlite_template, tmp_path):
    """A fund in a SQLite file, a copy of it as the reports database, and an app reading
    the copy without waiting (``REPLICA_MAX_WAIT_SECONDS`` 0)."""
    primary_path, replica_path = tmp_path / "primary.db", tmp_path / "replica.db"
    shutil.copyfile(sqlite_template, primary_path)
    engine = make_engine(f"sqlite:///{primary_path}")
    seed(make_sessionmaker(engine))
    tokens = fast_tokens(make_sessionmaker(engine))
    admin = auth(tokens("administrator", "alice"))
    auditor = auth(tokens("auditor", "inspector"))

    def copy_to_replica() -> None:
        source, copy = sqlite3.connect(primary_path), sqlite3.connect(replica_path)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()

    copy_to_replica()
    app = make_app(tmp_path, f"sqlite:///{primary_path}", f"sqlite:///{replica_path}", 0)
    yield app, admin, auditor, copy_to_replica
    dispose(app)
    engine.dispose()


def test_a_reports_database_that_is_no_standby_is_compared_by_the_funds_marks(sqlite_books, caplog):
    app, admin, auditor, copy_to_replica = sqlite_books
    _body, head, served = download(app, auditor, "trial-balance")
    assert served.queries("replica") and served.queries("primary") == []

    # A step that posts nothing (a case) still moves the audit log: the copy is behind.
    caplog.set_level(logging.WARNING, logger="fundledger.reports")
    case = {"reference": "CR-1", "court": "Court", "title": "T", "jurisdiction": "PT"}
    opened = app.test_client().post(
        "/api/v1/cases", json={**case, "opened_on": "2026-01-02"}, headers=admin
    )
    assert opened.status_code == 201, opened.get_json()
    _body, head_after, served = download(app, auditor, "trial-balance")
    assert served.queries("primary") and served.queries("replica") == []
    assert head_after == head  # no entry was posted: only the audit log tells
    said = [r.getMessage() for r in caplog.records if r.name == "fundledger.reports"]
    assert any("had not caught up" in line and "audit event" in line for line in said), said

    copy_to_replica()
    _body, _head, served = download(app, auditor, "trial-balance")
    assert served.queries("replica") and served.queries("primary") == []


def test_a_reports_database_that_cannot_be_reached_leaves_the_primary_serving(
    sqlite_template, tmp_path, caplog
):
    primary = tmp_path / "primary.db"
    shutil.copyfile(sqlite_template, primary)
    engine = make_engine(f"sqlite:///{primary}")
    seed(make_sessionmaker(engine))
    engine.dispose()
    unreachable = f"sqlite:///{tmp_path / 'no-such-folder' / 'replica.db'}"
    app = make_app(tmp_path, f"sqlite:///{primary}", unreachable, 5)
    caplog.set_level(logging.WARNING, logger="fundledger.reports")
    try:
        with app.app_context():
            started = time.monotonic()
            session = report_session()
            try:
                assert session.info[SOURCE] == "primary"
                assert session.execute(text("SELECT count(*) FROM journal_head")).scalar() == 1
            finally:
                session.close()
            assert time.monotonic() - started < 2  # no waiting for a database that is down
    finally:
        dispose(app)
    said = [r.getMessage() for r in caplog.records if r.name == "fundledger.reports"]
    assert any("cannot be reached" in line for line in said), said
