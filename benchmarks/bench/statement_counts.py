"""SQL statements per operation, counted with a ``before_cursor_execute`` listener.

On a small fund per engine (PostgreSQL ``fl_h4_counts`` and a SQLite file), every
operation runs once to warm (caches filled, as in a running server) and is then counted
the second time, from the service call to its commit included: register an award,
propose / approve / execute a payment, record a receipt, close a month (a month that
holds the counted operations' entries). The statements themselves (PostgreSQL) are listed
under the table, so a change in a count says which statement came or went.

Goal (issue 11): ≤ 8 statements per award on PostgreSQL (the others are recorded).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import event

from bench.common import ADMIN, SECOND, Figure, Outcome, fresh_database, small_fund, sql_shape
from ledger import awards, cash, disbursements
from ledger.database import make_engine, make_sessionmaker
from ledger.money import Money
from ledger.periods import close_month
from ledger.validate import today_utc

TITLE = "SQL statements per operation (before_cursor_execute)"
OPERATIONS = (
    "register award",
    "propose payment",
    "approve payment",
    "execute payment",
    "record receipt",
    "close month",
)


def _steps(fund, month: int, serial: int) -> dict:
    """The operations, in order, for a month of 2026 (2 = warm-up in January…)."""
    day = date(2026, month, 10)
    state: dict = {}

    def register(session):
        state["award"] = awards.register_award(
            session,
            actor=ADMIN,
            case_id=fund.case_id,
            victim_id=fund.victim_ids[0],
            order_reference=f"COUNT-{serial}",
            ordered_on=day,
            amount=Money(50_000, "EUR"),
        ).id

    def propose(session):
        state["payment"] = disbursements.propose_disbursement(
            session,
            actor=ADMIN,
            award_id=state["award"],
            amount=Money(50_000, "EUR"),
            method="intermediary",
            on=day,
        ).id

    def approve(session):
        disbursements.approve_disbursement(session, actor=SECOND, disbursement_id=state["payment"])

    def execute(session):
        disbursements.execute_disbursement(
            session,
            actor=ADMIN,
            disbursement_id=state["payment"],
            paid_on=day,
            bank_reference=f"BANK-{serial}",
            debited=Money(50_000, "EUR"),
        )

    def receive(session):
        cash.record_receipt(
            session,
            actor=ADMIN,
            kind="donation",
            received_on=day,
            amount=Money(10_000_000, "EUR"),
            counterparty="Benchmark Foundation",
        )

    return {
        "record receipt": receive,
        "register award": register,
        "propose payment": propose,
        "approve payment": approve,
        "execute payment": execute,
    }


def count(fund) -> dict[str, list[str]]:
    engine = make_engine(fund.url)
    factory = make_sessionmaker(engine)
    seen: list[str] = []
    counting = [False]

    def record(_conn, _cursor, statement, *_args) -> None:
        if counting[0]:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    counted: dict[str, list[str]] = {}

    def step(name: str, work) -> None:
        seen.clear()
        counting[0] = True
        with factory() as session:
            work(session)
            session.commit()
        counting[0] = False
        counted[name] = list(seen)

    for month in (1, 2):  # January warms, February is counted
        for name, work in _steps(fund, month, month).items():
            step(name, work)
    today = today_utc()
    step("close month", lambda s: close_month(s, "2026-01", actor=ADMIN, today=today))
    step("close month", lambda s: close_month(s, "2026-02", actor=ADMIN, today=today))
    engine.dispose()
    return counted


def run(ctx) -> Outcome:
    outcome = Outcome("statement_counts", TITLE)
    (ctx.workdir / "counts").mkdir(exist_ok=True)
    counts = {
        "PostgreSQL": count(small_fund(fresh_database("fl_h4_counts"))),
        "SQLite": count(small_fund("sqlite", workdir=ctx.workdir / "counts")),
    }
    for name in OPERATIONS:
        pg, lite = counts["PostgreSQL"].get(name), counts["SQLite"].get(name)
        award = name == "register award"
        outcome.figures.append(
            Figure(
                f"statements: {name}",
                "PostgreSQL",
                len(pg) if pg is not None else None,
                "statements",
                "SQLite",
                len(lite) if lite is not None else None,
                None,
                "≤ 8 on PostgreSQL" if award else "",
                (len(pg) <= 8) if award and pg is not None else None,
            )
        )
    outcome.details.append(
        "Counted from the service call to its commit included, the second time each runs "
        "(the first warms). The statements, on PostgreSQL:"
    )
    for name in OPERATIONS:
        statements = counts["PostgreSQL"].get(name, [])
        outcome.details += ["", f"<details><summary>{name}: {len(statements)}</summary>", ""]
        outcome.details += [f"{i}. `{sql_shape(s)}`" for i, s in enumerate(statements, 1)]
        outcome.details += ["", "</details>"]
    return outcome
