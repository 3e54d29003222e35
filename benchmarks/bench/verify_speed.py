"""``verify`` beside fetching the same rows raw and hashing the same bytes.

Subjects, each in a fresh session: ``ledger.verify.verify_books`` (what every door runs:
the journal, the audit log, the registers) and ``ledger.verify.verify_journal`` (the
journal alone). References: every column of ``journal_entries`` and ``postings`` fetched
raw through psycopg (``fetchall`` of each table in number and line order: what a verify
must read at least), and SHA-256 over the very bytes the chain hashes (``prev_hash`` +
canonical JSON, made before the clock starts from the fetched rows with
``ledger.chain.canonical_json``). Interleaved, ``repeat`` times, after a warm-up.

Goal (issue 11): full verify (the whole journal from genesis, not from a checkpoint)
≤ 3 x the raw fetch of the same rows: ``verify_journal``, whose rows the fetch reads.
``verify_books`` is recorded beside it, not judged: the journal of a bulk-built fund has
no register records and audit events behind its entries (``build_fund`` writes the
journal only), so the register checks report problems, and their number is shown; it
runs once, in the first round.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict

import psycopg
from psycopg.rows import namedtuple_row

from bench.big_fund import big_fund_sessions, describe
from bench.common import ADMIN, Figure, Outcome, median
from ledger import chain
from ledger.verify import verify_books, verify_journal

TITLE = "verify (verify_books / verify_journal) vs the raw fetch of the same rows and hashing"
ENTRIES = "SELECT * FROM journal_entries ORDER BY number"
POSTINGS = "SELECT * FROM postings ORDER BY entry_number, line"


def _fetch(dsn: str, row_factory=None) -> tuple[float, list, list]:
    with psycopg.connect(dsn, row_factory=row_factory) as connection:
        started = time.perf_counter()
        entries = connection.execute(ENTRIES).fetchall()
        postings = connection.execute(POSTINGS).fetchall()
        return time.perf_counter() - started, entries, postings


def _payloads(dsn: str) -> tuple[list[bytes], int]:
    """The bytes the chain hashes, and how many of them hash to the stored hash (all of
    them, unless the canonical form changed under the fund)."""
    _, entries, postings = _fetch(dsn, namedtuple_row)
    with psycopg.connect(dsn) as connection:
        codes = dict(connection.execute("SELECT id, code FROM accounts").fetchall())
    grouped = defaultdict(list)
    for posting in postings:
        grouped[posting.entry_number].append(posting)
    payloads, same = [], 0
    for entry in entries:
        legs = grouped.get(entry.number, [])
        document = chain.canonical_json(entry, legs, [codes[p.account_id] for p in legs])
        payloads.append((entry.prev_hash + document).encode("utf-8"))
        same += hashlib.sha256(payloads[-1]).hexdigest() == entry.hash
    return payloads, same


def _hash(payloads: list[bytes]) -> float:
    started = time.perf_counter()
    for payload in payloads:
        hashlib.sha256(payload).hexdigest()
    return time.perf_counter() - started


def _verify(factory, full: bool) -> tuple[float, int]:
    with factory() as session:
        started = time.perf_counter()
        result = verify_books(session, ADMIN) if full else verify_journal(session)
        return time.perf_counter() - started, len(result.problems)


def run(ctx) -> Outcome:
    outcome = Outcome("verify_speed", TITLE)
    fund, dsn, engine, factory = big_fund_sessions(ctx, ctx.sizes.verify_postings)
    payloads, same = _payloads(dsn)
    _fetch(dsn)  # warm: the tables in the cache
    times = {"fetch": [], "hash": [], "books": [], "journal": []}
    problems = {}
    for round_ in range(ctx.sizes.repeat):
        times["fetch"].append(_fetch(dsn)[0])
        times["hash"].append(_hash(payloads))
        seconds, problems["journal"] = _verify(factory, False)
        times["journal"].append(seconds)
        if round_ == 0:  # recorded, not judged (see above): once is enough
            seconds, problems["books"] = _verify(factory, True)
            times["books"].append(seconds)
    engine.dispose()
    fetch, hashing = median(times["fetch"]), median(times["hash"])
    size = f"{fund['entries']:,} entries / {fund['postings']:,} postings"
    for name, label, goal in (
        ("journal", "verify_journal, from genesis", "≤ 3 x the raw fetch"),
        ("books", "verify_books (+ audit log, registers)", ""),
    ):
        value = median(times[name])
        share = value / fetch if fetch else None
        found = problems[name]
        outcome.figures.append(
            Figure(
                f"`verify`, {label}, {size}",
                label,
                value,
                "s",
                "raw fetch of the same rows",
                fetch,
                share,
                goal,
                (share is not None and share <= 3) if goal else None,
                f"{value / hashing:.0f} x hashing the same bytes"
                + (f"; {found:,} problems reported" if found else ""),
            )
        )
    outcome.details += [
        describe(fund),
        "",
        f"Hashing the same bytes ({len(payloads):,} payloads, {same:,} of them hashing to "
        "the stored hash, "
        f"{sum(map(len, payloads)) / 2**20:.1f} MiB): {hashing:.3f} s. Every run, seconds: "
        + "; ".join(f"{k} " + " / ".join(f"{t:.3f}" for t in v) for k, v in times.items())
        + ".",
    ]
    return outcome
