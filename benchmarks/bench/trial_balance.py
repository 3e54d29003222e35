"""The trial balance as of a past date at a long history, beside the raw GROUP BY.

Subject: ``ledger.balances.trial_balance(session, as_of=2025-11-15)`` (a date in the open
month after the last close, so a snapshot-based as-of has to add a half month of postings)
in a fresh session each time. Reference: ``SELECT account_id, sum(amount) FROM postings
GROUP BY account_id`` over all postings, through psycopg, fetched. Interleaved (raw,
subject, …), ``repeat`` times, after one untimed warm-up of each (the table in the cache).
An early date (2024-06-15) is timed beside it (an as-of built on month snapshots costs
about the same at any date), and the current trial balance (``as_of=None``, running
balances), to keep it as fast as it is.

Goal (issue 11): as-of ≤ 1 x the raw GROUP BY.
"""

from __future__ import annotations

import time
from datetime import date

import psycopg

from bench.big_fund import big_fund_sessions, describe
from bench.common import Figure, Outcome, median
from ledger.balances import trial_balance

TITLE = "Trial balance as of a past date at a long history vs the raw GROUP BY"
AS_OF = date(2025, 11, 15)
#: An early date too: an as-of from snapshots costs the same whatever the date (flat).
EARLY = date(2024, 6, 15)
RAW = "SELECT account_id, sum(amount) FROM postings GROUP BY account_id"


def _raw(dsn: str) -> float:
    with psycopg.connect(dsn) as connection:
        started = time.perf_counter()
        connection.execute(RAW).fetchall()
        return time.perf_counter() - started


def _subject(factory, as_of) -> float:
    with factory() as session:
        started = time.perf_counter()
        balance = trial_balance(session, as_of=as_of)
        _ = balance.total_debit, balance.total_credit
        return time.perf_counter() - started


def run(ctx) -> Outcome:
    outcome = Outcome("trial_balance", TITLE)
    fund, dsn, engine, factory = big_fund_sessions(ctx, ctx.sizes.big_postings)
    _raw(dsn), _subject(factory, AS_OF), _subject(factory, None)  # warm
    raw, as_of, early, current = [], [], [], []
    for _ in range(ctx.sizes.repeat):
        raw.append(_raw(dsn))
        as_of.append(_subject(factory, AS_OF))
        early.append(_subject(factory, EARLY))
        current.append(_subject(factory, None))
    engine.dispose()
    value, floor = median(as_of), median(raw)
    share = value / floor if floor else None
    outcome.figures.append(
        Figure(
            f"trial balance as of {AS_OF}, {fund['postings']:,} postings",
            "trial_balance(as_of=…)",
            value,
            "s",
            "raw GROUP BY over all postings",
            floor,
            share,
            "≤ 1 x the raw GROUP BY",
            share is not None and share <= 1,
        )
    )
    then = median(early)
    outcome.figures.append(
        Figure(
            f"trial balance as of {EARLY}, {fund['postings']:,} postings",
            "trial_balance(as_of=…)",
            then,
            "s",
            "raw GROUP BY over all postings",
            floor,
            then / floor if floor else None,
            "(flat: about the late date's)",
            None,
        )
    )
    now = median(current)
    outcome.figures.append(
        Figure(
            f"current trial balance, {fund['postings']:,} postings",
            "trial_balance()",
            now,
            "s",
            "raw GROUP BY over all postings",
            floor,
            now / floor if floor else None,
            "stays O(accounts) (was 13 ms at 2.5M)",
            None,
        )
    )
    outcome.details += [
        describe(fund),
        "",
        "Every run, seconds: raw "
        + " / ".join(f"{t:.3f}" for t in raw)
        + "; as-of "
        + " / ".join(f"{t:.3f}" for t in as_of)
        + "; as-of early "
        + " / ".join(f"{t:.3f}" for t in early)
        + "; current "
        + " / ".join(f"{t:.4f}" for t in current)
        + ".",
    ]
    return outcome
