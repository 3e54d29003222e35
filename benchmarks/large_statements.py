"""Large statements in bounded memory? Build a big fund, render, measure (SPEC §6).

Builds a fund of N postings (default 50,000 and 200,000) straight into the
journal tables with SQLAlchemy Core — entries, postings, a correct hash chain
(:mod:`ledger.chain`), running balances, award subledgers and the journal head
— so that ``verify_journal`` passes, then renders in a fresh child process
each, measuring wall time, the Python heap peak (``tracemalloc``) and the
process peak RSS (``ru_maxrss``):

- the general ledger of account 1000 and the journal, to CSV and to PDF
  (``reports.render.render``, as ``fundledger report`` and the API do);
- the journal exports for hledger/Ledger and Beancount
  (``reports.journal_export``, as ``fundledger export-journal`` does);
- ``verify_journal`` (the integrity check streams too; the benchmark fails if it
  finds any problem, so the fund built is a valid one);
- ``baseline``: the same child doing nothing (imports, one query), to show
  what the interpreter and the libraries cost before any statement;
- on request only (``--tasks``): ``general-ledger-xlsx``, ``journal-xlsx``
  and ``journal-json``.

Each task runs twice in its own process: once plain (wall time, peak RSS) and
once under ``tracemalloc`` (Python heap peak; slower, so its time is not
reported). Memory is bounded when the peaks stay flat from 50k to 200k
postings.

Usage::

    .venv/bin/python benchmarks/large_statements.py                    # SQLite, 50k and 200k
    .venv/bin/python benchmarks/large_statements.py --postings 20000   # a quick look
    FUNDLEDGER_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/fundledger_bench \\
        .venv/bin/python benchmarks/large_statements.py --engine postgresql
    .venv/bin/python benchmarks/large_statements.py --no-heap   # skip the slow traced runs

The PostgreSQL database named by FUNDLEDGER_BENCH_DATABASE_URL is EMPTIED
(schema dropped and migrated again) before each size: give it a scratch one.
SQLite files go to a temporary folder (``--workdir`` to keep them).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import insert, select, text, update

from ledger import chain
from ledger.chart import seed_chart
from ledger.database import make_engine, make_sessionmaker
from ledger.fund import initialise_fund
from ledger.models import (
    Account,
    AccountBalance,
    JournalEntry,
    JournalHead,
    Posting,
    SubledgerBalance,
)
from ledger.models.journal import GENESIS_HASH

TASKS = (
    "baseline",
    "general-ledger-csv",
    "general-ledger-pdf",
    "journal-csv",
    "journal-pdf",
    "export-ledger",
    "export-beancount",
    "verify",
)
#: Not run by default (slow, and built whole by design): ``--tasks journal-xlsx``.
EXTRA_TASKS = ("general-ledger-xlsx", "journal-xlsx", "journal-json")
FIRST_DAY = date(2024, 1, 1)
DAYS = 730
BATCH = 5000
VICTIMS = 20
USD_PER_EUR = 1.0842  # only to make plausible originals; amounts stay integers


# -- building the fund ---------------------------------------------------------------------


def prepare_database(url: str, workdir: Path, postings: int) -> str:
    """A migrated, initialised, empty fund; returns the URL to use."""
    from migrations import upgrade

    if url.startswith("sqlite"):
        path = workdir / f"bench-{postings}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
        engine = make_engine(url)
    else:
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    with make_sessionmaker(engine).begin() as session:
        initialise_fund(session, name="Benchmark Compensation Fund", functional_currency="EUR")
        seed_chart(session, "EUR")
    engine.dispose()
    return url


def build_fund(url: str, target: int, seed: int = 20260101) -> dict:
    """Insert entries until ``target`` postings exist; return what was built."""
    from ledger.pii import PiiCipher, generate_key
    from ledger.victims import PaymentDetails, register_victim

    rng = random.Random(seed)
    engine = make_engine(url)
    session_factory = make_sessionmaker(engine)
    with session_factory.begin() as session:
        cipher = PiiCipher.from_setting(generate_key())
        for i in range(VICTIMS):
            register_victim(
                session,
                cipher,
                actor="benchmark",
                full_name=f"Benchmark Person {i}",
                date_of_birth=None,
                contact=None,
                country_of_residence=("PT", "NG", "TH", "RO")[i % 4],
                returned_home=i % 3 == 0,
                payment=PaymentDetails("cash", "EUR"),
            )
    with engine.connect() as connection:
        ids = dict(connection.execute(select(Account.code, Account.id)).all())
        currencies = dict(connection.execute(select(Account.code, Account.currency)).all())

    entries_t, postings_t = JournalEntry.__table__, Posting.__table__
    started = time.perf_counter()
    number, count, prev_hash = 0, 0, GENESIS_HASH
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # code → [amount, original, n]
    awards: dict[int, list] = {}  # award → [currency, functional, original] outstanding
    award_sums: dict[int, list] = defaultdict(lambda: [None, 0, 0])
    bank = 0
    next_award = 1
    entry_rows: list[dict] = []
    posting_rows: list[dict] = []
    estimate = max(1, target // 2)
    posted_at = datetime(2024, 1, 1, 9, 0, 0)

    def flush(connection) -> None:
        if entry_rows:
            connection.execute(insert(entries_t), entry_rows)
            connection.execute(insert(postings_t), posting_rows)
            entry_rows.clear()
            posting_rows.clear()

    with engine.connect() as connection:
        connection.begin()
        while count < target:
            number += 1
            day = FIRST_DAY + timedelta(days=min(DAYS, number * DAYS // estimate))
            legs, memo, event = _next_entry(rng, number, bank, awards, next_award)
            if event == "award.registered":
                awards[next_award] = [legs[0][3], legs[0][1], legs[0][2]]
                next_award += 1
            elif event == "disbursement.executed":
                del awards[legs[0][5]["award_id"]]
            entry = SimpleNamespace(
                number=number,
                value_date=day,
                posted_at=posted_at + timedelta(seconds=number),
                memo=memo,
                event=event,
                source_type=None,
                source_id=None,
                reverses=None,
                created_by="benchmark",
                idempotency_key=None,
                prev_hash=prev_hash,
            )
            postings = []
            for line, (code, amount, original, currency, _, dims) in enumerate(legs, start=1):
                postings.append(
                    SimpleNamespace(
                        line=line,
                        amount=amount,
                        original_amount=original,
                        currency=currency,
                        case_id=dims.get("case_id"),
                        victim_id=dims.get("victim_id"),
                        award_id=dims.get("award_id"),
                        asset_id=None,
                    )
                )
                total = sums[code]
                total[0] += amount
                total[1] += original if currency == (currencies[code] or "-") else 0
                total[2] += 1
                if code == "1000":
                    bank += amount
                if code == "2000":
                    award = award_sums[dims["award_id"]]
                    award[0] = currency
                    award[1] += amount
                    award[2] += original
            digest = chain.entry_hash(entry, postings, [leg[0] for leg in legs])
            entry_rows.append({**vars(entry), "hash": digest})
            posting_rows += [
                {**vars(p), "entry_number": number, "account_id": ids[code]}
                for p, (code, *_rest) in zip(postings, legs, strict=True)
            ]
            prev_hash = digest
            count += len(legs)
            if len(posting_rows) >= BATCH:
                flush(connection)
                connection.commit()
                connection.begin()
        flush(connection)
        for code, (amount, original, n) in sums.items():
            connection.execute(
                update(AccountBalance.__table__)
                .where(AccountBalance.__table__.c.account_id == ids[code])
                .values(balance=amount, original_balance=original, postings=n)
            )
        connection.execute(
            insert(SubledgerBalance.__table__),
            [
                {
                    "account_id": ids["2000"],
                    "award_id": award,
                    "currency": currency,
                    "balance": amount,
                    "original_balance": original,
                }
                for award, (currency, amount, original) in sorted(award_sums.items())
            ],
        )
        connection.execute(
            update(JournalHead.__table__).values(last_number=number, last_hash=prev_hash)
        )
        connection.commit()
    engine.dispose()
    return {
        "entries": number,
        "postings": count,
        "build_seconds": round(time.perf_counter() - started, 1),
    }


def _next_entry(rng: random.Random, number: int, bank: int, awards: dict, next_award: int):
    """(legs, memo, event); a leg is (code, amount, original, currency, label, dims)."""
    victim = rng.randint(1, VICTIMS)
    case = rng.randint(1, 12)
    roll = rng.random()
    if roll < 0.25 or bank < 5_000_000:
        amount = rng.randint(10_000, 5_000_000)
        return (
            [
                ("1000", amount, amount, "EUR", "", {}),
                ("4200", -amount, -amount, "EUR", "", {}),
            ],
            f"Donation from benchmark donor {rng.randint(1, 400)}",
            "receipt.recorded",
        )
    if roll < 0.45:
        amount = rng.randint(100, min(200_000, bank // 4))
        return (
            [
                ("5500", amount, amount, "EUR", "", {}),
                ("1000", -amount, -amount, "EUR", "", {}),
            ],
            f"Administrative cost, invoice {number}",
            "expense.recorded",
        )
    if roll < 0.60:
        usd = rng.randint(10_000, 3_000_000)
        eur = round(usd / USD_PER_EUR)
        dims = {"case_id": case}
        return (
            [
                ("1010", eur, usd, "USD", "", dims),
                ("2100", -eur, -usd, "USD", "", dims),
            ],
            f"Cash seized in case CR-2025-{case:03d} (USD)",
            "asset.seized",
        )
    payable = [a for a, (_, functional, _) in awards.items() if -functional < bank // 2]
    if roll < 0.80 or not payable:
        foreign = rng.random() < 0.4
        original = rng.randint(50_000, 1_500_000)
        functional = round(original / USD_PER_EUR) if foreign else original
        currency = "USD" if foreign else "EUR"
        dims = {"case_id": case, "victim_id": victim, "award_id": next_award}
        return (
            [
                ("2000", -functional, -original, currency, "", dims),
                ("5000", functional, original, currency, "", dims),
            ],
            f"Award registered: order OR-{next_award:06d}",
            "award.registered",
        )
    award = payable[0]
    currency, functional, original = awards[award]
    fee = rng.choice((0, 0, 250, 1_200))
    dims = {"award_id": award, "victim_id": victim, "case_id": case}
    return (
        [
            ("2000", -functional, -original, currency, "", dims),
            ("1000", functional - fee, functional - fee, "EUR", "", {}),
            *([("5300", fee, fee, "EUR", "", {})] if fee else []),
        ],
        f"Payment of award {award}",
        "disbursement.executed",
    )


# -- measuring -----------------------------------------------------------------------------


def run_task(url: str, task: str, out_dir: Path, trace: bool) -> dict:
    """One task in this process (called in a child): time, heap peak, RSS peak."""
    from ledger.verify import verify_journal
    from reports.context import ReportRequest
    from reports.journal_export import export_journal
    from reports.render import render
    from reports.statements import build_statement

    engine = make_engine(url, read_only=True)
    session = make_sessionmaker(engine)()
    session.execute(select(JournalHead)).all()  # connect before measuring
    before = _rss_kib()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    path = out_dir / f"{task}.out"
    if task == "baseline":
        path.write_bytes(b"")
    elif task.startswith(("general-ledger-", "journal-")):
        slug, fmt = task.rsplit("-", 1)
        request = ReportRequest(generated_by="benchmark", account="1000")
        statement = build_statement(session, slug, request)
        with path.open("wb") as out:
            for piece in render(statement, fmt):
                out.write(piece)
    elif task.startswith("export-"):
        with path.open("w", encoding="utf-8") as out:
            for piece in export_journal(session, task.removeprefix("export-")):
                out.write(piece)
    elif task == "verify":
        result = verify_journal(session)
        assert result.ok, result.problems[:3]
        path.write_text(json.dumps(result.as_json()))
    else:
        raise SystemExit(f"unknown task {task}")
    seconds = time.perf_counter() - started
    heap = tracemalloc.get_traced_memory()[1] if trace else None
    session.close()
    engine.dispose()
    return {
        "task": task,
        "seconds": round(seconds, 2),
        "heap_peak_mib": round(heap / 2**20, 1) if heap is not None else None,
        "rss_before_mib": round(before / 1024, 1),
        "rss_peak_mib": round(_rss_kib() / 1024, 1),
        "output_mib": round(path.stat().st_size / 2**20, 2),
    }


def _rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def measure(url: str, task: str, out_dir: Path, heap: bool = True) -> dict:
    """Run ``task`` in fresh processes: plain (time, RSS) and, with ``heap``, traced."""
    results = []
    for trace in (False, True) if heap else (False,):
        command = [sys.executable, __file__, "--child", task, "--database-url", url]
        command += ["--out", str(out_dir)] + (["--trace"] if trace else [])
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            raise SystemExit(f"{task} failed:\n{done.stderr}")
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    plain = results[0]
    plain["heap_peak_mib"] = results[1]["heap_peak_mib"] if heap else None
    return plain


def machine() -> dict:
    import sqlite3

    import sqlalchemy

    facts = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
    }
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as info:
            facts["cpu"] = next(
                line.split(":", 1)[1].strip() for line in info if line.startswith("model name")
            )
        with open("/proc/meminfo", encoding="ascii") as info:
            kib = int(next(line.split()[1] for line in info if line.startswith("MemTotal")))
            facts["memory_gib"] = round(kib / 2**20, 1)
    except (OSError, StopIteration):
        pass
    return facts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postings", type=int, nargs="+", default=[50_000, 200_000])
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--tasks", nargs="+", choices=TASKS + EXTRA_TASKS, default=list(TASKS), metavar="TASK"
    )
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument(
        "--no-heap", action="store_true", help="skip the tracemalloc runs (RSS and time only)"
    )
    parser.add_argument("--child", choices=TASKS + EXTRA_TASKS, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(run_task(args.database_url, args.child, args.out, args.trace)))
        return

    if args.engine == "postgresql":
        url = os.environ.get("FUNDLEDGER_BENCH_DATABASE_URL", "")
        if not url.startswith("postgresql"):
            raise SystemExit("--engine postgresql needs FUNDLEDGER_BENCH_DATABASE_URL (emptied!)")
    else:
        url = "sqlite"
    with tempfile.TemporaryDirectory(prefix="fundledger-bench-") as scratch:
        workdir = args.workdir or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        report = {"machine": machine(), "engine": args.engine, "runs": []}
        print(json.dumps(report["machine"]), flush=True)
        for postings in args.postings:
            size_url = prepare_database(url, workdir, postings)
            built = build_fund(size_url, postings)
            print(f"# {args.engine}: built {built}", flush=True)
            out_dir = workdir / f"out-{postings}"
            out_dir.mkdir(exist_ok=True)
            for task in args.tasks:
                result = {**measure(size_url, task, out_dir, not args.no_heap), **built}
                report["runs"].append(result)
                print(json.dumps(result), flush=True)
        print()
        print(markdown(report))
        if args.json:
            args.json.write_text(json.dumps(report, indent=2))


def markdown(report: dict) -> str:
    lines = [
        f"engine: {report['engine']}",
        "",
        "| postings | task | wall s | heap peak MiB | RSS before MiB | RSS peak MiB | output MiB |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for run in report["runs"]:
        heap = "n/a" if run["heap_peak_mib"] is None else run["heap_peak_mib"]
        lines.append(
            f"| {run['postings']:,} | {run['task']} | {run['seconds']} | {heap} "
            f"| {run['rss_before_mib']} | {run['rss_peak_mib']} | {run['output_mib']} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
