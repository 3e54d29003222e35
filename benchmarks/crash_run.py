"""The long crash run: minutes of payments through kill -9 of gunicorn and stops of PostgreSQL.

``python benchmarks/crash_run.py --minutes 20`` runs the workload of the CI
crash test (:mod:`tests.crash.workload`, imported, not copied) against gunicorn
with 2 sync workers on a **private** PostgreSQL cluster (``initdb`` under /tmp,
on a port of ``FUNDLEDGER_TEST_CRASH_PORTS``, default 5300-5319; the shared
server is never stopped). Every ``--every`` seconds it makes one fault, in turn:

1. kill -9 of a gunicorn worker (the master forks another);
2. ``pg_ctl -m immediate`` stop of PostgreSQL, ``--down`` seconds without a
   database (requests answer 503 and are retried), then a start (crash recovery);
3. kill -9 of the gunicorn master (its orphaned workers leave), then a restart;
4. kill -9 of a worker again.

``--engine sqlite`` runs one sync worker on an SQLite file and kills the whole
server instead. At the end every unanswered write is resolved with its own
Idempotency-Key, gunicorn is stopped and the invariants of
:mod:`tests.crash.invariants` are checked; the figures are printed as JSON
(and written to ``--json FILE``). Exit status 1 if any invariant failed.
Results: benchmarks/CRASH.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.crash.pgcluster import PrivateCluster
from tests.crash.scenario import CrashRun
from tests.crash.servers import free_port


def postgres_faults(run: CrashRun, cluster: PrivateCluster, every: float, down: float, total):
    def stop_postgres() -> None:
        cluster.stop_immediately()
        time.sleep(down)
        cluster.start()

    cycle = [
        ("fundledger checkpoint", run.checkpoint),
        ("kill -9 a worker", run.kill_worker),
        ("pg_ctl -m immediate, restart", stop_postgres),
        ("kill -9 the master, restart", run.kill_master_and_restart),
        ("kill -9 a worker", run.kill_worker),
    ]
    return _schedule(cycle, every, total)


def sqlite_faults(run: CrashRun, every: float, total):
    cycle = [
        ("fundledger checkpoint", run.checkpoint),
        ("kill -9 the server, restart", run.kill_server_and_restart),
    ]
    return _schedule(cycle, every, total)


def _schedule(cycle, every: float, total: float):
    """One fault every ``every`` seconds, the cycle repeated, none in the last stretch."""
    faults, at, n = [], every, 0
    while at < total - every / 2:
        name, fault = cycle[n % len(cycle)]
        faults.append((at, name, fault))
        at, n = at + every, n + 1
    return faults


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--engine", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--every", type=float, default=40.0, help="seconds between faults")
    parser.add_argument("--down", type=float, default=5.0, help="seconds PostgreSQL is down")
    parser.add_argument("--threads", type=int, default=4, help="client threads")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    seconds = args.minutes * 60
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="fl_h5_crash_") as workdir:
        cluster = None
        try:
            if args.engine == "postgresql":
                cluster = PrivateCluster(free_port())
                cluster.create()
                url = cluster.create_database("fl_h5_crash")
                run = CrashRun(url, Path(workdir), workers=2, threads=args.threads, echo=True)
                faults = postgres_faults(run, cluster, args.every, args.down, seconds)
            else:
                url = f"sqlite:///{workdir}/crash.db"
                run = CrashRun(url, Path(workdir), workers=1, threads=args.threads, echo=True)
                faults = sqlite_faults(run, args.every, seconds)
            problems, figures = run.run(seconds, faults)
        finally:
            if cluster is not None:
                cluster.destroy()
    figures["run"] = {
        "engine": args.engine,
        "minutes": args.minutes,
        "wall seconds": round(time.monotonic() - started, 1),
        "postgresql immediate stops": cluster.stops if cluster else 0,
        "machine": f"{platform.node()} {platform.machine()} {platform.python_version()}",
    }
    figures["problems"] = problems
    text = json.dumps(figures, indent=1, default=str)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    print("OK: every invariant held" if not problems else f"FAILED: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
