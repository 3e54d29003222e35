"""Bulk work through the public services: an awards spreadsheet import and a distribution.

Each round builds a fresh PostgreSQL fund (``fl_h4_bulk``): two cases, a few victims,
cash seized in case A and forfeited (so the fund has money and case A net proceeds),
then, timed:

1. **the import**: a CSV of ``import_rows`` awards (the first ``distribution_awards``
   in case A, the rest in case B) through ``ledger.imports.read_table`` and
   ``run_import(session, "awards", …)``, then the commit: what the import door does.
   Entries per second = journal entries it added / seconds.
2. **the distribution round** over case A's awards: ``ledger.distributions.distribute``
   of half what they are owed, then the commit. A round posts no entry (its lines are
   proposed payments, SPEC §4): its figure is lines per second.

Whatever batch path those public entry points take (the core may grow one) is what is
measured. Beside them, interleaved, the floor: the same number of journal entries written
straight into the tables by ``large_statements.build_fund`` (Core inserts, the hash chain
in Python) in ``fl_h4_bulk_floor``.

Goal (issue 11): ≥ 1,000 entries/s for each, on PostgreSQL.
"""

from __future__ import annotations

import time
from datetime import date

import large_statements
from sqlalchemy import func, select

from bench.common import (
    ADMIN,
    Figure,
    Outcome,
    bench_case,
    fresh_database,
    median,
    small_fund,
)
from ledger import assets
from ledger.database import make_engine, make_sessionmaker
from ledger.distributions import distribute
from ledger.imports import read_table, run_import
from ledger.models import Disbursement, JournalHead
from ledger.money import Money

TITLE = "Bulk work: a spreadsheet import of awards and a distribution round (PostgreSQL)"
DECIDED = date(2026, 2, 2)


def _amount(i: int) -> int:
    return 10_000 + (i % 50) * 1_000  # EUR 100.00 to 590.00, in cents


def spreadsheet(rows: int, in_a: int, codes: list[str]) -> bytes:
    lines = ["case_reference,victim_code,order_reference,ordered_on,amount,currency"]
    for i in range(rows):
        case = "CR-BENCH-1" if i < in_a else "CR-BENCH-2"
        minor = _amount(i)
        lines.append(
            f"{case},{codes[i % len(codes)]},IMP-{i:06d},2026-01-15,"
            f"{minor // 100}.{minor % 100:02d},EUR"
        )
    return ("\n".join(lines) + "\n").encode()


def _prepare(rows: int, in_a: int):
    fund = small_fund(fresh_database("fl_h4_bulk"), victims_count=20)
    factory = make_sessionmaker(make_engine(fund.url))
    with factory.begin() as session:
        bench_case(session, "CR-BENCH-2", "State v. Second Benchmark")
        seized = assets.seize_asset(
            session,
            actor=ADMIN,
            case_id=fund.case_id,
            kind="cash",
            description="Cash found at the benchmark premises",
            seized_on=date(2026, 1, 5),
            estimated_value=Money(100 * sum(_amount(i) for i in range(in_a)), "EUR"),
        )
        assets.forfeit_asset(
            session,
            actor=ADMIN,
            asset_id=seized.id,
            order_reference="FO-BENCH-1",
            forfeited_on=date(2026, 1, 10),
        )
    return fund, factory, spreadsheet(rows, in_a, fund.victim_codes)


def _entries(session) -> int:
    return session.scalar(select(JournalHead.last_number)) or 0


def _import(factory, data: bytes) -> tuple[float, int]:
    with factory() as session:
        before = _entries(session)
        started = time.perf_counter()
        result = run_import(session, "awards", read_table(data, "awards.csv"), actor=ADMIN)
        if not result.ok:
            raise RuntimeError(f"the import refused rows: {result.problems[:3]}")
        session.commit()
        seconds = time.perf_counter() - started
        return seconds, _entries(session) - before


def _distribute(factory, fund, in_a: int) -> tuple[float, int]:
    owed = sum(_amount(i) for i in range(in_a))
    with factory() as session:
        started = time.perf_counter()
        round_ = distribute(
            session, actor=ADMIN, amount=Money(owed // 2, "EUR"), on=DECIDED, case_id=fund.case_id
        )
        session.commit()
        seconds = time.perf_counter() - started
        lines = session.scalar(
            select(func.count()).where(Disbursement.distribution_id == round_.id)
        )
        return seconds, lines


def _floor(entries: int) -> float:
    """Entries per second of ``build_fund``'s own writing (its clock starts after its set-up),
    at least 1,000 entries so that its 0.1 s resolution does not matter."""
    url = large_statements.prepare_database(fresh_database("fl_h4_bulk_floor"))
    built = large_statements.build_fund(url, 2 * max(entries, 1_000))
    return built["entries"] / max(built["build_seconds"], 0.1)


def run(ctx) -> Outcome:
    outcome = Outcome("bulk_work", TITLE)
    rows, in_a = ctx.sizes.import_rows, ctx.sizes.distribution_awards
    rates = {"import": [], "distribution": [], "floor": []}
    for round_ in range(ctx.sizes.repeat):
        rates["floor"].append(_floor(rows))
        fund, factory, data = _prepare(rows, in_a)
        seconds, entries = _import(factory, data)
        rates["import"].append(entries / seconds)
        seconds, lines = _distribute(factory, fund, in_a)
        rates["distribution"].append(lines / seconds)
        factory.kw["bind"].dispose()
        ctx.log(
            f"  round {round_ + 1}: import {entries} entries at {rates['import'][-1]:.0f}/s, "
            f"distribution {lines} lines at {rates['distribution'][-1]:.0f}/s, "
            f"floor {rates['floor'][-1]:.0f} entries/s"
        )
    floor = median(rates["floor"])
    for name, label, unit in (
        ("import", f"awards import, {rows:,} rows", "entries/s"),
        ("distribution", f"distribution round over {in_a:,} awards", "lines/s"),
    ):
        value = median(rates[name])
        outcome.figures.append(
            Figure(
                label,
                name,
                value,
                unit,
                "build_fund, Core inserts of the same number of entries",
                floor,
                value / floor if floor else None,
                "≥ 1,000 entries/s",
                value >= 1000,
                reference_unit="entries/s",
            )
        )
    outcome.details.append(
        f"{ctx.sizes.repeat} rounds, each on a fresh fund; every run, per second: "
        + "; ".join(f"{k} " + " / ".join(f"{v:.0f}" for v in vs) for k, vs in rates.items())
        + ". A distribution round's lines are proposed payments: it posts no journal entry."
    )
    return outcome
