"""How many SQL statements each posting step sends, pinned (issue 11).

Each step runs in its own transaction, on a fund set up beforehand, with the
engine's ``before_cursor_execute`` event counting what reaches the driver
(``BEGIN``/``COMMIT`` are not statements the driver is asked to run through a
cursor and are not counted). A regression that adds a statement fails here
with the statements listed, the extra ones marked.

The figures differ per engine: PostgreSQL writes an entry, its postings, the
journal head and the balances in one statement (data-modifying CTEs); SQLite
has no such statements and writes them one by one.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from ledger import awards, cases, cash, disbursements
from ledger.money import Money
from ledger.periods import close_month
from tests.conftest import BACKEND
from tests.registers.factories import ADMIN, OTHER, new_case, new_victim

DAY = date(2026, 2, 2)

#: Statements per step, by engine. Lower a figure when a change saves one; never raise
#: one without saying why in the commit.
PINNED = {
    "register_award": {"postgresql": 7, "sqlite": 12},
    "record_receipt": {"postgresql": 7, "sqlite": 11},
    "propose_disbursement": {"postgresql": 9, "sqlite": 10},
    "approve_disbursement": {"postgresql": 5, "sqlite": 6},
    "execute_disbursement": {"postgresql": 12, "sqlite": 17},
    "close_month": {"postgresql": 13, "sqlite": 14},
}


@contextmanager
def counting(session: Session):
    statements: list[str] = []
    engine = session.get_bind()

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split())[:160])

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def measure(session_factory, step: Callable[[Session], object]) -> list[str]:
    with session_factory() as session, counting(session) as statements:
        step(session)
        session.commit()
    return statements


def check(name: str, statements: list[str]) -> None:
    expected = PINNED[name][BACKEND]
    print(f"{name} on {BACKEND}: {len(statements)} statements")  # shown with pytest -s
    if len(statements) != expected:
        listing = "\n".join(
            f"{'+' if i >= expected else ' '} {i + 1:2d}. {s}" for i, s in enumerate(statements)
        )
        pytest.fail(
            f"{name} sent {len(statements)} statements on {BACKEND}, pinned at {expected}"
            f" (the ones past the pinned count are marked +):\n{listing}"
        )


@pytest.fixture
def fund(session_factory):
    with session_factory() as session:
        case = new_case(session)
        victim = new_victim(session)
        cash.record_receipt(
            session,
            actor=ADMIN,
            kind="donation",
            received_on=DAY,
            amount=Money(1_000_000, "EUR"),
            counterparty="Foundation",
        )
        session.commit()
        return case.id, victim.id


def _award(session: Session, case_id: int, victim_id: int, reference: str) -> int:
    return awards.register_award(
        session,
        actor=ADMIN,
        case_id=case_id,
        victim_id=victim_id,
        order_reference=reference,
        ordered_on=DAY,
        amount=Money(50_000, "EUR"),
    ).id


def test_register_award(session_factory, fund):
    case_id, victim_id = fund
    measure(session_factory, lambda s: _award(s, case_id, victim_id, "warm-up"))
    check("register_award", measure(session_factory, lambda s: _award(s, case_id, victim_id, "o")))


def test_record_receipt(session_factory, fund):
    def receipt(session: Session) -> None:
        cash.record_receipt(
            session,
            actor=ADMIN,
            kind="donation",
            received_on=DAY,
            amount=Money(1_000, "EUR"),
            counterparty="Donor",
        )

    measure(session_factory, receipt)
    check("record_receipt", measure(session_factory, receipt))


def test_payment_steps(session_factory, fund):
    case_id, victim_id = fund
    ids = []
    for reference in ("a", "b"):
        register = lambda s, r=reference: ids.append(_award(s, case_id, victim_id, r))  # noqa: E731
        measure(session_factory, register)

    def propose(session: Session, award_id: int) -> int:
        return disbursements.propose_disbursement(
            session,
            actor=ADMIN,
            award_id=award_id,
            amount=Money(20_000, "EUR"),
            method="intermediary",
            on=DAY,
        ).id

    proposals = []
    measure(session_factory, lambda s: proposals.append(propose(s, ids[0])))
    counted = measure(session_factory, lambda s: proposals.append(propose(s, ids[1])))
    check("propose_disbursement", counted)

    def approve(session: Session, proposal: int) -> None:
        disbursements.approve_disbursement(session, actor=OTHER, disbursement_id=proposal)

    measure(session_factory, lambda s: approve(s, proposals[0]))
    check("approve_disbursement", measure(session_factory, lambda s: approve(s, proposals[1])))

    def execute(session: Session, proposal: int) -> None:
        disbursements.execute_disbursement(
            session,
            actor=ADMIN,
            disbursement_id=proposal,
            paid_on=DAY,
            bank_reference=f"B-{proposal}",
            debited=Money(20_000, "EUR"),
        )

    measure(session_factory, lambda s: execute(s, proposals[0]))
    check("execute_disbursement", measure(session_factory, lambda s: execute(s, proposals[1])))


def test_close_month(session_factory, fund):
    measure(
        session_factory,
        lambda s: close_month(s, "2025-12", actor=ADMIN, today=date(2026, 3, 1)),
    )
    check(
        "close_month",
        measure(
            session_factory,
            lambda s: close_month(s, "2026-01", actor=ADMIN, today=date(2026, 3, 1)),
        ),
    )


def test_opening_a_case_is_not_a_posting(session_factory):
    """Sanity: counting works and a step that posts nothing still takes the lock once."""
    counted = measure(
        session_factory,
        lambda s: cases.open_case(
            s,
            actor=ADMIN,
            reference="CR-1",
            court="Court",
            title="Title",
            jurisdiction="PT",
            opened_on=DAY,
        ),
    )
    assert sum("FOR UPDATE" in s for s in counted) <= 1, counted
