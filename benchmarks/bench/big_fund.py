"""A fund with a long history, built fast, for the as-of trial balance and verify.

The journal (entries, postings, a valid hash chain, running balances, award subledgers,
the head) is written straight into the tables by ``large_statements.build_fund``
(SQLAlchemy Core; imported, not copied). The registers its postings name are then filled
as ``benchmarks/dashboard.py`` fills them (its helpers, imported): the 12 cases through
``open_case``, an award row per award and a ``paid`` payment row per payment with Core.
Then ``VACUUM ANALYZE`` (what autovacuum does after a bulk load) and the months are closed
through the real services, as a fund's books would be: every month of 2024 (the year-end
close for December) and 2025 up to October, so whatever month-close work the core does
(snapshots of balances, checkpoints) is in the fund. A fund of a size is built once per
run and shared by the measures that ask for it.
"""

from __future__ import annotations

import dashboard
import large_statements
from sqlalchemy import Engine, text
from sqlalchemy.orm import sessionmaker

from bench.common import ADMIN, fresh_database
from ledger.closing import close_year
from ledger.database import make_engine, make_sessionmaker
from ledger.periods import close_month
from ledger.validate import today_utc

LAST_CLOSED = "2025-10"


def months_to_close() -> list[str]:
    return (
        [f"2024-{m:02d}" for m in range(1, 12)]
        + ["2024-YE"]
        + [f"2025-{m:02d}" for m in range(1, int(LAST_CLOSED[5:]) + 1)]
    )


def big_fund(ctx, postings: int) -> dict:
    """``{"url", "entries", "postings", "closed", "close_error", "build_seconds"}``."""
    funds = ctx.shared.setdefault("big_funds", {})
    if postings in funds:
        return funds[postings]
    url = fresh_database(f"fl_h4_big_{postings}")
    large_statements.prepare_database(url)
    ctx.log(f"  building a fund of {postings:,} postings (large_statements.build_fund)…")
    built = large_statements.build_fund(url, postings)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    with factory.begin() as session:
        dashboard.open_cases(session, ADMIN)
    with engine.begin() as connection:
        awards = dashboard.insert_awards(connection)
        payments = dashboard.insert_paid_disbursements(connection)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    closed, close_error = [], None
    today = today_utc()
    for month in months_to_close():
        try:
            with factory.begin() as session:
                if month.endswith("YE"):
                    close_year(session, actor=ADMIN, year=int(month[:4]), today=today)
                else:
                    close_month(session, month, actor=ADMIN, today=today)
            closed.append(month)
        except Exception as exc:  # recorded: the measures run on the fund as it is
            close_error = f"closing {month}: {type(exc).__name__}: {exc}"[:300]
            break
    engine.dispose()
    fund = {
        "url": url,
        **built,
        "awards": awards,
        "payments": payments,
        "closed": closed,
        "close_error": close_error,
    }
    ctx.log(
        f"  built: {built}, {len(closed)} closes" + (f" ({close_error})" if close_error else "")
    )
    funds[postings] = fund
    return fund


def big_fund_sessions(ctx, postings: int) -> tuple[dict, str, Engine, sessionmaker]:
    """The shared fund of ``postings`` (:func:`big_fund`), its psycopg DSN (the references
    fetch raw through psycopg) and an engine and session factory on it (the subjects run
    through SQLAlchemy); the caller disposes of the engine."""
    fund = big_fund(ctx, postings)
    engine = make_engine(fund["url"])
    dsn = fund["url"].replace("postgresql+psycopg://", "postgresql://")
    return fund, dsn, engine, make_sessionmaker(engine)


def describe(fund: dict) -> str:
    closes = (
        f"months closed through the services: {fund['closed'][0]} … {fund['closed'][-1]} "
        f"({len(fund['closed'])} closes)"
        if fund["closed"]
        else "no month closed"
    )
    error = f"; **the closes stopped**: {fund['close_error']}" if fund["close_error"] else ""
    return (
        f"Fund: {fund['entries']:,} entries / {fund['postings']:,} postings over 2024-2025, "
        f"{fund['awards']:,} awards, {fund['payments']:,} payments, built in "
        f"{fund['build_seconds']} s by `large_statements.build_fund`; {closes}{error}."
    )
