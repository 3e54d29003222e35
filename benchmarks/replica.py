"""Statements on a streaming standby beside the same statements on the primary (issue 11.5).

Sets up a private primary and its hot standby on this machine
(:class:`tests.integration.streaming_pair.StreamingPair`: ``initdb``,
``pg_basebackup -R -X stream``, two ports, removed however the run ends),
builds a fund of ``--postings`` postings on the primary with the builder of
:mod:`large_statements` (imported, not copied; ``VACUUM ANALYZE`` after it),
waits until the standby has replayed it all, then times, interleaved run by
run (primary, standby, primary, standby…), each statement read

- from the **primary**: :class:`app.reports_source.ReportSources` with no reports
  database (what a fund without a replica does);
- from the **standby**: ``ReportSources`` with the standby as the reports
  database, so the time includes the lag rule's own questions (the primary's
  ``pg_current_wal_lsn()``, the standby's ``pg_is_in_recovery()`` and
  ``pg_last_wal_replay_lsn()``). Every session's ``reports_source`` is checked:
  a run that did not read where it should fails.

A run is from asking for the session to the last byte of the rendered
statement (``reports.render.render``, into nothing). The statements: the
current trial balance (JSON), the trial balance as of a past date (JSON: the
as-of path, the heaviest aggregate) and the general ledger of the bank account
over the whole fund (CSV: a long streamed read). Also timed alone: the lag
rule's questions (``ReportSources.open`` then ``close``, no statement).
Figures are medians of ``--repeat`` runs (5) after one warm-up of each;
``ratio`` = standby / primary; beside it, the median and the slowest time the
standby's session took to open (the lag rule's questions, and any wait for the
standby to replay what the primary wrote meanwhile: autovacuum after the bulk
load, say).

Usage (ports from the range you were given; root is fine, the servers run as
``postgres``)::

    .venv/bin/python benchmarks/replica.py --ports 5502,5503            # 50,000 postings
    .venv/bin/python benchmarks/replica.py --ports 5502,5503 --quick    # 5,000, 3 runs

It prints a Markdown table (and, with ``--json FILE``, writes the figures);
``benchmarks/REPLICA.md`` holds a run with its machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # large_statements; tests.integration

from large_statements import build_fund, machine, prepare_database  # noqa: E402
from sqlalchemy import text  # noqa: E402

from app.reports_source import SOURCE, ReportSources  # noqa: E402
from ledger.access import Actor  # noqa: E402
from ledger.database import make_engine  # noqa: E402
from reports.context import ReportRequest  # noqa: E402
from reports.render import render  # noqa: E402
from reports.statements import build_statement  # noqa: E402
from tests.integration.streaming_pair import StreamingPair  # noqa: E402

ACTOR = Actor.system("benchmark")
STATEMENTS = {
    "trial balance, current (json)": ("trial-balance", "json", {}),
    "trial balance as of 2025-06-30 (json)": (
        "trial-balance",
        "json",
        {"as_of": date(2025, 6, 30)},
    ),
    "general ledger of 1000, whole fund (csv)": (
        "general-ledger",
        "csv",
        {"account": "1000", "date_from": date(2024, 1, 1), "date_to": date(2025, 12, 31)},
    ),
}


def time_statement(sources: ReportSources, expected: str, slug: str, fmt: str, asked):
    """Seconds from asking for the session to the statement's last byte, and of them the
    seconds the session took to open (the lag rule's questions, and any wait for replay)."""
    started = time.perf_counter()
    session = sources.open()
    opened = time.perf_counter() - started
    try:
        assert session.info[SOURCE] == expected, (session.info[SOURCE], expected)
        statement = build_statement(session, slug, ReportRequest(actor=ACTOR, **asked))
        for _piece in render(statement, fmt):
            pass
    finally:
        session.close()
    return time.perf_counter() - started, opened


def time_open(sources: ReportSources, expected: str):
    started = time.perf_counter()
    session = sources.open()
    assert session.info[SOURCE] == expected
    session.close()
    seconds = time.perf_counter() - started
    return seconds, seconds


def measure(pair: StreamingPair, repeat: int) -> list[dict]:
    on_primary = ReportSources(pair.primary_url, None)
    on_standby = ReportSources(pair.primary_url, pair.standby_url, max_wait=5)
    rows = []
    try:
        subjects = [
            (name, lambda s, e, spec=spec: time_statement(s, e, *spec))
            for name, spec in STATEMENTS.items()
        ]
        subjects.append(("the lag rule alone (open + close, no statement)", time_open))
        for name, run in subjects:
            run(on_primary, "primary")  # warm-up: connections, plans, caches
            run(on_standby, "replica")
            times: dict[str, list[float]] = {"primary": [], "standby": [], "opening": []}
            for _ in range(repeat):
                times["primary"].append(run(on_primary, "primary")[0])
                seconds, opening = run(on_standby, "replica")
                times["standby"].append(seconds)
                times["opening"].append(opening)
            primary = statistics.median(times["primary"])
            standby = statistics.median(times["standby"])
            rows.append(
                {
                    "statement": name,
                    "primary_ms": round(primary * 1000, 1),
                    "standby_ms": round(standby * 1000, 1),
                    # The lag rule alone asks the primary nothing without a replica.
                    "ratio": round(standby / primary, 2) if primary > 1e-4 else None,
                    "runs": repeat,
                    "opening_median_ms": round(statistics.median(times["opening"]) * 1000, 1),
                    "opening_max_ms": round(max(times["opening"]) * 1000, 1),
                    "primary_all_ms": [round(t * 1000, 1) for t in times["primary"]],
                    "standby_all_ms": [round(t * 1000, 1) for t in times["standby"]],
                }
            )
            print(f"# {name}: {rows[-1]}", flush=True)
    finally:
        on_primary.dispose()
        on_standby.dispose()
    return rows


def markdown(report: dict) -> str:
    facts = report["machine"]
    lines = [
        f"Run {facts['date']} on {facts.get('cpu', '?')} ({facts['nproc']} cores, "
        f"{facts.get('memory_gib', '?')} GiB), load average {facts['load_average']} at the "
        f"start; PostgreSQL {facts.get('postgresql', '?')}, Python {facts['python']}, "
        f"SQLAlchemy {facts['sqlalchemy']}, psycopg {facts['psycopg']}; "
        f"code {report['code'] or facts['code'] or '?'}.",
        f"Fund: {report['fund']['entries']:,} entries, {report['fund']['postings']:,} postings "
        f"(built in {report['fund']['build_seconds']} s); pair set up in "
        f"{report['setup_seconds']} s, standby caught up {report['catch_up_seconds']} s after "
        "the build.",
        "",
        "| statement | primary | standby (with the lag rule) | ratio | of which the lag rule: "
        "median / slowest | runs |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in report["rows"]:
        lines.append(
            f"| {row['statement']} | {row['primary_ms']} ms | {row['standby_ms']} ms | "
            f"{'—' if row['ratio'] is None else row['ratio']} | "
            f"{row['opening_median_ms']} / {row['opening_max_ms']} ms | {row['runs']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ports", default=None, help="primary,standby (default: free ports)")
    parser.add_argument("--postings", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="5,000 postings, 3 runs")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    if args.quick:
        args.postings, args.repeat = 5_000, 3
    ports = tuple(int(p) for p in args.ports.split(",")) if args.ports else None

    started = time.perf_counter()
    with StreamingPair("fl_h3_replica_bench", ports) as pair:
        setup = round(time.perf_counter() - started, 1)
        prepare_database(pair.primary_url)
        built = build_fund(pair.primary_url, args.postings)
        engine = make_engine(pair.primary_url)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
        engine.dispose()
        waited = time.perf_counter()
        pair.wait_replayed(timeout=60)
        report = {
            "machine": machine(pair.primary_url),
            # A tree made with ``git archive`` has no history to name: say which it was.
            "code": os.environ.get("FUNDLEDGER_BENCH_CODE", ""),
            "fund": built,
            "setup_seconds": setup,
            "catch_up_seconds": round(time.perf_counter() - waited, 2),
            "rows": measure(pair, args.repeat),
        }
    print(markdown(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
