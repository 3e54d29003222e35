"""Migration 0007: a fund with months already closed gets their snapshots, exact.

The fund is built at 0006 (entries over three months, two of them closed, one entry
dated in the open month), upgraded to head: every closed month has its snapshot,
verify (which recomputes each one) is clean, and every as-of balance is what the
plain sum of the postings says. Downgrading drops the tables again.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import inspect, select, text

from ledger.balances import balances_as_of
from ledger.chart import seed_chart
from ledger.database import make_sessionmaker
from ledger.fund import initialise_fund
from ledger.journal import Line, post_entry
from ledger.models import MonthSnapshot, Period
from ledger.models.base import utcnow
from ledger.verify import verify_journal
from migrations import alembic_config, upgrade
from tests.conftest import named
from tests.migrations.test_migrations import scratch_engine  # noqa: F401 (fixture)
from tests.property.test_snapshot_balances import plain_sums

DAYS = [date(2026, 1, 5), date(2026, 1, 31), date(2026, 2, 1), date(2026, 2, 27), date(2026, 3, 3)]


def test_upgrade_fills_the_snapshots_of_closed_months(scratch_engine):  # noqa: F811
    from alembic import command

    upgrade(scratch_engine, "0006")
    sessions = make_sessionmaker(scratch_engine)
    with sessions.begin() as session:
        initialise_fund(session, name="Old Fund", functional_currency="EUR")
        seed_chart(session, "EUR")
        for n, day in enumerate(DAYS, start=1):
            post_entry(
                session,
                value_date=day,
                memo="grant",
                event="receipt.grant",
                lines=[
                    Line.debit("1000", 100 * n),
                    Line.credit("4200", 100 * n),
                ],
                actor=named("migration-test"),
            )
        # Closed the way 0006 closed them: the period rows alone.
        for month in ("2026-01", "2026-02"):
            session.add(Period(month=month, closed_at=utcnow(), closed_by="admin"))
    upgrade(scratch_engine)
    with sessions() as session:
        months = dict(session.execute(select(MonthSnapshot.month, MonthSnapshot.entries)).all())
        assert months == {"2026-01": 2, "2026-02": 4}
        assert verify_journal(session).problems == []
        day = date(2025, 12, 30)
        while day <= date(2026, 3, 5):
            assert balances_as_of(session, day) == plain_sums(session, day), day
            day += timedelta(days=1)
        stored = session.execute(
            text(
                "SELECT s.balance FROM balance_snapshots s JOIN accounts a ON a.id = s.account_id "
                "WHERE s.month = '2026-02' AND a.code = '4200'"
            )
        ).scalar_one()
        assert stored == -(100 + 200 + 300 + 400)
    command.downgrade(alembic_config(scratch_engine), "0006")
    tables = set(inspect(scratch_engine).get_table_names())
    assert not tables & {"month_snapshots", "balance_snapshots", "subledger_snapshots"}
