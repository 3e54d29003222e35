"""As-of balances read from month-end snapshots equal the plain sum of the postings.

A random history posts entries on random days of 2025-2026 (donations, awards
ordered into the 2000 subledger, escrow in and out) and closes months as it goes,
in any order of dates, Decembers through the year-end close. Entries aimed at a
closed month are refused and change nothing. Then, for every day where an off-by-one
would show (each entry's day and those either side, every month's first and last day,
before the first entry and after the last), the snapshot-based figures
(:func:`ledger.balances.balances_as_of`, :func:`ledger.balances.trial_balance`'s
entry count, :func:`ledger.snapshots.subledger_totals_as_of`) must equal a
plain ``SUM`` over the postings dated up to that day, and verify must be clean.
Runs on both engines (``FUNDLEDGER_TEST_DATABASE_URL``).
"""

from __future__ import annotations

import os
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from ledger.balances import balances_as_of, trial_balance
from ledger.closing import close_year
from ledger.errors import PeriodClosed
from ledger.journal import Line, post_entry
from ledger.models import Account, JournalEntry, MonthSnapshot, Posting
from ledger.models.base import summed
from ledger.periods import close_month, latest_closed
from ledger.snapshots import subledger_totals_as_of
from ledger.verify import verify_journal
from tests.conftest import named

START = date(2025, 1, 1)
DAYS = 700  # to late November 2026
TODAY = date(2027, 1, 15)
ADMIN = named("admin")
KINDS = {
    "donation": ("1000", "4200", None),
    "award": ("5000", "2000", "award"),
    "escrow_in": ("1010", "2100", None),
    "escrow_out": ("2100", "1010", None),
}

SETTINGS = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
    max_examples=int(os.environ.get("FUNDLEDGER_PROPERTY_EXAMPLES", "25")),
)

posting = st.tuples(
    st.just("post"),
    st.integers(0, DAYS),
    st.sampled_from(sorted(KINDS)),
    st.integers(1, 10**7),
    st.integers(1, 4),
)
closing = st.tuples(st.just("close"), st.integers(0, DAYS))
operations = st.lists(st.one_of(posting, posting, closing), min_size=1, max_size=30)


def play(session, ops) -> None:
    for op in ops:
        day = START + timedelta(days=op[1])
        if op[0] == "post":
            _, _, kind, amount, award = op
            debit, credit, dims = KINDS[kind]
            extra = {"award_id": award} if dims else {}
            try:
                with session.begin_nested():
                    post_entry(
                        session,
                        actor=ADMIN,
                        value_date=day,
                        memo=kind,
                        event="adjustment.posted",
                        lines=[
                            Line.debit(debit, amount, **extra),
                            Line.credit(credit, amount, **extra),
                        ],
                    )
            except PeriodClosed:
                pass
        else:
            month = f"{day.year:04d}-{day.month:02d}"
            latest = latest_closed(session)
            if latest is not None and month <= latest:
                continue
            # Decembers before (or at) the month close through the year-end close.
            first_year = int(latest[:4]) + (latest[5:] == "12") if latest else 2025
            for year in range(first_year, day.year + (day.month == 12)):
                close_year(session, actor=ADMIN, year=year, today=TODAY)
            if month[5:] != "12" and month > (latest_closed(session) or ""):
                close_month(session, month, actor=ADMIN, today=TODAY)
        session.commit()


def plain_sums(session, as_of: date) -> dict[str, int]:
    rows = session.execute(
        select(Account.code, summed(Posting.amount))
        .join(Posting, Posting.account_id == Account.id)
        .join(JournalEntry, JournalEntry.number == Posting.entry_number)
        .where(JournalEntry.value_date <= as_of)
        .group_by(Account.code)
    )
    sums = {code: 0 for code in session.scalars(select(Account.code))}
    sums.update({code: int(total) for code, total in rows})
    return sums


def plain_awards(session, as_of: date) -> dict[int, int]:
    rows = session.execute(
        select(Posting.award_id, summed(Posting.amount))
        .join(Account, Account.id == Posting.account_id)
        .join(JournalEntry, JournalEntry.number == Posting.entry_number)
        .where(Account.code == "2000", JournalEntry.value_date <= as_of)
        .group_by(Posting.award_id)
    )
    return {award: int(total) for award, total in rows}


def days_to_check(session) -> list[date]:
    """Where an off-by-one would show: each entry's day and the days either side of it,
    every month's last and first day, before the first entry and after the last."""
    days = {START - timedelta(days=1), START + timedelta(days=DAYS + 40)}
    for day in session.scalars(select(JournalEntry.value_date).distinct()):
        days |= {day - timedelta(days=1), day, day + timedelta(days=1)}
    first = START
    while first <= START + timedelta(days=DAYS + 40):
        days |= {first - timedelta(days=1), first}
        first = (first + timedelta(days=32)).replace(day=1)
    return sorted(days)


@SETTINGS
@given(ops=operations)
def test_snapshot_balances_equal_the_sum_of_postings_on_every_day(
    ops, session_factory, reset_database
):
    reset_database()
    with session_factory() as session:
        play(session, ops)
    with session_factory() as session:
        awards = session.scalar(select(Account.id).where(Account.code == "2000"))
        closed = latest_closed(session)
        if closed is not None:
            assert session.scalar(select(func.max(MonthSnapshot.month))) == closed
        for day in days_to_check(session):
            assert balances_as_of(session, day) == plain_sums(session, day), day
            counted = session.scalar(
                select(func.count()).select_from(JournalEntry).where(JournalEntry.value_date <= day)
            )
            assert trial_balance(session, day).entries == counted, day
            by_award = {a: t for a, t in subledger_totals_as_of(session, awards, day).items() if t}
            assert by_award == {a: t for a, t in plain_awards(session, day).items() if t}, day
        result = verify_journal(session)
        assert result.problems == []
