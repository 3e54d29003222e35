"""Month close: a closed month never takes another entry (SPEC §2.3, §5 Periods)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.errors import status_of
from ledger.errors import Conflict, Invalid, PeriodClosed
from ledger.journal import Line, post_entry, reverse_entry
from ledger.models import JournalEntry, JournalHead, Period
from ledger.periods import close_month, closed_months, ensure_open, is_closed, parse_month
from tests.conftest import named


def donate(session, minor, day):
    return post_entry(
        session,
        value_date=day,
        memo="donation",
        event="receipt.recorded",
        lines=[Line.debit("1000", minor), Line.credit("4200", minor)],
        actor=named("admin"),
    )


def test_a_month_can_close_only_once_it_has_ended(db):
    for month, today in [
        ("2026-03", date(2026, 3, 31)),  # the current month, on its last day
        ("2026-04", date(2026, 3, 15)),  # a future month
        ("2026-12", date(2026, 12, 31)),  # December: the year rolls over
        ("2027-01", date(2026, 12, 31)),
    ]:
        with pytest.raises(Invalid) as caught:
            close_month(db, month, actor=named("admin"), today=today)
        assert list(caught.value.errors) == ["period"], month
        assert "not ended" in caught.value.errors["period"][0]
    db.rollback()
    assert closed_months(db) == []
    # The first day of the next month is the first day a month may close.
    period = close_month(db, "2026-02", actor=named("admin"), today=date(2026, 3, 1))
    db.commit()
    assert (period.month, period.closed_by) == ("2026-02", "admin")
    # December closes only with the year-end close, which posts the closing entry first.
    with pytest.raises(Conflict) as caught:
        close_month(db, "2026-12", actor=named("admin"), today=date(2027, 1, 1))
    assert "year-end close" in caught.value.detail
    december = close_month(
        db, "2026-12", actor=named("admin"), today=date(2027, 1, 1), year_end=True
    )
    assert december.month == "2026-12"


def test_closing_twice_or_an_earlier_month_is_a_conflict(db):
    close_month(db, "2026-02", actor=named("admin"), today=date(2026, 3, 10))
    db.commit()
    for month in ("2026-02", "2026-01", "2025-12"):
        with pytest.raises(Conflict) as caught:
            close_month(db, month, actor=named("admin"), today=date(2026, 3, 10))
        assert status_of(caught.value) == 409 and "2026-02" in caught.value.detail
    db.rollback()
    assert [p.month for p in closed_months(db)] == ["2026-02"]


def test_closing_a_month_closes_every_earlier_one(db):
    close_month(db, "2026-02", actor=named("admin"), today=date(2026, 3, 10))
    db.commit()
    assert is_closed(db, date(2026, 2, 28))
    assert is_closed(db, date(2026, 1, 1))
    assert is_closed(db, date(2019, 7, 14))
    assert not is_closed(db, date(2026, 3, 1))
    assert not is_closed(db, date(2027, 1, 1))
    with pytest.raises(PeriodClosed):
        ensure_open(db, date(2025, 12, 31))
    ensure_open(db, date(2026, 3, 1))


def test_posting_into_a_closed_month_is_refused_and_writes_nothing(db, session_factory):
    donate(db, 10000, date(2026, 2, 27))
    close_month(db, "2026-02", actor=named("admin"), today=date(2026, 3, 10))
    db.commit()
    head_before = (db.get(JournalHead, 1).last_number, db.get(JournalHead, 1).last_hash)
    for day in (date(2026, 2, 28), date(2026, 2, 1), date(2026, 1, 15), date(2024, 2, 29)):
        with pytest.raises(PeriodClosed) as caught:
            donate(db, 500, day)
        error = caught.value
        assert status_of(error) == 409 and isinstance(error, Conflict)
        assert list(error.errors) == ["date"]
        assert day.strftime("%Y-%m") in error.errors["date"][0]
        assert day.isoformat() in error.detail
    # A reversal dated in the closed month is refused too; it must be dated in the open one.
    with pytest.raises(PeriodClosed):
        reverse_entry(db, 1, value_date=date(2026, 2, 28), memo="undo", actor=named("admin"))
    db.commit()
    with session_factory() as s:
        head = s.get(JournalHead, 1)
        assert (head.last_number, head.last_hash) == head_before
        assert s.scalar(select(func.count()).select_from(JournalEntry)) == 1
    # The next month is open: posting and reversing there is fine, numbering carries on.
    assert donate(db, 500, date(2026, 3, 1)).number == 2
    reversal = reverse_entry(db, 1, value_date=date(2026, 3, 2), memo="undo", actor=named("admin"))
    assert reversal.number == 3
    db.commit()


@pytest.mark.parametrize(
    "text",
    [
        "2026-13",
        "2026-00",
        "2026-1",
        "26-01",
        "2026/01",
        "2026-01-01",
        "2026-01 ",
        "",
        None,
        202601,
    ],
)
def test_parse_month_refuses(text):
    with pytest.raises(Invalid) as caught:
        parse_month(text, "month")
    assert list(caught.value.errors) == ["month"]


def test_parse_month_accepts():
    assert parse_month("2026-01") == (2026, 1)
    assert parse_month("1999-12") == (1999, 12)


def test_close_month_refuses_years_out_of_range(db):
    for month in ("0000-01", "9999-12"):
        with pytest.raises(Invalid):
            close_month(db, month, actor=named("admin"), today=date(2026, 3, 10))


def test_periods_are_recorded_with_who_and_when(db):
    close_month(db, "2026-01", actor=named("alice"), today=date(2026, 2, 1))
    close_month(db, "2026-02", actor=named("bob"), today=date(2026, 3, 1))
    db.commit()
    rows = db.execute(select(Period.month, Period.closed_by).order_by(Period.month)).all()
    assert [tuple(row) for row in rows] == [("2026-01", "alice"), ("2026-02", "bob")]
    assert all(p.closed_at is not None for p in closed_months(db))
