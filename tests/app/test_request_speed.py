"""What an API request pays besides its service, pinned statement by statement (issue 11).

A POST with an ``Idempotency-Key`` looks its bearer token up and, in the same
statement, the response stored under its key (:func:`app.idempotency.check_request`);
it writes that response with one ``INSERT`` (:func:`app.idempotency.remember`). The
token's last use is noted at most once a minute. None of it may weaken what the
lookup guards: a revoked token, or a deactivated user's, is refused by the very next
request (the token is read from the database every time, never cached), a keyed POST
is still answered once and replayed after, and another user's identical key is
another request.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from app.db import engine_of
from ledger.models import ApiToken, IdempotentRequest, User
from ledger.models.base import utcnow
from ledger.users import revoke_tokens
from tests.api.fund import API, fast_tokens
from tests.conftest import OPERATOR, auth

KEY = "Idempotency-Key"
_serial = itertools.count(1)


def new_case() -> dict:
    return {
        "reference": f"CR-SPEED-{next(_serial)}",
        "court": "Tribunal de Braga",
        "title": "Public Prosecutor v. Smugglers",
        "jurisdiction": "PT",
        "opened_on": "2026-02-01",
    }


@contextmanager
def statements(app) -> Iterator[list[str]]:
    """Every SQL statement the app's engine runs inside the block, in order (SQLite's
    ``BEGIN IMMEDIATE``, which the engine issues as a statement, left out)."""
    seen: list[str] = []

    def before(connection, cursor, statement, parameters, context, executemany):
        if not statement.startswith("BEGIN"):
            seen.append(" ".join(statement.split()))

    engine = engine_of(app)
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def touching(seen: list[str], table: str) -> list[str]:
    return [s for s in seen if table in s]


@pytest.fixture
def tokens(session_factory):
    return fast_tokens(session_factory)


def post_case(client, token: str, key: str | None, body: dict | None = None):
    headers = auth(token) | ({KEY: key} if key is not None else {})
    return client.post(f"{API}/cases", json=body or new_case(), headers=headers)


def test_a_keyed_post_looks_up_token_and_key_in_one_statement_and_stores_with_one(
    app, client, tokens
):
    token = tokens("administrator", "alice")
    assert post_case(client, token, "warm").status_code == 201  # notes the token's first use

    with statements(app) as seen:
        response = post_case(client, token, "counted")
    assert response.status_code == 201, response.get_json()

    lookups = touching(seen, "api_tokens")
    assert len(lookups) == 1, lookups  # no UPDATE of last_used_at within the minute
    assert seen[0] == lookups[0], "the token is the first thing asked"
    assert "idempotent_requests" in lookups[0], "the stored response comes with the token"
    stored = touching(seen, "idempotent_requests")
    assert len(stored) == 2, stored
    assert stored[1].startswith("INSERT INTO idempotent_requests"), stored
    assert not touching(seen, "FROM users WHERE"), "the user comes with the token, not after"


def test_a_request_without_a_key_looks_up_only_its_token(app, client, tokens):
    token = tokens("administrator", "alice")
    assert client.get(f"{API}/cases", headers=auth(token)).status_code == 200
    with statements(app) as seen:
        assert client.get(f"{API}/cases", headers=auth(token)).status_code == 200
        assert post_case(client, token, None).status_code == 201
    lookups = touching(seen, "api_tokens")
    assert len(lookups) == 2, lookups  # one per request
    assert not touching(seen, "idempotent_requests"), seen


def test_the_keyed_lookup_replays_refuses_and_keeps_keys_per_user(
    app, client, tokens, session_factory
):
    alice, bob = tokens("administrator", "alice"), tokens("administrator", "bob")
    body = new_case()
    first = post_case(client, alice, "same", body)
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers

    with statements(app) as seen:
        again = post_case(client, alice, "same", body)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_data() == first.get_data()
    assert len(seen) == 1, seen  # the one lookup answers: nothing else is asked

    other = post_case(client, alice, "same", new_case())
    assert other.status_code == 422
    assert KEY in other.get_json()["errors"]

    bobs = post_case(client, bob, "same", new_case())  # bob's "same" is another request
    assert bobs.status_code == 201
    assert "Idempotent-Replayed" not in bobs.headers
    with session_factory() as session:
        keys = session.execute(
            select(User.name, IdempotentRequest.key)
            .join(User, User.id == IdempotentRequest.user_id)
            .order_by(User.name)
        ).all()
    assert [tuple(k) for k in keys] == [("alice", "same"), ("bob", "same")]


@pytest.mark.parametrize("keyed", [True, False], ids=["with key", "without key"])
def test_a_revoked_token_is_refused_by_the_very_next_request(
    client, tokens, session_factory, keyed
):
    token = tokens("administrator", "leaver")
    key = "before" if keyed else None
    assert post_case(client, token, key).status_code == 201
    with session_factory.begin() as session:
        assert revoke_tokens(session, OPERATOR, "leaver") == 1

    refused = post_case(client, token, "after" if keyed else None)
    assert refused.status_code == 401
    # Not even its own stored answer is replayed to a revoked token.
    assert post_case(client, token, key).status_code == 401
    assert client.get(f"{API}/cases", headers=auth(token)).status_code == 401


def test_a_deactivated_users_token_is_refused_by_the_very_next_request(
    client, tokens, session_factory
):
    token = tokens("administrator", "leaver")
    assert post_case(client, token, "k1").status_code == 201
    with session_factory.begin() as session:
        session.execute(update(User).where(User.name == "leaver").values(active=False))
    assert post_case(client, token, "k2").status_code == 401
    assert post_case(client, token, "k1").status_code == 401
    assert client.get(f"{API}/cases", headers=auth(token)).status_code == 401


def test_a_wrong_or_malformed_token_is_refused_without_a_lookup(app, client, tokens):
    token = tokens("administrator", "alice")
    with statements(app) as seen:
        for headers in (
            auth(token + "x"),
            auth("flt_" + "x" * 300),
            auth("not-a-token"),
            {"Authorization": "Basic abc"},
            {},
        ):
            response = client.post(f"{API}/cases", json=new_case(), headers=headers | {KEY: "k"})
            assert response.status_code == 401, headers
    assert len(seen) == 1, seen  # only the well-formed unknown token was looked up


def test_the_last_use_is_noted_once_a_minute(app, client, tokens, session_factory):
    token = tokens("administrator", "alice")

    def last_used():
        with session_factory() as session:
            return session.scalar(select(ApiToken.last_used_at))

    assert last_used() is None
    with statements(app) as seen:
        assert client.get(f"{API}/cases", headers=auth(token)).status_code == 200
    noted = last_used()
    assert noted is not None
    assert len([s for s in seen if s.startswith("UPDATE api_tokens")]) == 1

    with statements(app) as seen:
        assert client.get(f"{API}/cases", headers=auth(token)).status_code == 200
        assert post_case(client, token, "k").status_code == 201
    assert not [s for s in seen if s.startswith("UPDATE api_tokens")], seen
    assert last_used() == noted

    with session_factory.begin() as session:  # a use more than a minute ago
        session.execute(update(ApiToken).values(last_used_at=utcnow() - timedelta(minutes=2)))
    assert client.get(f"{API}/cases", headers=auth(token)).status_code == 200
    assert last_used() > noted
