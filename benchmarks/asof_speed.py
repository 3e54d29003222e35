"""As-of trial balance beside the raw GROUP BY over every posting (issue 11, point 3).

Builds (or reuses) a PostgreSQL fund of ``--postings`` postings with
``benchmarks/large_statements.py`` (entries dated 2024-01-01 to 2025-12-31), then
in one session, interleaved, medians of ``--repeat``:

- ``raw``: ``SELECT account_id, SUM(amount) FROM postings GROUP BY account_id``;
- ``before``: the as-of sum as it was read before snapshots (every posting of an
  entry dated up to the day, joined with its entry);
- ``after``: :func:`ledger.balances.trial_balance` as of the day, once the months
  are closed through the real path (``close_year(2024)``, ``close_month(2025-11)``,
  each writing its snapshots): the last snapshot plus the postings dated since.

Days (the fund's entries run to late November 2025): 2025-10-26 (September's
snapshot plus 26 days of postings), 2025-11-15 (October's plus 15 days), 2025-12-20
(November's, nothing since), and 2024-06-15 (early in the history: the same work as
late in it, which is what "flat as history grows" means).

Usage: ``python benchmarks/asof_speed.py --database-url postgresql+psycopg://…/fl_bench
--postings 250000``; prints a JSON report.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import large_statements
from sqlalchemy import func, select, text

from ledger.access import Actor
from ledger.balances import trial_balance
from ledger.closing import close_year
from ledger.database import make_engine, make_sessionmaker
from ledger.models import JournalEntry, MonthSnapshot, Posting
from ledger.models.base import summed
from ledger.periods import close_month, latest_closed

RAW = text("SELECT account_id, SUM(amount) FROM postings GROUP BY account_id")
#: Late in a closed month (September's snapshot + 26 days), mid-month (October's + 15),
#: just after a close (November's, nothing since) and early in the history.
DAYS = [date(2025, 10, 26), date(2025, 11, 15), date(2025, 12, 20), date(2024, 6, 15)]
ADMIN = Actor.system("benchmark")


def before(session, day: date):
    return session.execute(
        select(Posting.account_id, summed(Posting.amount))
        .join(JournalEntry, JournalEntry.number == Posting.entry_number)
        .where(JournalEntry.value_date <= day)
        .group_by(Posting.account_id)
    ).all()


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def close_months(session_factory) -> None:
    with session_factory() as session:
        if latest_closed(session) is None:
            close_year(session, actor=ADMIN, year=2024, today=date(2026, 1, 20))
            close_month(session, "2025-11", actor=ADMIN, today=date(2026, 1, 20))
            session.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--postings", type=int, default=250_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, help="also write the JSON report here")
    args = parser.parse_args()
    built = large_statements.fund(args.database_url, args.postings, False)
    engine = make_engine(built["url"])
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        before_close = {str(d): [] for d in DAYS}
        raw_before = []
        if session.scalar(select(func.count()).select_from(MonthSnapshot)) == 0:
            for _ in range(args.repeat):
                raw_before.append(timed(lambda: session.execute(RAW).all()))
                for d in DAYS:
                    before_close[str(d)].append(timed(lambda d=d: before(session, d)))
    close_months(sessions)
    report = {"machine": large_statements.machine(built["url"]), "fund": built, "days": {}}
    with sessions() as session:
        postings = session.scalar(select(func.count()).select_from(Posting))
        report["postings"] = postings
        for d in DAYS:
            raw, after, old = [], [], []
            for _ in range(args.repeat):
                raw.append(timed(lambda: session.execute(RAW).all()))
                after.append(timed(lambda d=d: trial_balance(session, d)))
                old.append(timed(lambda d=d: before(session, d)))
            # The old sum and the snapshot-based one agree.
            old_sums = {k: int(v) for k, v in before(session, d) if v}
            tb = trial_balance(session, d)
            assert sum(line.balance for line in tb.lines) == 0
            raw_s, after_s, old_s = (statistics.median(x) for x in (raw, after, old))
            report["days"][str(d)] = {
                "raw_group_by_s": round(raw_s, 4),
                "before_s": round(old_s, 4),
                "after_trial_balance_s": round(after_s, 4),
                "before_ratio": round(old_s / raw_s, 2),
                "after_ratio": round(after_s / raw_s, 3),
                "accounts_posted": len(old_sums),
            }
        if raw_before:
            report["before_close_raw_s"] = round(statistics.median(raw_before), 4)
            report["before_close"] = {
                k: round(statistics.median(v), 4) for k, v in before_close.items()
            }
    engine.dispose()
    large_statements.print_report(report, args.out)


if __name__ == "__main__":
    main()
