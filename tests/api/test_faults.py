"""Faults answered cleanly (issue 10): a database that dies or cannot be reached is a 503.

Whatever the moment the database goes away, the answer is ``503``
``application/problem+json`` with ``Retry-After``, never a 500 or a traceback,
and the books are as before the request (the transaction never committed), so
that a retry with the same ``Idempotency-Key`` makes the change exactly once and
the retry after that replays it.

On PostgreSQL the request's own backend is terminated with
``pg_terminate_backend`` from a second connection at the worst moments: in the
middle of the service (at its first write, at the journal's insert, at the
audit event), just before the idempotency record is written, and at the
commit; either the backend alone dies, or the whole database goes (it is also
closed to new connections until the answer is in, as when PostgreSQL stops), so
the answer must not need the database again. The same for a read, for the
idempotency lookup, for a signed-in web page and for a web form, whose
one-time key then acts once. Both engines: an unreachable database (an SQLite
file in a directory that does not exist, a closed port on PostgreSQL) answers
503 too, on the API and on the web pages (an error page, not a stack trace).
"""

from __future__ import annotations

import itertools
import re
import socket
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import event, make_url, text

from app import create_app
from app.db import dispose, engine_of
from ledger.database import make_engine
from tests.api.fund import ADMIN, API, footprint, money
from tests.conftest import BACKEND, FUNCTIONAL, auth

KEY = "Idempotency-Key"
postgres_only = pytest.mark.postgres_only
_keys = itertools.count(1)

RECEIPT = {
    "kind": "donation",
    "received_on": "2026-02-03",
    "amount": money("5000.00"),
    "counterparty": "Anti-Trafficking Foundation",
}


def assert_unavailable(response) -> None:
    """503 problem+json with Retry-After, and nothing of the server's insides."""
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert int(response.headers["Retry-After"]) >= 1
    body = response.get_json()
    assert body["status"] == 503
    assert body["title"] == "Service Unavailable"
    text_ = response.get_data(as_text=True)
    assert "Traceback" not in text_ and "psycopg" not in text_ and "sqlalchemy" not in text_


class Killer:
    """Terminates the backend of the app's connection when a statement matches."""

    def __init__(self, app, url: str) -> None:
        self.engine = engine_of(app)
        parsed = make_url(url)
        self.database = parsed.database
        # From another database: a database closed to connections still takes orders.
        self.admin = make_engine(
            parsed.set(database="postgres").render_as_string(hide_password=False),
            isolation_level="AUTOCOMMIT",
        )
        #: True: the server is gone, not only the backend (no new connection either).
        self.server_gone = False
        self.closed = False
        self.killed: list[str] = []
        self._listeners: list[tuple[str, Callable]] = []

    def _terminate(self, connection) -> None:
        pid = connection.connection.dbapi_connection.info.backend_pid
        with self.admin.connect() as other:
            if self.server_gone:
                other.execute(text(f'ALTER DATABASE "{self.database}" ALLOW_CONNECTIONS false'))
                self.closed = True
            # The second argument waits (ms) until the backend is really gone.
            assert other.scalar(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})

    def on_statement(self, pattern: str) -> None:
        """Kill the request's backend just before the first statement matching ``pattern``."""
        regex = re.compile(pattern, re.IGNORECASE | re.DOTALL)

        def before(connection, cursor, statement, parameters, context, executemany):
            if not self.killed and regex.search(statement):
                self.killed.append(statement.split("\n")[0][:80])
                self._terminate(connection)

        self._listen("before_cursor_execute", before)

    def on_commit(self) -> None:
        """Kill the request's backend as it is about to commit."""

        def before_commit(connection):
            if not self.killed:
                self.killed.append("COMMIT")
                self._terminate(connection)

        self._listen("commit", before_commit)

    def _listen(self, name: str, fn: Callable) -> None:
        event.listen(self.engine, name, fn)
        self._listeners.append((name, fn))

    def stop(self) -> None:
        """No more kills, and the database open again."""
        for name, fn in self._listeners:
            event.remove(self.engine, name, fn)
        self._listeners.clear()
        if self.closed:
            with self.admin.connect() as other:
                other.execute(text(f'ALTER DATABASE "{self.database}" ALLOW_CONNECTIONS true'))
            self.closed = False


@pytest.fixture
def killer(app, database_url) -> Iterator[Killer]:
    k = Killer(app, database_url)
    yield k
    k.stop()
    k.admin.dispose()


@pytest.fixture
def admin_token(token_for) -> str:
    return token_for(ADMIN)


def post_receipt(client, token: str, key: str | None):
    headers = auth(token)
    if key is not None:
        headers[KEY] = key
    return client.post(f"{API}/receipts", json=RECEIPT, headers=headers)


#: Moments at which the request's backend dies, as statement patterns (None: at the commit).
MOMENTS = {
    "at the service's first write": r"^\s*(INSERT|UPDATE)",
    # PostgreSQL posts the head, the entry, its postings and the balances in one statement
    # of data-modifying CTEs (WITH … INSERT INTO journal_entries …); SQLite in several.
    "at the journal entry": r"^\s*(WITH\b.*)?INSERT INTO journal_entries",
    "at the audit event": r"^\s*INSERT INTO audit_events",
    "before the idempotency record": r"^\s*INSERT INTO idempotent_requests",
    "at the commit": None,
}


@postgres_only
@pytest.mark.parametrize("moment", list(MOMENTS))
@pytest.mark.parametrize("keyed", [True, False], ids=["with key", "without key"])
@pytest.mark.parametrize("gone", ["backend", "server"])
def test_a_backend_killed_mid_request_is_a_503_and_the_retry_makes_one_change(
    moment, keyed, gone, client, killer, admin_token, session_factory
):
    """``server``: the database also refuses new connections until the request is answered,
    as when PostgreSQL itself stops: the answer must not need the database again."""
    pattern = MOMENTS[moment]
    if not keyed and pattern is not None and "idempotent" in pattern:
        pytest.skip("a request without a key writes no idempotency record")
    before = footprint(session_factory)
    killer.server_gone = gone == "server"
    if pattern is None:
        killer.on_commit()
    else:
        killer.on_statement(pattern)
    key = f"fault-{next(_keys)}" if keyed else None

    response = post_receipt(client, admin_token, key)

    assert killer.killed, f"nothing matched {pattern!r}: the moment never came"
    assert_unavailable(response)
    killer.stop()
    assert footprint(session_factory) == before, "a dead request left something written"

    retry = post_receipt(client, admin_token, key)
    assert retry.status_code == 201, retry.get_data(as_text=True)
    after = footprint(session_factory)
    assert after["cash_movements"] == before["cash_movements"] + 1
    assert after["head number"] == before["head number"] + 1
    if keyed:
        again = post_receipt(client, admin_token, key)
        assert again.status_code == 201
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.get_data() == retry.get_data()
        assert footprint(session_factory) == after, "the replay wrote something"


@postgres_only
def test_a_backend_killed_during_a_read_is_a_503(client, killer, admin_token):
    killer.on_statement(r"FROM cases")
    response = client.get(f"{API}/cases", headers=auth(admin_token))
    assert killer.killed
    assert_unavailable(response)
    killer.stop()
    assert client.get(f"{API}/cases", headers=auth(admin_token)).status_code == 200


@postgres_only
def test_a_replay_whose_lookup_dies_is_a_503_not_a_500(client, killer, admin_token):
    """The idempotency lookup before the service is the first to meet the dead database."""
    first = post_receipt(client, admin_token, "replayed")
    assert first.status_code == 201
    killer.on_statement(r"FROM idempotent_requests")
    response = post_receipt(client, admin_token, "replayed")
    assert killer.killed
    assert_unavailable(response)
    killer.stop()
    again = post_receipt(client, admin_token, "replayed")
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_data() == first.get_data()


# -- A database that cannot be reached at all ------------------------------------------


def closed_port() -> int:
    """A local port nothing listens on: one the system just handed out, closed again."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def unreachable_url(tmp_path) -> str:
    if BACKEND == "postgresql":
        from tests.conftest import PG_URL

        url = make_url(PG_URL).set(host="127.0.0.1", port=closed_port())
        return url.render_as_string(hide_password=False)
    return f"sqlite:///{tmp_path / 'no such directory' / 'fund.db'}"


@pytest.fixture
def unreachable_app(tmp_path):
    url = unreachable_url(tmp_path)
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "REPORTS_DATABASE_URL": url,
            "SECRET_KEY": "test-secret-key",
            "FUNCTIONAL_CURRENCY": FUNCTIONAL,
        },
        instance_path=str(tmp_path / "instance"),
    )
    yield app
    dispose(app)


HEADERS = {"Authorization": "Bearer flt_" + "x" * 40}  # well formed: looked up in the database


@pytest.mark.parametrize(
    ("method", "path", "body", "headers"),
    [
        ("GET", "/cases", None, HEADERS),
        ("POST", "/receipts", RECEIPT, HEADERS),
        ("POST", "/receipts", RECEIPT, {**HEADERS, KEY: "unreachable-1"}),
    ],
    ids=["read", "write", "idempotent write"],
)
def test_an_unreachable_database_is_a_503(unreachable_app, method, path, body, headers):
    client = unreachable_app.test_client()
    response = client.open(API + path, method=method, json=body, headers=headers)
    assert_unavailable(response)


def test_liveness_does_not_need_the_database(unreachable_app):
    assert unreachable_app.test_client().get(API + "/health").status_code == 200


def test_the_web_pages_answer_an_unreachable_database_with_a_503_page(unreachable_app):
    """The sign-in page needs no database; signing in does: an error page, not a trace."""
    client = unreachable_app.test_client()
    form = client.get("/sign-in")
    assert form.status_code == 200
    fields = dict(re.findall(r'name="([^"]+)"[^>]*value="([^"]*)"', form.get_data(as_text=True)))
    fields.update(name="alice", password="correct horse battery staple")
    response = client.post("/sign-in", data=fields)
    assert response.status_code == 503, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "text/html"
    assert int(response.headers["Retry-After"]) >= 1
    page = response.get_data(as_text=True)
    assert "<h1" in page and "busy" in page.lower()
    assert "Traceback" not in page and "sqlalchemy" not in page.lower()


def sign_in(client, session_factory) -> None:
    from ledger.users import create_user
    from tests.conftest import OPERATOR, PASSWORD

    with session_factory.begin() as session:
        create_user(session, OPERATOR, "alice", ADMIN, PASSWORD)
    form = client.get("/sign-in").get_data(as_text=True)
    fields = dict(re.findall(r'name="([^"]+)"[^>]*value="([^"]*)"', form))
    fields.update(name="alice", password=PASSWORD)
    assert client.post("/sign-in", data=fields).status_code == 303


@postgres_only
@pytest.mark.parametrize("gone", ["backend", "server"])
def test_a_signed_in_page_whose_database_dies_is_a_503_page(gone, client, killer, session_factory):
    sign_in(client, session_factory)
    home = client.get("/").location
    assert client.get(home).status_code == 200
    killer.server_gone = gone == "server"
    killer.on_statement(r"^\s*SELECT")
    response = client.get(home)
    assert killer.killed
    killer.stop()
    assert response.status_code == 503, response.get_data(as_text=True)[:3000]
    assert response.mimetype == "text/html"
    assert int(response.headers["Retry-After"]) >= 1
    page = response.get_data(as_text=True)
    assert "busy" in page.lower()
    assert "Traceback" not in page and "sqlalchemy" not in page.lower()
    assert client.get(home).status_code == 200


def hidden_fields(page: str) -> dict[str, str]:
    return dict(re.findall(r'name="([^"]+)"[^>]*value="([^"]*)"', page))


@postgres_only
@pytest.mark.parametrize("moment", ["at the case", "at the commit"])
def test_a_web_form_whose_database_dies_is_a_503_page_and_its_resubmission_acts_once(
    moment, client, killer, session_factory
):
    """The web's one-time form key (``_once``) keeps its promise across a dead database."""
    sign_in(client, session_factory)
    form = hidden_fields(client.get("/cases/new").get_data(as_text=True))
    assert "_once" in form
    form.update(
        reference="CR-2026-503",
        court="Lisbon Criminal Court",
        title="State v. Unavailable",
        jurisdiction="PT",
        **{"opened_on-day": "3", "opened_on-month": "2", "opened_on-year": "2026"},
    )
    before = footprint(session_factory)
    killer.server_gone = True
    if moment == "at the commit":
        killer.on_commit()
    else:
        killer.on_statement(r"^\s*INSERT INTO cases")

    response = client.post("/cases/new", data=form)

    assert killer.killed
    killer.stop()
    assert response.status_code == 503, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "text/html" and response.headers["Retry-After"]
    assert "busy" in response.get_data(as_text=True).lower()
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert footprint(session_factory) == before
    first = client.post("/cases/new", data=form)  # the same form again: it acts now
    assert first.status_code == 303, first.get_data(as_text=True)[:2000]
    again = client.post("/cases/new", data=form)  # and only once
    assert again.status_code == 303 and again.headers["Idempotent-Replayed"] == "true"
    assert again.location == first.location
    assert footprint(session_factory)["cases"] == before["cases"] + 1
