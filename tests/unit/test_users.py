"""Users, argon2id passwords and API tokens kept only as SHA-256 (on the real database)."""

from __future__ import annotations

import hashlib

import pytest
from argon2 import PasswordHasher, Type
from sqlalchemy import select, text

from app.errors import status_of
from ledger import users
from ledger.errors import Conflict, Invalid, NotFound
from ledger.models import ApiToken, User
from ledger.users import authenticate, create_token, create_user, revoke_tokens, user_for_token
from tests.conftest import OPERATOR

PASSWORD = "correct horse battery staple"
PRODUCTION_HASHER = users.PASSWORDS


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch):
    """Still argon2id, with the cost turned down: a production hash takes most of a second.

    The production parameters are checked on their own below.
    """
    monkeypatch.setattr(users, "PASSWORDS", PasswordHasher(time_cost=1, memory_cost=1024))


def test_production_hasher_is_argon2id_with_owasp_parameters():
    assert PRODUCTION_HASHER.type is Type.ID
    # OWASP's minimum for argon2id is 19 MiB with 2 passes (or more memory, fewer passes).
    assert PRODUCTION_HASHER.memory_cost >= 19 * 1024
    assert PRODUCTION_HASHER.time_cost >= 2
    assert PRODUCTION_HASHER.hash(PASSWORD).startswith("$argon2id$v=19$m=")


def test_login_upgrades_a_hash_made_with_weaker_parameters(db, monkeypatch):
    create_user(db, OPERATOR, "alice", "administrator", PASSWORD)
    db.commit()
    weak = db.scalar(select(User.password_hash).where(User.name == "alice"))
    monkeypatch.setattr(users, "PASSWORDS", PRODUCTION_HASHER)
    user = authenticate(db, "alice", PASSWORD)
    db.commit()
    assert user is not None and user.password_hash != weak
    assert not PRODUCTION_HASHER.check_needs_rehash(user.password_hash)


def test_create_user_hashes_the_password_with_argon2id(db):
    user = create_user(db, OPERATOR, "alice", "administrator", PASSWORD)
    db.commit()
    stored = db.scalar(select(User).where(User.name == "alice"))
    assert stored.id == user.id and stored.role == "administrator" and stored.active
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash
    # Salted: the same password hashes differently for another user.
    other = create_user(db, OPERATOR, "bob", "auditor", PASSWORD)
    assert other.password_hash != stored.password_hash


def test_create_user_validations(db):
    create_user(db, OPERATOR, "alice", "court", PASSWORD)
    cases = [
        (("", "court", PASSWORD), "name"),
        (("x" * 65, "court", PASSWORD), "name"),
        (("line\nbreak", "court", PASSWORD), "name"),
        (("tab\there", "court", PASSWORD), "name"),
        ((None, "court", PASSWORD), "name"),
        (("carol", "admin", PASSWORD), "role"),
        (("carol", "Auditor", PASSWORD), "role"),
        (("carol", "", PASSWORD), "role"),
        (("carol", "court", "x" * 11), "password"),
        (("carol", "court", ""), "password"),
        (("carol", "court", None), "password"),
        (("carol", "court", b"correct horse battery"), "password"),
    ]
    failures = []
    for args, field in cases:
        try:
            create_user(db, OPERATOR, *args)
            failures.append(f"{args[:2]}: accepted")
        except Invalid as exc:
            if list(exc.errors) != [field]:
                failures.append(f"{args[:2]}: {exc.errors}")
    assert failures == []
    # 64 characters and a 12-character password are fine.
    create_user(db, OPERATOR, "n" * 64, "auditor", "x" * 12)
    with pytest.raises(Conflict) as caught:
        create_user(db, OPERATOR, "alice", "auditor", PASSWORD)
    assert status_of(caught.value) == 409 and list(caught.value.errors) == ["name"]


def test_authenticate(db):
    create_user(db, OPERATOR, "alice", "administrator", PASSWORD)
    db.commit()
    assert authenticate(db, "alice", PASSWORD).name == "alice"
    assert authenticate(db, "alice", PASSWORD + " ") is None
    assert authenticate(db, "alice", PASSWORD.upper()) is None
    assert authenticate(db, "alice", "") is None
    assert authenticate(db, "Alice", PASSWORD) is None
    assert authenticate(db, "nobody", PASSWORD) is None
    # A deactivated user cannot log in, even with the right password.
    db.scalar(select(User).where(User.name == "alice")).active = False
    db.commit()
    assert authenticate(db, "alice", PASSWORD) is None


def test_authenticate_survives_a_corrupt_hash(db):
    user = create_user(db, OPERATOR, "alice", "administrator", PASSWORD)
    user.password_hash = "not-a-hash"
    db.commit()
    assert authenticate(db, "alice", PASSWORD) is None


def test_token_is_returned_once_and_stored_only_as_sha256(db, engine):
    create_user(db, OPERATOR, "alice", "court", PASSWORD)
    token = create_token(db, OPERATOR, "alice")
    db.commit()
    assert token.startswith("flt_") and len(token) >= 40
    rows = db.execute(select(ApiToken.token_hash, ApiToken.revoked_at)).all()
    assert [tuple(row) for row in rows] == [(hashlib.sha256(token.encode()).hexdigest(), None)]
    # The token itself is nowhere in the table, in any column.
    secret = token.removeprefix("flt_")
    db.commit()  # SQLite: let the other connection have the (write-locking) transaction
    with engine.connect() as connection:
        dump = " ".join(
            str(v) for row in connection.execute(text("SELECT * FROM api_tokens")) for v in row
        )
    assert secret not in dump
    # Each token is new.
    assert create_token(db, OPERATOR, "alice") != token
    with pytest.raises(NotFound):
        create_token(db, OPERATOR, "nobody")


def test_user_for_token_and_revocation(db):
    alice = create_user(db, OPERATOR, "alice", "court", PASSWORD)
    bob = create_user(db, OPERATOR, "bob", "auditor", PASSWORD)
    first, second = create_token(db, OPERATOR, "alice"), create_token(db, OPERATOR, "alice")
    bobs = create_token(db, OPERATOR, "bob")
    db.commit()
    assert user_for_token(db, first).id == alice.id
    assert user_for_token(db, second).id == alice.id
    assert user_for_token(db, bobs).id == bob.id
    for wrong in (
        first[:-1],
        first + "x",
        first.removeprefix("flt_"),  # the right secret without its prefix
        "flt_",
        "",
        "flt_" + "a" * 300,
        hashlib.sha256(first.encode()).hexdigest(),  # the stored hash is not a token
    ):
        assert user_for_token(db, wrong) is None, wrong
    # Revoking ends every token of that user, only once, and no one else's.
    assert revoke_tokens(db, OPERATOR, "alice") == 2
    db.commit()
    assert user_for_token(db, first) is None and user_for_token(db, second) is None
    assert user_for_token(db, bobs).id == bob.id
    assert revoke_tokens(db, OPERATOR, "alice") == 0
    with pytest.raises(NotFound):
        revoke_tokens(db, OPERATOR, "nobody")
    # A new token after revocation works; deactivating the user ends it.
    third = create_token(db, OPERATOR, "alice")
    assert user_for_token(db, third).id == alice.id
    alice.active = False
    db.flush()
    assert user_for_token(db, third) is None
