"""verify beside the raw fetch of the same rows and the hashing of the same bytes (issue 11.4).

On a PostgreSQL fund of ``--postings`` postings built (or reused) by
``benchmarks/large_statements.py``, in one session, interleaved, medians of ``--repeat``:

- ``raw_fetch``: the rows verify reads — every entry column and every posting column
  the hash covers, ``journal_entries LEFT JOIN postings`` in number, line order —
  fetched with psycopg directly from a server-side cursor (tuples, nothing built);
- ``sha256``: ``hashlib.sha256`` over each entry's hashed bytes (prev hash + canonical
  JSON), computed beforehand: the cost of the hashing alone;
- ``chain``: :func:`ledger.verify_stream.verify_chain`, the streamed chain check;
- ``after``: :func:`ledger.verify.verify_journal`, the full check (chain, balances,
  month-end snapshots, head);
- ``incremental``: ``verify_journal(since=checkpoint)`` from a checkpoint at 90 % of
  the journal (balances and snapshots still in full);
- ``before``: ``verify_journal`` of ``ledger/verify.py`` at ``--before-rev`` (the batched
  ORM-row version), loaded from git.

Usage: ``python benchmarks/verify_speed.py --database-url postgresql+psycopg://…/fl_bench
--postings 250000``; prints a JSON report.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import large_statements  # noqa: E402
from bench.common import timed  # noqa: E402
from sqlalchemy import select  # noqa: E402

from ledger import verify_stream  # noqa: E402
from ledger.checkpoints import Checkpoint  # noqa: E402
from ledger.database import make_engine, make_sessionmaker  # noqa: E402
from ledger.models import Account, JournalEntry  # noqa: E402
from ledger.verify import VerifyResult, verify_journal  # noqa: E402

RAW = """
SELECT e.number, e.value_date, e.posted_at, e.memo, e.event, e.source_type, e.source_id,
       e.reverses, e.created_by, e.idempotency_key, e.prev_hash, e.hash,
       p.line, p.account_id, p.amount, p.original_amount, p.currency,
       p.case_id, p.victim_id, p.award_id, p.asset_id
FROM journal_entries e LEFT JOIN postings p ON p.entry_number = e.number
ORDER BY e.number, p.line
"""


def raw_fetch(session) -> int:
    raw = session.connection().connection.dbapi_connection
    rows = 0
    with raw.cursor(name="verify_speed_raw") as cursor:
        cursor.itersize = 5000
        cursor.execute(RAW)
        while batch := cursor.fetchmany(5000):
            rows += len(batch)
    return rows


def payloads(session) -> list[bytes]:
    codes = dict(session.execute(select(Account.id, Account.code)).all())
    return [
        (
            entry[verify_stream.PREV_HASH]
            + verify_stream.canonical_json_of_rows(entry, rows, codes)
        ).encode()
        for entry, rows in verify_stream.stream_entries(session)
    ]


def before_module(rev: str, repo: Path):
    source = subprocess.run(  # noqa: S603 (git, fixed arguments)
        ["git", "-C", str(repo), "show", f"{rev}:ledger/verify.py"],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "verify_before.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("verify_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["verify_before"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--postings", type=int, default=250_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--before-rev", default="d41c0b9")
    parser.add_argument("--repo", type=Path, default=HERE.parent, help="git repository of it")
    parser.add_argument("--out", type=Path, help="also write the JSON report here")
    args = parser.parse_args()
    built = large_statements.fund(args.database_url, args.postings, False)
    engine = make_engine(built["url"])
    old = before_module(args.before_rev, args.repo)
    times: dict[str, list[float]] = {
        k: [] for k in ("raw_fetch", "sha256", "chain", "after", "incremental", "before")
    }
    with make_sessionmaker(engine)() as session:
        codes = dict(session.execute(select(Account.id, Account.code)).all())
        data = payloads(session)
        last = len(data)
        at = last * 9 // 10
        mark = session.scalar(select(JournalEntry.hash).where(JournalEntry.number == at))
        checkpoint = Checkpoint(at, mark, 0, "0" * 64, "", "benchmark", "", "")
        for _ in range(args.repeat):
            t, rows = timed(lambda: raw_fetch(session))
            times["raw_fetch"].append(t)
            t, _ = timed(lambda: [hashlib.sha256(b).hexdigest() for b in data])
            times["sha256"].append(t)
            result = VerifyResult()
            t, _ = timed(lambda r=result: verify_stream.verify_chain(session, codes, r))
            assert result.problems == [] and result.entries == last
            times["chain"].append(t)
            t, full = timed(lambda: verify_journal(session))
            assert full.problems == [], full.problems[:3]
            times["after"].append(t)
            t, part = timed(lambda: verify_journal(session, since=checkpoint))
            assert part.problems == [] and part.head_hash == full.head_hash
            times["incremental"].append(t)
            t, was = timed(lambda: old.verify_journal(session))
            assert was.problems == [] and was.head_hash == full.head_hash
            times["before"].append(t)
    medians = {k: round(statistics.median(v), 3) for k, v in times.items()}
    raw = medians["raw_fetch"]
    report = {
        "machine": large_statements.machine(built["url"]),
        "fund": built,
        "entries": last,
        "rows_fetched": rows,
        "seconds": medians,
        "ratio_to_raw_fetch": {k: round(v / raw, 2) for k, v in medians.items()},
        "ratio_to_sha256": {k: round(v / medians["sha256"], 1) for k, v in medians.items()},
    }
    engine.dispose()
    large_statements.print_report(report, args.out)


if __name__ == "__main__":
    main()
