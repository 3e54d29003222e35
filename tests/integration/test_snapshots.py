"""Month-end snapshots: written by every close, final, and checked by verify."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ledger.balances import balances_as_of, trial_balance
from ledger.chart import get_account
from ledger.closing import close_year
from ledger.journal import Line, post_entry
from ledger.models import BalanceSnapshot, MonthSnapshot, SubledgerSnapshot
from ledger.periods import close_month
from ledger.snapshots import subledger_totals_as_of
from ledger.verify import verify_journal
from tests.conftest import named
from tests.integration.test_verify import guards_off

ADMIN = named("admin")


def post(db, day, debit, credit, amount, **dims):
    return post_entry(
        db,
        value_date=day,
        memo="m",
        event="e.v",
        lines=[Line.debit(debit, amount, **dims), Line.credit(credit, amount, **dims)],
        actor=ADMIN,
    )


def build(db):
    post(db, date(2025, 11, 3), "1000", "4200", 10_000)
    post(db, date(2025, 11, 30), "5000", "2000", 4_000, award_id=1)
    post(db, date(2025, 12, 15), "5000", "2000", 1_000, award_id=2)
    # Dated in January, posted before December closes: counted from January on.
    post(db, date(2026, 1, 10), "5500", "1000", 300)
    close_month(db, "2025-11", actor=ADMIN, today=date(2026, 1, 20))
    close_year(db, actor=ADMIN, year=2025, today=date(2026, 1, 20))
    post(db, date(2026, 1, 31), "1000", "4200", 50)
    db.commit()


def test_each_close_stores_the_month_end_figures(db, session_factory):
    build(db)
    months = dict(db.execute(select(MonthSnapshot.month, MonthSnapshot.entries)).all())
    # November: 2 entries; December: its award and the year's closing entry.
    assert months == {"2025-11": 2, "2025-12": 4}
    codes = {get_account(db, c).id: c for c in ("1000", "2000", "3000", "4200", "5000")}
    december = {
        codes[r.account_id]: r.balance
        for r in db.scalars(select(BalanceSnapshot).where(BalanceSnapshot.month == "2025-12"))
    }
    # The closing entry moved the year's result to the fund balance: revenue and cost at 0.
    assert december == {"1000": 10_000, "2000": -5_000, "3000": -5_000, "4200": 0, "5000": 0}
    moved = {(r.month, r.award_id): r.balance for r in db.scalars(select(SubledgerSnapshot))}
    assert moved == {("2025-11", 1): -4_000, ("2025-12", 2): -1_000}
    awards = get_account(db, "2000").id
    assert subledger_totals_as_of(db, awards, date(2026, 1, 31)) == {1: -4_000, 2: -1_000}
    assert subledger_totals_as_of(db, awards, date(2025, 11, 30)) == {1: -4_000}
    assert balances_as_of(db, date(2026, 1, 10))["1000"] == 9_700
    assert trial_balance(db, date(2026, 1, 31)).entries == 6
    db.rollback()  # end the read: SQLite's verify session begins IMMEDIATE
    with session_factory() as session:
        assert verify_journal(session).problems == []


def test_verify_names_a_wrong_missing_or_extra_snapshot(db, engine, session_factory):
    build(db)
    bank = get_account(db, "1000").id
    db.rollback()

    def problems():
        with session_factory() as session:
            return verify_journal(session).problems

    cases = [
        (
            f"UPDATE balance_snapshots SET balance = balance + 1 "
            f"WHERE month = '2025-12' AND account_id = {bank}",
            "snapshot 2025-12, account 1000: stored balance 10001",
            f"UPDATE balance_snapshots SET balance = balance - 1 "
            f"WHERE month = '2025-12' AND account_id = {bank}",
        ),
        (
            "UPDATE subledger_snapshots SET balance = -3999 WHERE award_id = 1",
            "snapshot 2025-11, account 2000, award 1: stored balance -3999",
            "UPDATE subledger_snapshots SET balance = -4000 WHERE award_id = 1",
        ),
        (
            "UPDATE month_snapshots SET entries = 3 WHERE month = '2025-11'",
            "snapshot 2025-11: says 3 entries",
            "UPDATE month_snapshots SET entries = 2 WHERE month = '2025-11'",
        ),
        (
            f"DELETE FROM balance_snapshots WHERE month = '2025-11' AND account_id = {bank}",
            "snapshot 2025-11, account 1000: missing",
            f"INSERT INTO balance_snapshots VALUES ('2025-11', {bank}, 10000, 10000, 1)",
        ),
        (
            "INSERT INTO month_snapshots VALUES ('2026-01', 5)",
            "snapshot 2026-01: the month is not closed",
            "DELETE FROM month_snapshots WHERE month = '2026-01'",
        ),
    ]
    for change, expected, undo in cases:
        with guards_off(engine) as run:
            run(change)
        found = problems()
        assert any(p.startswith(expected) for p in found), (change, found)
        with guards_off(engine) as run:
            run(undo)
        assert problems() == [], undo
