"""Every measure of issue 11 beside its reference, in one run: ``benchmarks/RESULTS.md``.

    .venv/bin/python benchmarks/run.py            # full sizes (2.5M postings, 15 s bursts…)
    .venv/bin/python benchmarks/run.py --medium   # the issue's sizes but a 500k history (~20 min)
    .venv/bin/python benchmarks/run.py --quick    # the same code with small sizes (2-4 min)
    .venv/bin/python benchmarks/run.py --only verify_speed trial_balance

Each measure is a module of ``benchmarks/bench/`` with ``run(ctx)``; they run one after
the other, and one that fails is recorded with its error in RESULTS.md while the others
go on. The quick and full modes differ only in :class:`bench.common.Sizes`. The scratch
databases (``fl_h4_*``, pgbench's included) are dropped at the end, whatever happened.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # bench/, large_statements; ledger, app
try:
    import sqlalchemy  # noqa: F401
except ImportError:  # a plain `python benchmarks/run.py`: run again in the project's virtualenv
    VENV = HERE.parent / ".venv" / "bin" / "python"
    if not VENV.exists():
        raise
    os.execv(VENV, [str(VENV), __file__, *sys.argv[1:]])  # noqa: S606

from bench import (  # noqa: E402
    api_awards,
    bulk_work,
    posting_postgresql,
    posting_sqlite,
    statement_counts,
    trial_balance,
    verify_speed,
    workers,
)
from bench.common import (  # noqa: E402
    FULL,
    MEDIUM,
    QUICK,
    Outcome,
    Sizes,
    drop_scratch_databases,
    postgresql_version,
)
from bench.machine import describe  # noqa: E402
from bench.report import number, render, write  # noqa: E402

MEASURES = {
    module.__name__.rsplit(".", 1)[1]: module
    for module in (
        posting_postgresql,
        posting_sqlite,
        api_awards,
        trial_balance,
        verify_speed,
        bulk_work,
        statement_counts,
    )
}


@dataclass
class Context:
    """What a measure is given: the sizes, two client processes, a folder, a log."""

    sizes: Sizes
    pool: object
    workdir: Path
    quick: bool
    shared: dict = field(default_factory=dict)  # funds one measure built for a later one

    def log(self, message: str) -> None:
        print(message, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sizes_given = parser.add_mutually_exclusive_group()
    sizes_given.add_argument("--quick", action="store_true", help="small sizes, short bursts")
    sizes_given.add_argument(
        "--medium", action="store_true", help="the issue's sizes, a 500k-posting history"
    )
    parser.add_argument("--only", nargs="+", choices=list(MEASURES), help="these measures")
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args()
    command = "python benchmarks/run.py" + (
        " --quick" if args.quick else " --medium" if args.medium else ""
    )
    if args.only:
        command += " --only " + " ".join(args.only)
    sizes = QUICK if args.quick else MEDIUM if args.medium else FULL
    outcomes: list[Outcome] = []
    drop_scratch_databases()  # a run stopped before its end left them
    facts = describe(postgresql_version())
    spawn = multiprocessing.get_context("spawn")
    with (
        tempfile.TemporaryDirectory(prefix="fl-h4-bench-") as folder,
        spawn.Pool(2) as pool,
    ):
        pool.map(workers.warm, [0.5, 0.5], chunksize=1)
        ctx = Context(sizes, pool, Path(folder), args.quick)
        try:
            for name in args.only or MEASURES:
                module = MEASURES[name]
                ctx.log(f"# {name}: {module.TITLE}")
                started = time.perf_counter()
                try:
                    outcome = module.run(ctx)
                except Exception:  # one measure's failure is a result, not the run's end
                    outcome = Outcome(name, module.TITLE, error=traceback.format_exc()[-4000:])
                    ctx.log(outcome.error)
                outcome.seconds = time.perf_counter() - started
                outcome.about = module.__doc__ or ""
                outcomes.append(outcome)
                for f in outcome.figures:
                    reference = number(f.reference_value, f.reference_unit or f.unit)
                    ctx.log(
                        f"  = {f.measure}: {number(f.value, f.unit)} (ref {reference}; {f.met})"
                    )
        finally:
            for stop in ctx.shared.get("cleanup", []):
                with contextlib.suppress(Exception):  # cleaning up after a failure
                    stop()
            dropped = drop_scratch_databases()
            ctx.log(f"# dropped {', '.join(dropped) or 'nothing'}")
    facts["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    mode = "quick" if args.quick else "medium" if args.medium else "full"
    write(args.output, render(outcomes, facts, sizes=sizes, mode=mode, command=command))
    ctx.log(f"# wrote {args.output}")
    return 1 if any(o.error for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
