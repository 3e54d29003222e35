"""Award postings through ``register_award`` on PostgreSQL beside ``pgbench -b tpcb-like``.

The fund (``fl_h4_posting``) has one case and a few victims; each client process registers
awards one transaction each for a fixed burst. pgbench runs on its own scratch database
(``fl_h4_pgbench``, ``pgbench -i -s 1``) with the same number of clients. Rounds interleave
pgbench and fundledger, 1 client then 2, ``repeat`` times; each figure is the median.

Goals (issue 11): ≥ 0.25 x pgbench at 1 client; 2 clients ≥ 1.5 x 1 client.
"""

from __future__ import annotations

import re
import subprocess

from bench import workers
from bench.common import Figure, Outcome, fresh_database, median, small_fund
from bench.posting import burst, ratio

TITLE = "Award postings on PostgreSQL (register_award) vs pgbench tpcb-like"
PGBENCH_DB = "fl_h4_pgbench"
TPS = re.compile(r"^tps = ([0-9.]+)", re.MULTILINE)


def pgbench(clients: int, seconds: int) -> float:
    done = subprocess.run(  # noqa: S603
        [  # noqa: S607
            "pgbench",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-n",
            "-b",
            "tpcb-like",
            "-c",
            str(clients),
            "-j",
            str(clients),
            "-T",
            str(seconds),
            PGBENCH_DB,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 120,
    )
    found = TPS.search(done.stdout)
    if not found:
        raise RuntimeError(f"pgbench printed no tps: {done.stdout[-500:]} {done.stderr[-500:]}")
    return float(found.group(1))


def run(ctx) -> Outcome:
    outcome = Outcome("posting_postgresql", TITLE)
    seconds = max(1, round(ctx.sizes.seconds))
    fresh_database(PGBENCH_DB)
    subprocess.run(  # noqa: S603
        ["pgbench", "-h", "127.0.0.1", "-U", "postgres", "-i", "-s", "1", "-q", PGBENCH_DB],  # noqa: S607
        capture_output=True,
        check=True,
    )
    fund = small_fund(fresh_database("fl_h4_posting"))
    args = (fund.url, fund.case_id, fund.victim_ids)
    runs = {("pg", 1): [], ("pg", 2): [], ("fl", 1): [], ("fl", 2): []}
    for round_ in range(ctx.sizes.repeat):
        for clients in (1, 2):
            runs["pg", clients].append(pgbench(clients, seconds))
            tag = f"r{round_}c{clients}"
            runs["fl", clients].append(
                burst(ctx.pool, workers.post_awards, (*args, tag, seconds), clients)
            )
            ctx.log(
                f"  round {round_ + 1}, {clients} client(s): pgbench "
                f"{runs['pg', clients][-1]:.0f} tps, fundledger {runs['fl', clients][-1]:.1f}/s"
            )
    pg1, pg2 = median(runs["pg", 1]), median(runs["pg", 2])
    fl1, fl2 = median(runs["fl", 1]), median(runs["fl", 2])
    goal1 = ratio(fl1, pg1)
    outcome.figures.append(
        Figure(
            "award postings, PostgreSQL, 1 client",
            "register_award, one commit each",
            fl1,
            "entries/s",
            "pgbench tpcb-like, 1 client",
            pg1,
            goal1,
            "≥ 0.25 x pgbench",
            goal1 is not None and goal1 >= 0.25,
            reference_unit="tps",
        )
    )
    goal2 = ratio(fl2, pg2)
    scaling = ratio(fl2, fl1)
    outcome.figures.append(
        Figure(
            "award postings, PostgreSQL, 2 clients",
            "register_award, 2 processes",
            fl2,
            "entries/s",
            "pgbench tpcb-like, 2 clients",
            pg2,
            goal2,
            "2 clients ≥ 1.5 x 1 client",
            scaling is not None and scaling >= 1.5,
            f"2 clients / 1 client = {scaling:.2f}" if scaling else "",
            reference_unit="tps",
        )
    )
    outcome.details.append(
        f"Bursts of {seconds} s, {ctx.sizes.repeat} rounds (pgbench then fundledger, 1 client "
        "then 2); every run: "
        + "; ".join(
            f"{who} {clients}c " + "/".join(f"{v:.1f}" for v in values)
            for (who, clients), values in runs.items()
        )
    )
    return outcome
