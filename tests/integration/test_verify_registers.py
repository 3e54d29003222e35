"""verify_books sees the registers: a register row changed behind the application's
back (the database's guards out of the way, as its owner or a superuser can) is found
and named, by the CLI's ``fundledger verify`` and ``GET /audit/verify`` alike.

The fund is the demo's (every kind of asset, award and payment state), plus an
approved and a rejected payment, a partly cancelled award, a receipt and an expense
recorded last (so the last audit event is a step that posted).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from ledger.access import Actor
from ledger.awards import cancel_award
from ledger.cash import record_expense, record_receipt
from ledger.disbursements import approve_disbursement, reject_disbursement
from ledger.models import CashMovement
from ledger.money import Money
from ledger.verify import verify_books, verify_journal
from tests.conftest import auth, named
from tests.integration.test_verify import guards_off

SECOND = named("second-admin")
TODAY = date.today()


def check(session_factory):
    with session_factory() as session:
        return verify_books(session, Actor.system())


def build_fund(runner, session_factory) -> None:
    """The demo fund and one record of each step the demo leaves out, committed."""
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with session_factory.begin() as session:
        approve_disbursement(session, actor=SECOND, disbursement_id=5)
        reject_disbursement(session, actor=SECOND, disbursement_id=8, reason="duplicate")
        cancel_award(
            session,
            actor=SECOND,
            award_id=5,
            effective_on=TODAY,
            reason="partly settled by the offender",
            amount=Money(1000_00, "EUR"),
        )
        record_receipt(
            session,
            actor=SECOND,
            kind="donation",
            received_on=TODAY,
            amount=Money(250_00, "EUR"),
            counterparty="Foundation",
        )
        record_expense(
            session,
            actor=SECOND,
            kind="custody",
            paid_on=TODAY,
            amount=Money(40_00, "EUR"),
            counterparty="Storage Ltd",
            case_id=1,
        )


@pytest.fixture
def fund(runner, session_factory, token_for):
    token = token_for("auditor")  # before the fund: the last audit event is a register step
    build_fund(runner, session_factory)
    return token


def test_the_fund_verifies(fund, session_factory):
    assert check(session_factory).problems == []


RECOMPUTE_BALANCES = [
    "UPDATE account_balances SET "
    "balance = (SELECT coalesce(sum(p.amount), 0) FROM postings p"
    " WHERE p.account_id = account_balances.account_id), "
    "original_balance = CASE WHEN (SELECT a.currency FROM accounts a"
    " WHERE a.id = account_balances.account_id) IS NULL THEN 0 ELSE"
    " (SELECT coalesce(sum(p.original_amount), 0) FROM postings p"
    " WHERE p.account_id = account_balances.account_id) END, "
    "postings = (SELECT count(*) FROM postings p"
    " WHERE p.account_id = account_balances.account_id)",
]
CUT_TAIL = [
    "DELETE FROM postings WHERE entry_number = (SELECT last_number FROM journal_head)",
    "DELETE FROM journal_entries WHERE number = (SELECT last_number FROM journal_head)",
    "UPDATE journal_head SET last_number = last_number - 1",
    "UPDATE journal_head SET last_hash = (SELECT hash FROM journal_entries"
    " WHERE number = journal_head.last_number)",
    *RECOMPUTE_BALANCES,
]

#: name -> (SQL run with the guards off, a pattern one problem must match)
TAMPERING = {
    "award-amount": (
        ["UPDATE awards SET amount_minor = amount_minor + 100000 WHERE id = 1"],
        r"^award 1: amount 46,000\.00 EUR but its registration entry \d+ says 45,000\.00",
    ),
    "award-paid-reset": (
        ["UPDATE awards SET paid_minor = 0, status = 'registered' WHERE id = 4"],
        r"^award 4: paid 0\.00 EUR but its payment entries say 25,000\.00 EUR \(entry 25\)",
    ),
    "award-status-reset": (
        ["UPDATE awards SET status = 'registered' WHERE id = 4"],
        r"^award 4: status registered but its entries make it paid",
    ),
    "award-cancellation-undone": (
        ["UPDATE awards SET cancelled_minor = 0 WHERE id = 5"],
        r"^award 5: cancelled 0\.00 EUR but its cancellation entries say 1,000\.00 EUR",
    ),
    "payment-paid-back-to-approved": (
        [
            "UPDATE disbursements SET status = 'approved', paid_on = NULL,"
            " bank_reference = NULL, debited_minor = NULL, fee_minor = NULL,"
            " payment_entry = NULL WHERE id = 2",
            "UPDATE awards SET paid_minor = 0, status = 'registered' WHERE id = 4",
        ],
        r"^disbursement 2: approved with payment entry none but the journal's payment "
        r"entries for it are entry 25",
    ),
    "payment-returned-unreturned": (
        [
            "UPDATE disbursements SET status = 'paid', returned_on = NULL,"
            " return_reason = NULL, return_entry = NULL WHERE id = 4",
        ],
        r"^disbursement 4: paid with return entry none but the journal's return entries "
        r"for it are entry 28",
    ),
    "asset-unsold": (
        [
            "UPDATE assets SET state = 'forfeited', sold_on = NULL, proceeds_minor = NULL,"
            " selling_costs_minor = NULL, sale_currency = NULL WHERE id = 2"
        ],
        r"^asset 2: vehicle forfeited implies asset\.forfeited but the journal has .*"
        r"asset\.liquidated \(entry \d+\)",
    ),
    "last-audit-event-deleted": (
        ["DELETE FROM audit_events WHERE id = (SELECT max(id) FROM audit_events)"],
        r"^entry \d+: expense\.recorded of expense \d+ has 0 audit event\(s\)",
    ),
    "audit-event-edited": (
        ["UPDATE audit_events SET actor = 'mallory' WHERE id = 10"],
        r"^audit event 10: hash chain broken",
    ),
    "journal-tail-cut-and-reheaded": (
        CUT_TAIL,
        r"^expense \d+: its entry \d+ is not the journal's expense\.recorded entry",
    ),
}


@pytest.mark.parametrize("case", list(TAMPERING), ids=list(TAMPERING))
def test_each_tampering_is_named_by_every_door(case, fund, engine, session_factory, runner, client):
    statements, pattern = TAMPERING[case]
    with guards_off(engine, "audit_events", "journal_entries", "postings") as run:
        for sql in statements:
            run(sql)
    problems = check(session_factory).problems
    assert any(re.search(pattern, p) for p in problems), problems

    cli = runner.invoke(args=["verify"])
    assert cli.exit_code == 1
    lines = [line.removeprefix("PROBLEM ") for line in cli.output.splitlines()]
    assert any(re.search(pattern, line) for line in lines)
    api = client.get("/api/v1/audit/verify", headers=auth(fund)).get_json()
    assert api["ok"] is False and api["problems"] == problems


def test_a_cut_tail_fools_the_journal_alone(fund, engine, session_factory):
    """With the tail cut and the head and balances made to match, the journal's own checks
    pass: only the registers (and the audit log beside them) still know the entry."""
    with session_factory() as session:
        number = session.scalar(select(CashMovement.entry_number).order_by(CashMovement.id.desc()))
    with guards_off(engine, "audit_events", "journal_entries", "postings") as run:
        for sql in CUT_TAIL:
            run(sql)
    with session_factory() as session:
        assert verify_journal(session).ok
    problems = check(session_factory).problems
    assert any(f"entry {number}" in p for p in problems)


def test_problems_carry_no_personal_data_nor_free_text(fund, engine, session_factory):
    with guards_off(engine, "audit_events") as run:
        run("UPDATE disbursements SET bank_reference = 'SECRET-REF' WHERE id = 1")
        run("UPDATE cash_movements SET counterparty = 'Jane Doe' WHERE direction = 'expense'")
    problems = check(session_factory).problems
    assert problems
    joined = "\n".join(problems)
    assert "SECRET-REF" not in joined and "Jane Doe" not in joined
    assert "disbursement 1: bank_reference" in joined


def test_a_deleted_last_event_of_a_step_that_posts_nothing(fund, engine, session_factory):
    """The approval of a payment posts no entry: its row, approved, outlives the event."""
    with session_factory.begin() as session:
        approve_disbursement(session, actor=SECOND, disbursement_id=6)
    assert check(session_factory).ok
    with guards_off(engine, "audit_events") as run:
        run("DELETE FROM audit_events WHERE id = (SELECT max(id) FROM audit_events)")
    problems = check(session_factory).problems
    assert any(
        re.match(
            r"disbursement 6: status differs from what audit event \d+ "
            r"\(disbursement\.proposed\) recorded",
            p,
        )
        for p in problems
    ), problems


def test_steps_on_the_journal_itself_verify_and_are_tied_to_their_events(
    fund, engine, session_factory
):
    """An adjustment, its reversal and an FX revaluation: clean; each entry needs its event."""
    from ledger.adjustments import post_adjustment, reverse_manual_entry
    from ledger.closing import revalue

    month = f"{TODAY.replace(day=1) - timedelta(days=1):%Y-%m}"  # last month: ended, open
    with session_factory.begin() as session:
        entry = post_adjustment(
            session,
            actor=SECOND,
            value_date=TODAY,
            memo="reclassify",
            postings=[
                {"account": "5500", "debit": "10.00"},
                {"account": "5200", "credit": "10.00"},
            ],
        )
        number = entry.number
        reverse_manual_entry(session, actor=SECOND, number=number, value_date=TODAY, memo="undo")
        revaluation = revalue(session, actor=SECOND, month=month)
        assert revaluation is not None  # the demo's USD and THB awards move with the rate
        revalued = revaluation.number
    assert check(session_factory).problems == []
    with guards_off(engine, "audit_events") as run:
        run(
            "DELETE FROM audit_events WHERE action = 'journal.adjusted' AND subject_id = :n",
            n=str(number),
        )
        run("DELETE FROM audit_events WHERE action = 'fx.revalued'")
    problems = check(session_factory).problems
    assert any(p.startswith(f"entry {number}: journal.adjusted") for p in problems), problems
    assert any(
        p.startswith(f"entry {revalued}: fx.revalued but no audit event") for p in problems
    ), problems
