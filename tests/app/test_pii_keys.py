"""Victims' personal data: sealed at rest, key rotation, production refusal."""

import pytest
from sqlalchemy import select

from app import create_app
from app.db import dispose
from ledger.checkpoints import generate_signing_key
from ledger.errors import Conflict
from ledger.models import Victim
from ledger.pii import PiiCipher, generate_key, rotate
from ledger.victims import PaymentDetails, personal_data, register_victim
from tests.conftest import OPERATOR, named


def _victim(session, cipher):
    return register_victim(
        session,
        cipher,
        actor=named("alice"),
        full_name="Ana Ferreira",
        date_of_birth=None,
        contact="ana@example.org",
        country_of_residence="PT",
        returned_home=False,
        payment=PaymentDetails(
            "bank_transfer", "EUR", iban="PT50000201231234567890154", bic="CGDIPTPL"
        ),
    )


def test_rotation_reseals_under_the_newest_key(session_factory):
    old, new = generate_key(), generate_key()
    with session_factory.begin() as session:
        victim_id = _victim(session, PiiCipher.from_setting(old)).id
    both = PiiCipher.from_setting(f"{new},{old}")
    with session_factory.begin() as session:
        assert rotate(session, OPERATOR, both) == 1
        assert rotate(session, OPERATOR, both) == 0  # already under the newest key
    with session_factory() as session:
        victim = session.get(Victim, victim_id)
        assert victim.pii_key_id == both.current_key_id
        assert b"Ferreira" not in victim.pii
        only_new = PiiCipher.from_setting(new)
        assert personal_data(session, only_new, victim, actor=named("alice"))["full_name"] == (
            "Ana Ferreira"
        )
        with pytest.raises(Conflict):
            PiiCipher.from_setting(old).open(victim.pii)


def test_rotate_command(runner, session_factory, app):
    from app.pii import cipher

    with app.app_context(), session_factory.begin() as session:
        _victim(session, cipher())
    result = runner.invoke(args=["rotate-pii-key"])
    assert result.exit_code == 0, result.output
    assert "0 victim record(s)" in result.output  # the app's only key already sealed it
    with app.app_context(), session_factory() as session:
        assert session.scalar(select(Victim.pii_key_id)) == cipher().current_key_id


def test_production_refuses_to_start_without_keys(tmp_path, monkeypatch):
    monkeypatch.setenv("FUNDLEDGER_ENV", "production")
    monkeypatch.setenv("FUNDLEDGER_SECRET_KEY", "s" * 64)
    monkeypatch.delenv("FUNDLEDGER_PII_KEY", raising=False)
    with pytest.raises(RuntimeError, match="FUNDLEDGER_PII_KEY"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}, instance_path=str(tmp_path))
    monkeypatch.setenv("FUNDLEDGER_PII_KEY", "not-a-key")
    with pytest.raises(ValueError, match="Fernet"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}, instance_path=str(tmp_path))
    monkeypatch.setenv("FUNDLEDGER_PII_KEY", generate_key())
    monkeypatch.delenv("FUNDLEDGER_SIGNING_KEY", raising=False)
    with pytest.raises(RuntimeError, match="FUNDLEDGER_SIGNING_KEY must be set"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}, instance_path=str(tmp_path))
    monkeypatch.setenv("FUNDLEDGER_SIGNING_KEY", "not-a-key")
    with pytest.raises(RuntimeError, match="FUNDLEDGER_SIGNING_KEY: the key cannot be read"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}, instance_path=str(tmp_path))
    monkeypatch.setenv("FUNDLEDGER_SIGNING_KEY", generate_signing_key())
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}, instance_path=str(tmp_path))
    assert not (tmp_path / "signing_key").exists()  # production never generates one
    dispose(app)
    monkeypatch.delenv("FUNDLEDGER_SECRET_KEY")
    with pytest.raises(RuntimeError, match="FUNDLEDGER_SECRET_KEY"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}, instance_path=str(tmp_path))
