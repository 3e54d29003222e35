"""Signed checkpoints (SPEC §2.6): taken at every month close, with every statement and by
``fundledger checkpoint``; ``verify`` proves the chains still extend each one.

The attacks are the ones the chain alone cannot see: someone who can bypass the
database's triggers cuts the journal's tail off (entries, postings, the register row
and the audit events of the last step) and re-heads it with the balances made to
match, or rewrites the last entry and recomputes its hash and the head. Both leave
chains that verify; with the checkpoint log given, verify names the entry.
"""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.db import engine_of
from ledger import checkpoints
from ledger.access import Actor
from ledger.cash import record_receipt
from ledger.chain import entry_hash
from ledger.checkpoint_log import Checkpointer, after_commit, attach, read_checkpoints
from ledger.checkpoints import Checkpoint, CheckpointError, read_heads
from ledger.database import make_sessionmaker
from ledger.models import Account, JournalEntry, Posting
from ledger.money import Money
from ledger.periods import close_month
from ledger.verify import verify_books
from tests.conftest import auth, named
from tests.integration.test_verify import guards_off
from tests.integration.test_verify_registers import RECOMPUTE_BALANCES, build_fund

ADMIN = named("admin")
TODAY = date.today()


def log_of(app) -> Path:
    return Path(app.config["CHECKPOINT_LOG"])


def logged(app) -> list[Checkpoint]:
    found, problems = read_checkpoints(log_of(app))
    assert problems == []
    return found


def key_of(app):
    return checkpoints.load_signing_key(Path(app.instance_path, "signing_key").read_text())


@pytest.fixture
def fund(app, runner, session_factory, token_for):
    token = token_for("auditor")
    build_fund(runner, session_factory)
    return token


# -- the checkpoint itself ------------------------------------------------------------------


def test_a_checkpoint_round_trips_and_its_signature_covers_every_field():
    key = checkpoints.load_signing_key(checkpoints.generate_signing_key())
    heads = checkpoints.Heads(7, "a" * 64, 9, "b" * 64)
    signed = checkpoints.sign(key, heads, "test")
    assert Checkpoint.from_text(signed.line()) == signed
    assert Checkpoint.from_token(signed.token()) == signed
    assert checkpoints.signature_problem(signed, key.public_key()) is None
    for name, value in (
        ("journal_entries", 6),
        ("journal_head", "c" * 64),
        ("audit_events", 8),
        ("audit_head", "d" * 64),
        ("taken_at", "2020-01-01T00:00:00Z"),
        ("reason", "other"),
    ):
        problem = checkpoints.signature_problem(replace(signed, **{name: value}), key.public_key())
        assert problem and "does not match" in problem, name
    other = checkpoints.load_signing_key(checkpoints.generate_signing_key())
    assert "signed by key" in checkpoints.signature_problem(signed, other.public_key())


@pytest.mark.parametrize(
    "text",
    ["", "[]", '{"kind": "other"}', '{"kind": "fundledger-checkpoint/1"}', "not json"],
)
def test_a_malformed_checkpoint_is_refused_with_a_reason(text):
    with pytest.raises(CheckpointError):
        Checkpoint.from_text(text)


def test_a_raw_base64_key_and_a_pem_key_are_the_same_key():
    pem = checkpoints.generate_signing_key()
    key = checkpoints.load_signing_key(pem)
    from cryptography.hazmat.primitives import serialization

    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    again = checkpoints.load_signing_key(base64.b64encode(raw).decode())
    assert checkpoints.key_id(again.public_key()) == checkpoints.key_id(key.public_key())
    with pytest.raises(CheckpointError):
        checkpoints.load_signing_key("not a key")


def test_the_log_names_a_bad_line_and_keeps_the_good_ones(tmp_path):
    key = checkpoints.load_signing_key(checkpoints.generate_signing_key())
    good = checkpoints.sign(key, checkpoints.Heads(0, checkpoints.GENESIS_HASH, 0, "0" * 64), "x")
    path = tmp_path / "log.jsonl"
    path.write_text(good.line() + "\n{oops\n\n" + good.line() + "\n")
    found, problems = read_checkpoints(path)
    assert found == [good, good]
    assert problems == [f"{path} line 2: not JSON"]


# -- taken at a month close, after the commit only --------------------------------------------


def test_a_month_close_writes_a_checkpoint_of_the_committed_heads(app, fund, session_factory):
    before = len(logged(app))
    sessions = make_sessionmaker(engine_of(app))
    with sessions.begin() as session:
        close_month(session, _last_month(), actor=ADMIN, today=TODAY)
    with session_factory() as session:
        heads = read_heads(session)
    taken = logged(app)[before:]
    assert [c.reason for c in taken] == [f"period {_last_month()} closed"]
    assert taken[0].heads == heads
    assert checkpoints.signature_problem(taken[0], key_of(app).public_key()) is None


def test_a_rolled_back_close_or_a_dry_run_writes_none(app, fund):
    before = len(logged(app))
    sessions = make_sessionmaker(engine_of(app))
    with sessions() as session:
        close_month(session, _last_month(), actor=ADMIN, today=TODAY)
        session.rollback()
    with sessions() as session:
        savepoint = session.begin_nested()
        close_month(session, _last_month(), actor=ADMIN, today=TODAY)
        savepoint.rollback()
        session.commit()
    assert len(logged(app)) == before


def test_a_session_on_an_engine_without_a_checkpointer_asks_nothing(fund, session_factory):
    with session_factory.begin() as session:
        after_commit(session, "nobody listens")
    # nothing to assert but that it did not fail: the core's own tests have no signer


def test_a_log_that_cannot_be_written_does_not_undo_the_close(app, fund, engine, tmp_path):
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the log's folder should be")
    attach(engine_of(app), Checkpointer(key=key_of(app), log_path=blocked / "log.jsonl"))
    sessions = make_sessionmaker(engine_of(app))
    with sessions.begin() as session:
        close_month(session, _last_month(), actor=ADMIN, today=TODAY)
    with sessions() as session:
        assert session.scalar(select(JournalEntry.number).limit(1)) is not None
        from ledger.periods import latest_closed

        assert latest_closed(session) == _last_month()


# -- the attacks ---------------------------------------------------------------------------


def _last_receipt(session_factory) -> tuple[checkpoints.Heads, checkpoints.Heads]:
    with session_factory() as session:
        before = read_heads(session)
    with session_factory.begin() as session:
        record_receipt(
            session,
            actor=named("second-admin"),
            kind="donation",
            received_on=TODAY,
            amount=Money(99_00, "EUR"),
            counterparty="A last donor",
        )
    with session_factory() as session:
        return before, read_heads(session)


def _cut_tail_to(engine, before: checkpoints.Heads) -> None:
    """Remove every trace of what came after ``before``: entries, postings, the register
    row, the audit events; re-head the journal and make the balances match."""
    with guards_off(engine, "audit_events", "journal_entries", "postings") as run:
        n, a = before.journal_entries, before.audit_events
        run(f"DELETE FROM cash_movements WHERE entry_number > {n}")
        run(f"DELETE FROM postings WHERE entry_number > {n}")
        run(f"DELETE FROM journal_entries WHERE number > {n}")
        run(f"DELETE FROM audit_events WHERE id > {a}")
        run(f"UPDATE journal_head SET last_number = {n}, last_hash = '{before.journal_head}'")
        for sql in RECOMPUTE_BALANCES:
            run(sql)


def test_a_cut_and_reheaded_tail_verifies_alone_but_not_against_the_log(
    app, fund, engine, session_factory, runner
):
    before, after = _last_receipt(session_factory)
    assert runner.invoke(args=["checkpoint"]).exit_code == 0
    _cut_tail_to(engine, before)
    with session_factory() as session:  # no checkpointer on this engine: the chains alone
        assert verify_books(session, Actor.system()).problems == []
    result = runner.invoke(args=["verify"])  # the fund's own log, by default
    assert result.exit_code == 1, result.output
    assert f"journal entry {after.journal_entries} is missing" in result.output
    assert f"audit event {after.audit_events} is missing" in result.output


def test_a_rewritten_last_entry_with_a_recomputed_head_is_caught(
    app, fund, engine, session_factory, runner, tmp_path
):
    _before, after = _last_receipt(session_factory)
    taken = runner.invoke(args=["checkpoint"])
    auditors_copy = tmp_path / "mailed.jsonl"
    auditors_copy.write_text(taken.output.splitlines()[0] + "\n")
    log_of(app).unlink()  # the insider removes the fund's own log too
    n = after.journal_entries
    with session_factory() as session:
        entry = session.get(JournalEntry, n)
        postings = list(
            session.scalars(select(Posting).where(Posting.entry_number == n).order_by(Posting.line))
        )
        codes = dict(session.execute(select(Account.id, Account.code)).all())
        # A field no register repeats: when it was posted (a back-dated posting time).
        moved = entry.posted_at - timedelta(days=1)
        entry.posted_at = moved
        forged = entry_hash(entry, postings, [codes[p.account_id] for p in postings])
        session.rollback()
    with guards_off(engine, "audit_events", "journal_entries", "postings") as run:
        run(
            "UPDATE journal_entries SET posted_at = :moved, hash = :forged WHERE number = :n",
            moved=moved,
            forged=forged,
            n=n,
        )
        run("UPDATE journal_head SET last_hash = :forged", forged=forged)
    fooled = runner.invoke(args=["verify"])
    assert fooled.exit_code == 0, fooled.output  # the chain alone is fooled
    result = runner.invoke(args=["verify", "--checkpoints", str(auditors_copy)])
    assert result.exit_code == 1
    assert f"journal entry {n} has hash {forged[:12]}" in result.output
    assert "the chain was rewritten after the checkpoint" in result.output


def test_a_forged_checkpoint_is_refused_by_the_auditors_key(app, fund, runner, tmp_path):
    taken = Checkpoint.from_text(runner.invoke(args=["checkpoint"]).output.splitlines()[0])
    forged = replace(taken, journal_entries=taken.journal_entries + 5)
    log = tmp_path / "forged.jsonl"
    log.write_text(forged.line() + "\n")
    result = runner.invoke(args=["verify", "--checkpoints", str(log)])
    assert result.exit_code == 1
    assert "the signature does not match its contents" in result.output
    public = tmp_path / "auditor.pem"
    other = checkpoints.load_signing_key(checkpoints.generate_signing_key())
    public.write_text(checkpoints.public_key_pem(other.public_key()))
    result = runner.invoke(args=["verify", "--public-key", str(public)])
    assert result.exit_code == 1
    assert "not by the fund's key" in result.output


def test_the_public_key_is_printed_for_auditors(app, runner):
    result = runner.invoke(args=["checkpoint", "--public-key"])
    assert result.exit_code == 0
    printed = checkpoints.load_public_key(result.stdout)
    assert checkpoints.key_id(printed) == checkpoints.key_id(key_of(app).public_key())


def test_the_api_verify_reads_the_fund_log_too(app, fund, client, engine, session_factory, runner):
    before, after = _last_receipt(session_factory)
    runner.invoke(args=["checkpoint"])
    _cut_tail_to(engine, before)
    answer = client.get("/api/v1/audit/verify", headers=auth(fund)).get_json()
    assert answer["ok"] is False and answer["checkpoints"] >= 1
    assert any(f"journal entry {after.journal_entries} is missing" in p for p in answer["problems"])


# -- statements ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["pdf", "xlsx", "json"])
def test_every_statement_carries_a_checkpoint_verify_statement_proves(
    fmt, app, fund, client, engine, session_factory, runner, tmp_path
):
    from reports.checkpoint_reader import checkpoint_of

    before, after = _last_receipt(session_factory)
    response = client.get(f"/api/v1/reports/trial-balance?format={fmt}", headers=auth(fund))
    assert response.status_code == 200
    from_header = Checkpoint.from_token(response.headers["X-Checkpoint"])
    assert from_header in logged(app)
    assert from_header.heads == after
    assert from_header.reason.startswith("statement trial-balance as-of-")
    path = tmp_path / f"tb.{fmt}"
    path.write_bytes(response.data)
    assert checkpoint_of(path) == from_header
    result = runner.invoke(args=["verify-statement", str(path)])
    assert result.exit_code == 0, result.output
    assert "still extend the books this statement was built from" in result.output

    _cut_tail_to(engine, before)
    log_of(app).unlink()
    result = runner.invoke(args=["verify-statement", str(path)])
    assert result.exit_code == 1
    assert f"journal entry {after.journal_entries} is missing" in result.output


def test_a_csv_has_its_checkpoint_in_its_header_only(app, fund, client, runner, tmp_path):
    response = client.get("/api/v1/reports/trial-balance?format=csv", headers=auth(fund))
    path = tmp_path / "tb.csv"
    path.write_bytes(response.data)
    result = runner.invoke(args=["verify-statement", str(path)])
    assert result.exit_code == 1 and "a CSV carries no checkpoint" in result.output
    token = response.headers["X-Checkpoint"]
    assert runner.invoke(args=["verify-statement", "--token", token]).exit_code == 0


def test_a_json_statement_shows_its_checkpoint(app, fund, client):
    body = client.get("/api/v1/reports/trial-balance?format=json", headers=auth(fund)).data
    document = json.loads(body)
    assert document["checkpoint"]["kind"] == "fundledger-checkpoint/1"
    assert document["checkpoint"]["journal_head"] == document["head_hash"]


def _last_month() -> str:
    first = TODAY.replace(day=1)
    previous = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
    return f"{previous.year:04d}-{previous.month:02d}"


def test_an_incremental_verify_starts_at_the_last_checkpoint_and_still_sees_the_tail(
    app, fund, engine, session_factory, runner
):
    assert runner.invoke(args=["checkpoint"]).exit_code == 0
    _before, after = _last_receipt(session_factory)
    result = runner.invoke(args=["verify", "--incremental"])
    assert result.exit_code == 0, result.output
    assert f"OK: {after.journal_entries} entries, head {after.journal_head}" in result.output
    with guards_off(engine, "audit_events", "journal_entries", "postings") as run:
        run(
            "UPDATE journal_entries SET memo = 'edited' WHERE number = :n",
            n=after.journal_entries,
        )
    result = runner.invoke(args=["verify", "--incremental"])
    assert result.exit_code == 1
    assert f"entry {after.journal_entries}: hash does not match its contents" in result.output


def test_an_incremental_verify_from_a_cut_checkpoint_checks_the_whole_chain(
    app, fund, engine, session_factory, runner
):
    before, after = _last_receipt(session_factory)
    assert runner.invoke(args=["checkpoint"]).exit_code == 0
    _cut_tail_to(engine, before)
    result = runner.invoke(args=["verify", "--incremental"])
    assert result.exit_code == 1
    assert "the whole chain was checked instead" in result.output
    assert f"journal entry {after.journal_entries} is missing" in result.output
