"""Award postings through ``register_award`` on SQLite beside a TPC-B-like sqlite3 script.

The fund is a SQLite file in the run's work folder (WAL, ``BEGIN IMMEDIATE``: the
app's own engine, :func:`ledger.database.make_engine`). The floor is pgbench's
tpcb-like transaction written for ``sqlite3`` (:func:`bench.workers.sqlite_tpcb`) on
pgbench's scale-1 tables, with the app's pragmas, in a file beside it. Rounds interleave
floor and fundledger, 1 client then 2, ``repeat`` times; medians.

Goal (issue 11): ≥ 0.1 x the floor.
"""

from __future__ import annotations

from bench import workers
from bench.common import Figure, Outcome, median, small_fund
from bench.posting import burst, ratio

TITLE = "Award postings on SQLite (register_award) vs a TPC-B-like sqlite3 script"


def run(ctx) -> Outcome:
    outcome = Outcome("posting_sqlite", TITLE)
    seconds = max(1, round(ctx.sizes.seconds))
    floor_path = str(ctx.workdir / "tpcb.db")
    workers.init_sqlite_tpcb(floor_path)
    fund = small_fund("sqlite", workdir=ctx.workdir)
    args = (fund.url, fund.case_id, fund.victim_ids)
    runs = {("floor", 1): [], ("floor", 2): [], ("fl", 1): [], ("fl", 2): []}
    for round_ in range(ctx.sizes.repeat):
        for clients in (1, 2):
            runs["floor", clients].append(
                burst(ctx.pool, workers.sqlite_tpcb, (floor_path, seconds), clients)
            )
            runs["fl", clients].append(
                burst(
                    ctx.pool, workers.post_awards, (*args, f"r{round_}c{clients}", seconds), clients
                )
            )
            ctx.log(
                f"  round {round_ + 1}, {clients} client(s): sqlite3 TPC-B "
                f"{runs['floor', clients][-1]:.0f} tps, fundledger {runs['fl', clients][-1]:.1f}/s"
            )
    for clients in (1, 2):
        value, floor = median(runs["fl", clients]), median(runs["floor", clients])
        share = ratio(value, floor)
        outcome.figures.append(
            Figure(
                f"award postings, SQLite, {clients} client{'s' if clients > 1 else ''}",
                "register_award, one commit each",
                value,
                "entries/s",
                f"TPC-B-like on sqlite3, same pragmas, {clients} client{'s' * (clients > 1)}",
                floor,
                share,
                "≥ 0.1 x the floor",
                share is not None and share >= 0.1,
                reference_unit="tps",
            )
        )
    outcome.details.append(
        f"Bursts of {seconds} s, {ctx.sizes.repeat} rounds; every run: "
        + "; ".join(
            f"{who} {clients}c " + "/".join(f"{v:.1f}" for v in values)
            for (who, clients), values in runs.items()
        )
    )
    return outcome
