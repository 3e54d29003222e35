"""Batches racing single postings on PostgreSQL (issue 11: one lock per batch).

A batch (:func:`ledger.journal.post_entries`) holds the journal head for its
whole transaction; single postings and other batches queue behind it. Whatever
the interleaving, the journal must stay gapless and chained, every balance must
match its postings, and a batch that is refused must leave none of its entries.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.balances import current_balances
from ledger.errors import Overdraft
from ledger.journal import Line, post_entries, prepare_entry
from ledger.models import JournalEntry
from ledger.verify import verify_journal
from tests.concurrency.test_parallel_posting import post, run_in_parallel
from tests.conftest import named

pytestmark = pytest.mark.postgres_only

DAY = date(2026, 3, 2)
ACTOR = named("batch-racer")


def batch(session: Session, lines_list: list[list[Line]], tag: str) -> int:
    prepared = [
        prepare_entry(
            session,
            author=ACTOR,
            value_date=DAY,
            memo=f"{tag} {i}",
            event="journal.manual",
            lines=lines,
        )
        for i, lines in enumerate(lines_list)
    ]
    return len(post_entries(session, prepared))


def donation(amount: int) -> list[Line]:
    return [Line.debit("1000", amount), Line.credit("4200", amount)]


def cost(amount: int) -> list[Line]:
    return [Line.debit("5500", amount), Line.credit("1000", amount)]


def test_batches_and_single_postings_interleave_into_one_gapless_chain(session_factory):
    work = [lambda s, t=t: batch(s, [donation(100 + i) for i in range(40)], t) for t in "ab"]
    work += [lambda s, i=i: post(s, donation(1_000 + i), f"single {i}") for i in range(6)]
    results = run_in_parallel(session_factory, work)
    assert [kind for kind, _ in results] == ["ok"] * len(work), results
    with session_factory() as session:
        numbers = list(session.scalars(select(JournalEntry.number).order_by(JournalEntry.number)))
        assert numbers == list(range(1, 40 * 2 + 6 + 1))
        # each batch's entries are consecutive: one lock for the whole batch
        for tag in "ab":
            mine = [
                n
                for n, memo in session.execute(select(JournalEntry.number, JournalEntry.memo))
                if memo.startswith(f"{tag} ")
            ]
            assert sorted(mine) == list(range(min(mine), min(mine) + 40))
        assert verify_journal(session).ok
        expected = sum(100 + i for i in range(40)) * 2 + sum(1_000 + i for i in range(6))
        assert current_balances(session)["1000"] == expected


def test_two_batches_that_together_overdraw_the_bank_cannot_both_pass(session_factory):
    with session_factory() as session:
        post(session, donation(10_000), "opening")
        session.commit()
    work = [lambda s, t=t: batch(s, [cost(3_000), cost(3_000)], t) for t in "xy"]
    results = run_in_parallel(session_factory, work)
    kinds = sorted(kind for kind, _ in results)
    assert kinds == ["error", "ok"], results
    assert any(isinstance(value, Overdraft) for kind, value in results if kind == "error")
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(JournalEntry)) == 3
        assert current_balances(session)["1000"] == 4_000
        assert verify_journal(session).ok
