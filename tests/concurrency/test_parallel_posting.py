"""Real parallel writers on PostgreSQL (SPEC §2.4, §8: checked under a lock).

Every worker is a thread with its own Session (so its own connection), holds
its connection before the start, and waits at a barrier so that all of them
hit the database together. Each commits its own transaction or rolls back.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ledger.balances import current_balances
from ledger.chart import get_account
from ledger.errors import Conflict, Overdraft
from ledger.journal import Line, post_entry, reverse_entry
from ledger.models import JournalEntry, JournalHead, Period, SubledgerBalance
from ledger.periods import close_month
from ledger.verify import verify_journal
from tests.conftest import named

pytestmark = pytest.mark.postgres_only

DAY = date(2026, 3, 2)
USER = "concurrency-test"


def run_in_parallel(
    session_factory: sessionmaker[Session], work: list[Callable[[Session], object]]
) -> list[tuple[str, object]]:
    """Run each ``work(session)`` in its own thread, all released at once.

    Returns ``("ok", value)`` or ``("error", exception)`` per worker, in order.
    """
    barrier = threading.Barrier(len(work), timeout=30)
    results: list[tuple[str, object] | None] = [None] * len(work)

    def worker(index: int) -> None:
        session = session_factory()
        try:
            session.connection()  # check a connection out before the start line
            barrier.wait()
            value = work[index](session)
            session.commit()
            results[index] = ("ok", value)
        except Exception as exc:
            session.rollback()
            results[index] = ("error", exc)
        finally:
            session.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    assert all(result is not None for result in results)
    return results  # type: ignore[return-value]


def post(session: Session, lines: list[Line], memo: str = "", **kwargs) -> int:
    entry = post_entry(
        session,
        value_date=kwargs.pop("value_date", DAY),
        memo=memo,
        event=kwargs.pop("event", "journal.manual"),
        lines=lines,
        actor=named(USER),
        **kwargs,
    )
    return entry.number


def outcomes(results) -> Counter:
    return Counter("ok" if kind == "ok" else type(value).__name__ for kind, value in results)


def assert_books_verify(session_factory) -> None:
    with session_factory() as session:
        result = verify_journal(session)
    assert result.ok, result.problems


def test_parallel_payments_cannot_overdraw_the_bank_account(session_factory):
    with session_factory.begin() as session:
        post(session, [Line.debit("1000", 100_00), Line.credit("4200", 100_00)], "donation")

    def pay(session: Session) -> int:
        return post(session, [Line.debit("5500", 30_00), Line.credit("1000", 30_00)], "cost")

    results = run_in_parallel(session_factory, [pay] * 10)

    assert outcomes(results) == Counter({"ok": 3, "Overdraft": 7})
    assert all(isinstance(v, Overdraft) for kind, v in results if kind == "error")
    with session_factory() as session:
        balances = current_balances(session)
        assert balances["1000"] == 10_00
        assert balances["5500"] == 90_00
        assert session.get(JournalHead, 1).last_number == 4
    assert_books_verify(session_factory)


def test_parallel_payments_cannot_overdraw_an_award(session_factory):
    with session_factory.begin() as session:
        # plenty of cash: only the award can limit the payments
        post(session, [Line.debit("1000", 1000_00), Line.credit("4200", 1000_00)], "grant")
        post(
            session,
            [Line.debit("5000", 100_00, award_id=1), Line.credit("2000", 100_00, award_id=1)],
            "award 1 registered",
            event="award.registered",
        )

    def pay(session: Session) -> int:
        return post(
            session,
            [Line.debit("2000", 30_00, award_id=1), Line.credit("1000", 30_00)],
            "award 1 paid",
            event="payment.executed",
        )

    results = run_in_parallel(session_factory, [pay] * 10)

    assert outcomes(results) == Counter({"ok": 3, "Overdraft": 7})
    with session_factory() as session:
        award = session.get(SubledgerBalance, (get_account(session, "2000").id, 1))
        assert (award.balance, award.original_balance) == (-10_00, -10_00)
        balances = current_balances(session)
        assert balances["2000"] == -10_00
        assert balances["1000"] == 1000_00 - 90_00
    assert_books_verify(session_factory)


def test_parallel_posting_numbers_without_gaps_or_duplicates(session_factory):
    threads, per_thread = 8, 25

    def many(session: Session) -> list[int]:
        numbers = []
        for i in range(per_thread):
            numbers.append(
                post(session, [Line.debit("5500", 1_00 + i), Line.credit("2200", 1_00 + i)])
            )
            session.commit()
        return numbers

    results = run_in_parallel(session_factory, [many] * threads)

    assert outcomes(results) == Counter({"ok": threads})
    numbers = [n for _, value in results for n in value]
    total = threads * per_thread
    assert sorted(numbers) == list(range(1, total + 1))
    for _, value in results:
        assert value == sorted(value)  # each writer sees its own entries in order
    with session_factory() as session:
        stored = list(session.scalars(select(JournalEntry.number).order_by(JournalEntry.number)))
        assert stored == list(range(1, total + 1))
        assert session.get(JournalHead, 1).last_number == total
        expected = sum(1_00 + i for i in range(per_thread)) * threads
        assert current_balances(session)["5500"] == expected
    assert_books_verify(session_factory)


@pytest.mark.parametrize("reversers", [2, 6])
def test_concurrent_reversals_of_one_entry_only_one_wins(session_factory, reversers):
    with session_factory.begin() as session:
        number = post(session, [Line.debit("5500", 12_34), Line.credit("2200", 12_34)], "bill")

    def reverse(session: Session) -> int:
        return reverse_entry(
            session, number, value_date=DAY, memo="wrong bill", actor=named(USER)
        ).number

    results = run_in_parallel(session_factory, [reverse] * reversers)

    assert outcomes(results) == Counter({"ok": 1, "Conflict": reversers - 1})
    assert all(type(v) is Conflict for kind, v in results if kind == "error")
    with session_factory() as session:
        reversals = list(
            session.scalars(select(JournalEntry).where(JournalEntry.reverses == number))
        )
        assert [r.number for r in reversals] == [v for kind, v in results if kind == "ok"]
        assert session.scalar(select(func.count()).select_from(JournalEntry)) == 2
        assert current_balances(session)["5500"] == 0
    assert_books_verify(session_factory)


def test_same_idempotency_key_from_parallel_callers_makes_one_entry(session_factory):
    with session_factory.begin() as session:
        post(session, [Line.debit("1000", 50_00), Line.credit("4200", 50_00)], "donation")

    def pay(session: Session) -> int:
        return post(
            session,
            [Line.debit("5500", 20_00), Line.credit("1000", 20_00)],
            "printer",
            idempotency_key="pay-printer-once",
        )

    results = run_in_parallel(session_factory, [pay] * 8)

    assert outcomes(results) == Counter({"ok": 8})
    assert {value for _, value in results} == {2}
    with session_factory() as session:
        keyed = session.scalars(
            select(JournalEntry).where(JournalEntry.idempotency_key == "pay-printer-once")
        ).all()
        assert [entry.number for entry in keyed] == [2]
        assert session.get(JournalHead, 1).last_number == 2
        assert current_balances(session)["1000"] == 30_00
    assert_books_verify(session_factory)


def test_closing_a_month_while_others_post_into_it(session_factory):
    """Posting and closing queue on one lock: nothing lands in a month after it closed."""
    february = date(2026, 2, 27)

    def close(session: Session) -> str:
        return close_month(session, "2026-02", actor=named(USER), today=date(2026, 12, 31)).month

    def late_bill(session: Session) -> int:
        return post(
            session,
            [Line.debit("5500", 1_00), Line.credit("2200", 1_00)],
            "late bill",
            value_date=february,
        )

    work = [late_bill] * 4 + [close] + [late_bill] * 4
    results = run_in_parallel(session_factory, work)

    assert results[4] == ("ok", "2026-02")
    counts = outcomes(results)
    assert counts["ok"] + counts["PeriodClosed"] == len(work)
    with session_factory() as session:
        closed_at = session.get(Period, "2026-02").closed_at
        entries = session.scalars(select(JournalEntry).order_by(JournalEntry.number)).all()
        assert len(entries) == counts["ok"] - 1
        assert all(entry.posted_at < closed_at for entry in entries)
        assert [entry.number for entry in entries] == list(range(1, len(entries) + 1))
    assert_books_verify(session_factory)
