"""A batch leaves exactly the books that the same entries posted one by one would (issue 11).

Each example plays one random list of entries twice on a fresh fund: once
through :func:`ledger.journal.post_entry`, entry by entry, and once as one
batch through :func:`ledger.journal.post_entries`. Then it compares every
journal row, posting, running balance, award subledger row, the journal head
and the audit log. Time is the one thing two runs cannot share, so the clock
the posting code reads (``utcnow`` in ledger.journal, ledger.audit and
ledger.awards) is pinned to one instant for both runs: with it, even the hashes
must be equal, byte for byte.

When the one-by-one run refuses an entry (an overdraft, a closed month, an award
kept in another currency), the batch must refuse as a whole and leave the books
exactly as they were before it (all or nothing).

The same holds for awards: :func:`ledger.batch_awards.register_awards` against
:func:`ledger.awards.register_award` row by row.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import awards, batch_awards
from ledger.errors import LedgerError
from ledger.journal import Line, post_entries, post_entry, prepare_entry
from ledger.models import (
    AccountBalance,
    AuditEvent,
    Award,
    JournalEntry,
    JournalHead,
    Posting,
    SubledgerBalance,
)
from ledger.money import Money
from ledger.periods import close_month
from ledger.verify import verify_journal
from tests.conftest import named
from tests.registers.factories import new_case, new_victim

ACTOR = named("batch-test")
NOW = datetime(2026, 12, 31, 12, 0, 0, 123456)
CLOCKS = ("ledger.journal.utcnow", "ledger.audit.utcnow", "ledger.awards.utcnow")
SETTINGS = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
    max_examples=int(os.environ.get("FUNDLEDGER_PROPERTY_EXAMPLES", "20")),
)

days = st.dates(min_value=date(2026, 1, 15), max_value=date(2026, 3, 31))
amounts = st.integers(min_value=1, max_value=90_000)
operations = st.one_of(
    st.tuples(st.just("donation"), days, amounts, st.none()),
    st.tuples(st.just("cost"), days, amounts, st.none()),
    st.tuples(st.just("award"), days, amounts, st.integers(1, 3)),
    st.tuples(st.just("pay"), days, amounts, st.integers(1, 3)),
    st.tuples(st.just("usd_award"), days, amounts, st.integers(4, 5)),
    st.tuples(st.just("adjust"), days, amounts, st.sampled_from(["2200", "3000", "4000"])),
)


def lines_of(kind: str, amount: int, other) -> list[Line]:
    if kind == "donation":
        return [Line.debit("1000", amount), Line.credit("4200", amount)]
    if kind == "cost":
        return [Line.debit("5500", amount), Line.credit("1000", amount)]
    if kind in ("award", "usd_award"):
        original = Money(amount, "USD") if kind == "usd_award" else None
        dims = {"award_id": other, "victim_id": 1, "case_id": 1}
        return [
            Line.debit("5000", amount, original, **dims),
            Line.credit("2000", amount, original, **dims),
        ]
    if kind == "pay":
        dims = {"award_id": other, "victim_id": 1, "case_id": 1}
        return [Line.debit("2000", amount, **dims), Line.credit("1000", amount, **dims)]
    return [Line.debit("1010", amount), Line.credit(other, amount)]


def books(session: Session) -> dict:
    """Every row posting touches, in a fixed order (postings without their serial id)."""
    session.expire_all()

    def rows(model, *order, skip=()):
        table = model.__table__
        columns = [c for c in table.columns if c.name not in skip]
        return [tuple(r) for r in session.execute(select(*columns).order_by(*order))]

    return {
        "entries": rows(JournalEntry, JournalEntry.number),
        "postings": rows(Posting, Posting.entry_number, Posting.line, skip=("id",)),
        "balances": rows(AccountBalance, AccountBalance.account_id),
        "subledgers": rows(
            SubledgerBalance, SubledgerBalance.account_id, SubledgerBalance.award_id
        ),
        "head": rows(JournalHead, JournalHead.id),
        "audit": rows(AuditEvent, AuditEvent.id),
        "awards": rows(Award, Award.id),
    }


def set_up(session_factory) -> None:
    with session_factory() as session:
        new_case(session, opened_on=date(2026, 1, 2))
        new_victim(session)
        close_month(session, "2026-01", actor=ACTOR, today=date(2026, 12, 31))
        post_entry(
            session,
            actor=ACTOR,
            value_date=date(2026, 2, 1),
            memo="opening cash",
            event="test.opening",
            lines=[Line.debit("1000", 50_000), Line.credit("4200", 50_000)],
        )
        session.commit()


def one_by_one(session_factory, ops) -> tuple[bool, dict]:
    """Post each entry in order; (whether any was refused, the books after the accepted)."""
    refused = False
    with session_factory() as session:
        for i, (kind, day, amount, other) in enumerate(ops):
            try:
                with session.begin_nested():
                    post_entry(
                        session,
                        actor=ACTOR,
                        value_date=day,
                        memo=f"entry {i} {kind}",
                        event=f"test.{kind}",
                        lines=lines_of(kind, amount, other),
                        source=("test", i + 1),
                    )
            except LedgerError:
                refused = True
        session.commit()
        return refused, books(session)


def as_batch(session_factory, ops) -> tuple[bool, dict, dict]:
    """Post all entries as one batch; (whether it was refused, books before, books after)."""
    with session_factory() as session:
        before = books(session)
        try:
            prepared = [
                prepare_entry(
                    session,
                    author=ACTOR,
                    value_date=day,
                    memo=f"entry {i} {kind}",
                    event=f"test.{kind}",
                    lines=lines_of(kind, amount, other),
                    source=("test", i + 1),
                )
                for i, (kind, day, amount, other) in enumerate(ops)
            ]
            post_entries(session, prepared)
            refused = False
        except LedgerError:
            refused = True
        session.commit()
        return refused, before, books(session)


def pinned_clock():
    patches = [mock.patch(target, return_value=NOW) for target in CLOCKS]
    for patch in patches:
        patch.start()
    return patches


@SETTINGS
@given(ops=st.lists(operations, min_size=1, max_size=12))
def test_a_batch_posts_what_one_by_one_posts(session_factory, reset_database, ops):
    patches = pinned_clock()
    try:
        reset_database()
        set_up(session_factory)
        refused, expected = one_by_one(session_factory, ops)
        reset_database()
        set_up(session_factory)
        batch_refused, before, after = as_batch(session_factory, ops)
    finally:
        for patch in patches:
            patch.stop()
    assert batch_refused == refused
    if refused:
        assert after == before, "a refused batch left something behind"
    else:
        assert after == expected
    with session_factory() as session:
        assert verify_journal(session).ok


award_rows = st.lists(
    st.tuples(
        st.sampled_from(["O-1", "O-2", "O-3", "O-4"]),
        st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 3, 31)),
        st.integers(min_value=1, max_value=10**7),
    ),
    min_size=1,
    max_size=8,
)


@SETTINGS
@given(rows=award_rows)
def test_awards_in_a_batch_are_the_awards_registered_one_by_one(
    session_factory, reset_database, rows
):
    def requests(case_id, victim_id):
        return [
            awards.AwardRequest(case_id, victim_id, ref, day, Money(minor, "EUR"))
            for ref, day, minor in rows
        ]

    patches = pinned_clock()
    try:
        reset_database()
        with session_factory() as session:
            case, victim = new_case(session, opened_on=date(2026, 1, 2)), new_victim(session)
            close_month(session, "2026-01", actor=ACTOR, today=date(2026, 12, 31))
            session.commit()
            refused = False
            for request in requests(case.id, victim.id):
                try:
                    with session.begin_nested():
                        awards.register_award(session, actor=ACTOR, **vars(request))
                except LedgerError:
                    refused = True
            session.commit()
            expected = books(session)
        reset_database()
        with session_factory() as session:
            case, victim = new_case(session, opened_on=date(2026, 1, 2)), new_victim(session)
            close_month(session, "2026-01", actor=ACTOR, today=date(2026, 12, 31))
            session.commit()
            before = books(session)
            try:
                batch_awards.register_awards(session, requests(case.id, victim.id), author=ACTOR)
                batch_refused = False
            except LedgerError:
                batch_refused = True
                session.rollback()
            session.commit()
            after = books(session)
    finally:
        for patch in patches:
            patch.stop()
    assert batch_refused == refused
    if refused:
        assert after == before
    else:
        assert after == expected
