"""Posting speed against the database's own floor (issue 11, points 1 and 2).

    python benchmarks/posting_speed.py [--url postgresql+psycopg://postgres@127.0.0.1:5432/fl_h1_bench]
                                       [--awards 300] [--rows 10000] [--round 5000] [--no-pgbench]

Builds a fresh fund in the database named by ``--url`` (its schema is dropped and
migrated again: give it a database of its own), then measures, in this order:

1. ``register_award`` one award per transaction, one client (entries/s);
2. a spreadsheet import of ``--rows`` awards (``ledger.imports.run_import``), one
   transaction (entries/s);
3. a distribution round over ``--round`` open awards (``ledger.distributions.distribute``):
   proposals/s;
4. the reference: ``pgbench -i`` on a database of its own, then ``pgbench -c 1 -T 10
   -b tpcb-like`` (tps), in the same run.

Prints one Markdown table. Short on purpose: the machine is shared.
"""

# pgbench, createdb and dropdb are run from PATH with arguments built here: S603/S607 do
# not apply to a benchmark an operator runs by hand.
# ruff: noqa: S603, S607

from __future__ import annotations

import argparse
import io
import platform
import re
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/: run.py's shared code
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd
from bench.common import ADMIN, SmallFund, add_case_and_victims
from sqlalchemy import make_url, text

from ledger import awards, cash
from ledger.chart import seed_chart
from ledger.database import make_engine, make_sessionmaker
from ledger.distributions import distribute
from ledger.fund import initialise_fund
from ledger.imports import run_import
from ledger.money import Money
from migrations import upgrade

DAY = date(2026, 2, 2)


def fresh_fund(url: str) -> tuple:
    """The fund at ``url`` emptied, migrated and initialised; run.py's small fund in it (a
    case and 50 victims, ``bench.common``) and money enough for the distribution round."""
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    factory = make_sessionmaker(engine)
    with factory.begin() as session:
        initialise_fund(session, name="Benchmark fund", functional_currency="EUR")
        seed_chart(session, "EUR")
    fund = add_case_and_victims(url, victims_count=50)
    with factory.begin() as session:
        cash.record_receipt(
            session,
            actor=ADMIN,
            kind="donation",
            received_on=DAY,
            amount=Money(10**12, "EUR"),
            counterparty="Donor",
        )
    return engine, factory, fund


def one_by_one(factory, case_id: int, victim_ids: list[int], count: int) -> float:
    start = time.perf_counter()
    for i in range(count):
        with factory.begin() as session:
            awards.register_award(
                session,
                actor=ADMIN,
                case_id=case_id,
                victim_id=victim_ids[i % len(victim_ids)],
                order_reference=f"ONE-{i}",
                ordered_on=DAY,
                amount=Money(10_000 + i, "EUR"),
            )
    return count / (time.perf_counter() - start)


def imported(factory, fund: SmallFund, rows: int) -> float:
    codes = fund.victim_codes
    frame = pd.DataFrame(
        {
            "case_reference": [fund.case_reference] * rows,
            "victim_code": [codes[i % len(codes)] for i in range(rows)],
            "order_reference": [f"IMP-{i}" for i in range(rows)],
            "ordered_on": [DAY.isoformat()] * rows,
            "amount": [f"{100 + i % 900}.{i % 100:02d}" for i in range(rows)],
            "currency": ["EUR"] * rows,
        },
        dtype=str,
    )
    start = time.perf_counter()
    with factory.begin() as session:
        result = run_import(session, "awards", frame, actor=ADMIN)
        assert result.ok, result.problems[:3]
    return rows / (time.perf_counter() - start)


def round_over(factory, awards_open: int) -> float:
    start = time.perf_counter()
    with factory.begin() as session:
        round_ = distribute(session, actor=ADMIN, amount=Money(awards_open * 1_000, "EUR"), on=DAY)
        proposals = session.execute(
            text("SELECT count(*) FROM disbursements WHERE distribution_id = :d"),
            {"d": round_.id},
        ).scalar()
    elapsed = time.perf_counter() - start
    assert proposals >= awards_open, proposals
    return proposals / elapsed


def pgbench(url: str) -> float:
    """tpcb-like, 1 client, 10 s, on a database of its own next to ``url``'s."""
    parsed = make_url(url)
    name = f"{parsed.database}_pgbench"
    where = ["-h", parsed.host or "127.0.0.1", "-p", str(parsed.port or 5432), "-U"]
    where.append(parsed.username or "postgres")
    subprocess.run(["dropdb", "--if-exists", *where, name], check=True)
    subprocess.run(["createdb", *where, name], check=True)
    try:
        subprocess.run(["pgbench", "-i", "-q", *where, name], check=True, capture_output=True)
        out = subprocess.run(
            ["pgbench", "-c", "1", "-T", "10", "-b", "tpcb-like", *where, name],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        subprocess.run(["dropdb", "--if-exists", *where, name], check=True)
    return float(re.search(r"tps = ([0-9.]+)", out).group(1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/fl_h1_bench")
    parser.add_argument("--awards", type=int, default=300)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--round", type=int, default=5_000)
    parser.add_argument("--no-pgbench", action="store_true")
    args = parser.parse_args()
    engine, factory, fund = fresh_fund(args.url)
    single = one_by_one(factory, fund.case_id, fund.victim_ids, args.awards)
    bulk = imported(factory, fund, args.rows)
    # The round weighs every open award: the import's rows and the single ones.
    rounded = round_over(factory, args.rows + args.awards) if args.round else 0.0
    engine.dispose()
    wanted = not args.no_pgbench and args.url.startswith("postgres")
    reference = pgbench(args.url) if wanted else None
    out = io.StringIO()
    machine = f"{platform.node()} {platform.machine()}, Python {platform.python_version()}"
    out.write(f"machine: {machine}\n\n")
    out.write("| measure | figure | reference | ratio |\n|---|---:|---:|---:|\n")
    ref = f"pgbench tpcb-like 1 client: {reference:,.0f} tps" if reference else "-"
    ratio = f"{single / reference:.3f}" if reference else "-"
    out.write(
        f"| register_award, 1 per transaction, 1 client | {single:,.0f} entries/s"
        f" | {ref} | {ratio} |\n"
    )
    out.write(f"| awards import, {args.rows:,} rows, 1 transaction | {bulk:,.0f} entries/s | | |\n")
    if args.round:
        out.write(
            f"| distribution round over {args.rows + args.awards:,} awards | "
            f"{rounded:,.0f} proposals/s | | |\n"
        )
    print(out.getvalue())


if __name__ == "__main__":
    main()
