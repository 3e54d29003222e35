"""Payments racing each other on PostgreSQL (SPEC §2 invariant 4, §5 Disbursement, §7).

Proposals, executions and distribution rounds are fired from real parallel
connections: every worker is a thread with its own Session (or its own Flask
test client), released together by a barrier. In the *gated* repetitions a
gatekeeper holds the books' lock (:func:`ledger.locks.lock_books`) until every
worker is queued behind it, so they all contend for it at once; in the
*racing* ones they simply run.

While they run, a watcher re-reads the books again and again from one
REPEATABLE READ snapshot and records anything a committed state must never
show: pending proposals beyond an award's outstanding amount or beyond the
fund's cash, a bank balance below zero, an award subledger past zero, or the
awards register disagreeing with the ledger.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from ledger.audit import verify_audit_log
from ledger.awards import register_award
from ledger.balances import current_balances
from ledger.cases import open_case
from ledger.cash import record_expense, record_receipt
from ledger.database import make_sessionmaker
from ledger.disbursements import (
    approve_disbursement,
    execute_disbursement,
    free_cash,
    propose_disbursement,
)
from ledger.distributions import distribute
from ledger.errors import Conflict, Invalid, Overdraft
from ledger.locks import lock_books
from ledger.models import Account, Award, Disbursement, SubledgerBalance, User
from ledger.models.registers import PENDING_PAYMENT_STATES
from ledger.money import Money
from ledger.pii import PiiCipher, generate_key
from ledger.users import create_token
from ledger.verify import verify_journal
from ledger.victims import PaymentDetails, register_victim
from tests.conftest import OPERATOR, auth, named

pytestmark = pytest.mark.postgres_only

DAY = date(2026, 3, 2)
ADMIN, APPROVER = named("alice"), named("bob")
PENDING = PENDING_PAYMENT_STATES
CIPHER = PiiCipher((generate_key(),))
BANK, PAYABLE = "1000", "2000"
JOIN_TIMEOUT = 30  # seconds: a deadlock fails the test instead of hanging it
GATE_TIMEOUT = 10  # seconds for every worker to queue behind the gatekeeper's lock

#: Three repetitions of every scenario: two with all workers queued on the lock at once.
REPEAT = pytest.mark.parametrize("gated", [True, False, True], ids=["gated", "racing", "gated2"])
#: Two for the variations on a scenario.
TWICE = pytest.mark.parametrize("gated", [True, False], ids=["gated", "racing"])


def eur(minor: int) -> Money:
    return Money(minor, "EUR")


def money(minor: int) -> dict[str, str]:
    return {"amount": f"{minor // 100}.{minor % 100:02d}", "currency": "EUR"}


# -- Running workers in parallel --------------------------------------------------------


@dataclass
class Outcome:
    value: object = None
    error: BaseException | None = None

    @property
    def kind(self) -> str:
        return "ok" if self.error is None else type(self.error).__name__


Task = Callable[[Callable[[], None]], object]


def race(
    engine,
    tasks: list[Task],
    *,
    gated: bool,
    watch: Callable[[Session], list[str]] | None = None,
) -> list[Outcome]:
    """Run every task in its own thread; each calls ``start()`` once it is ready to go.

    ``gated``: the books are held locked from before the start until all tasks are
    queued on that lock. ``watch(session)`` runs over and over meanwhile, each time in
    a fresh REPEATABLE READ snapshot, and returns the problems it sees; any is a failure.
    Returns one :class:`Outcome` per task, in order.
    """
    side_engine = create_engine(engine.url, pool_size=2)  # the gatekeeper's and the watcher's
    side = make_sessionmaker(side_engine)
    barrier = threading.Barrier(len(tasks) + gated, timeout=JOIN_TIMEOUT)
    outcomes: list[Outcome | None] = [None] * len(tasks)
    done = threading.Event()
    seen: list[str] = []
    gate_problems: list[str] = []

    def worker(index: int) -> None:
        try:
            outcomes[index] = Outcome(value=tasks[index](barrier.wait))
        except Exception as exc:  # every outcome, including a failure, is looked at below
            outcomes[index] = Outcome(error=exc)

    def watcher() -> None:
        with side() as session:
            while True:
                finished = done.is_set()
                try:
                    session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
                    seen.extend(watch(session))
                except Exception as exc:
                    seen.append(f"the watcher failed: {exc!r}")
                finally:
                    session.rollback()
                if finished or len(seen) > 20:
                    return
                time.sleep(0.01)  # leave the workers the CPU; a look every 10 ms is plenty

    def gatekeeper() -> None:
        with side() as session:
            try:
                lock_books(session)
                barrier.wait()
                deadline = time.monotonic() + GATE_TIMEOUT
                while (queued := _queued_on_locks(session)) < len(tasks):
                    if time.monotonic() > deadline:
                        gate_problems.append(f"only {queued} of {len(tasks)} workers queued")
                        break
                    time.sleep(0.005)
            except Exception as exc:
                gate_problems.append(f"the gatekeeper failed: {exc!r}")
            finally:
                session.rollback()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(len(tasks))]
    helpers = [threading.Thread(target=gatekeeper, daemon=True)] if gated else []
    if watch is not None:
        helpers.append(threading.Thread(target=watcher, daemon=True))
    try:
        for thread in helpers + threads:
            thread.start()
        deadline = time.monotonic() + JOIN_TIMEOUT
        for thread in threads:
            thread.join(timeout=max(deadline - time.monotonic(), 0.1))
        hung = sum(thread.is_alive() for thread in threads)
    finally:
        done.set()
        for thread in helpers:
            thread.join(timeout=JOIN_TIMEOUT)
        side_engine.dispose()
    assert not hung, f"{hung} worker(s) still running after {JOIN_TIMEOUT} s: a deadlock?"
    assert not gate_problems, gate_problems
    assert not seen, seen
    return outcomes  # type: ignore[return-value]


def _queued_on_locks(session: Session) -> int:
    session.execute(text("SELECT pg_stat_clear_snapshot()"))  # fresh activity figures
    return session.scalar(
        text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
    )


def in_session(session_factory: sessionmaker[Session], work: Callable[[Session], object]) -> Task:
    """A task running ``work`` in its own session: committed if it returns, else rolled back."""

    def task(start: Callable[[], None]) -> object:
        with session_factory() as session:
            session.connection()  # hold a connection before the start line
            start()
            try:
                value = work(session)
                session.commit()
            except BaseException:
                session.rollback()
                raise
            return value

    return task


def kinds(outcomes: list[Outcome]) -> Counter:
    return Counter(outcome.kind for outcome in outcomes)


class WrongRefusal(AssertionError):
    """A request was refused and changed nothing, but not the way SPEC §5/§7 say."""


def check_refusals(outcomes: list[Outcome], expected: type[Exception], *phrases: str) -> list[str]:
    """What is wrong with the refusals among ``outcomes`` (each must be ``expected``, exactly,
    with one of ``phrases`` in its detail)."""
    wrong = Counter()
    for outcome in outcomes:
        error = outcome.error
        if error is None:
            continue
        if type(error) is not expected or not any(p in error.detail for p in phrases):
            wrong[f"{type(error).__name__}: {error}"] += 1
    return [f"{count} x {what}" for what, count in wrong.items()]


def raise_wrong_refusals(problems: list[str]) -> None:
    """Last in a test, after every check of what was committed."""
    if problems:
        raise WrongRefusal(problems)


# -- A fund, built through the ledger services -------------------------------------------


def build_fund(
    session_factory: sessionmaker[Session], *, cash: int, awards: list[int]
) -> list[int]:
    """A case, ``cash`` (minor EUR) in the bank, and one victim with one award per amount."""
    with session_factory.begin() as session:
        case = open_case(
            session,
            actor=ADMIN,
            reference="CR-2026-042",
            court="Tribunal de Lisboa",
            title="State v. Network",
            jurisdiction="PT",
            opened_on=DAY,
        )
        record_receipt(
            session,
            actor=ADMIN,
            kind="donation",
            received_on=DAY,
            amount=eur(cash),
            counterparty="Foundation",
        )
        ids = []
        for number, amount in enumerate(awards, start=1):
            victim = register_victim(
                session,
                CIPHER,
                actor=ADMIN,
                full_name=f"Victim {number}",
                date_of_birth=None,
                contact=None,
                country_of_residence="PT",
                returned_home=False,
                payment=PaymentDetails(method="cash", currency="EUR"),
            )
            award = register_award(
                session,
                actor=ADMIN,
                case_id=case.id,
                victim_id=victim.id,
                order_reference=f"A-{number}",
                ordered_on=DAY,
                amount=eur(amount),
            )
            ids.append(award.id)
    return ids


def propose(award_id: int, amount: int) -> Callable[[Session], int]:
    def work(session: Session) -> int:
        return propose_disbursement(
            session, actor=ADMIN, award_id=award_id, amount=eur(amount), method="cash", on=DAY
        ).id

    return work


def execute(disbursement_id: int, amount: int, fee: int = 0) -> Callable[[Session], int]:
    def work(session: Session) -> int:
        return execute_disbursement(
            session,
            actor=ADMIN,
            disbursement_id=disbursement_id,
            paid_on=DAY,
            bank_reference=f"REF-{disbursement_id}",
            debited=eur(amount),
            fee=eur(fee),
        ).payment_entry

    return work


# -- What committed books must always show ------------------------------------------------


def books_problems(session: Session, *, cash_covers_pending: bool = True) -> list[str]:
    """Everything wrong with the committed books (read in one snapshot by the caller)."""
    problems = []
    bank = current_balances(session)[BANK]  # debit-positive
    if bank < 0:
        problems.append(f"the bank account is overdrawn: {bank}")
    committed = session.scalar(
        select(func.coalesce(func.sum(Disbursement.estimate_minor), 0)).where(
            Disbursement.status.in_(PENDING)
        )
    )
    if cash_covers_pending and committed > bank:
        problems.append(f"pending payments ({committed}) exceed the bank balance ({bank})")

    def per_award(*statuses: str) -> dict[int, int]:
        return dict(
            session.execute(
                select(Disbursement.award_id, func.sum(Disbursement.amount_minor))
                .where(Disbursement.status.in_(statuses))
                .group_by(Disbursement.award_id)
            ).all()
        )

    pending, paid = per_award(*PENDING), per_award("paid")
    carried = dict(
        session.execute(
            select(SubledgerBalance.award_id, SubledgerBalance.original_balance)
            .join(Account, Account.id == SubledgerBalance.account_id)
            .where(Account.code == PAYABLE)
        ).all()
    )
    for award in session.execute(select(Award.__table__)).all():
        outstanding = award.amount_minor - award.paid_minor - award.cancelled_minor
        if pending.get(award.id, 0) > outstanding:
            problems.append(
                f"award {award.id}: {pending[award.id]} pending, only {outstanding} outstanding"
            )
        if paid.get(award.id, 0) != award.paid_minor:
            problems.append(
                f"award {award.id}: paid {award.paid_minor} but its paid disbursements "
                f"sum to {paid.get(award.id, 0)}"
            )
        if carried.get(award.id) != -outstanding:  # every award here is in EUR
            problems.append(
                f"award {award.id}: subledger carries {carried.get(award.id)}, "
                f"the register says {outstanding} is outstanding"
            )
    return problems


def assert_books_sound(session_factory, *, cash_covers_pending: bool = True) -> None:
    with session_factory() as session:
        problems = books_problems(session, cash_covers_pending=cash_covers_pending)
        result = verify_journal(session)
        audit_problems = verify_audit_log(session)
    assert not problems, problems
    assert result.ok, result.problems
    assert not audit_problems, audit_problems


def pending_total(session_factory, award_id: int | None = None) -> int:
    query = select(func.coalesce(func.sum(Disbursement.amount_minor), 0)).where(
        Disbursement.status.in_(PENDING)
    )
    if award_id is not None:
        query = query.where(Disbursement.award_id == award_id)
    with session_factory() as session:
        return session.scalar(query)


# -- 1. Proposals against one award -------------------------------------------------------


@REPEAT
def test_parallel_proposals_never_commit_more_than_an_award_owes(engine, session_factory, gated):
    (award,) = build_fund(session_factory, cash=10_000_00, awards=[1000_00])

    outcomes = race(
        engine,
        [in_session(session_factory, propose(award, 300_00))] * 12,
        gated=gated,
        watch=books_problems,
    )

    assert kinds(outcomes)["ok"] == 3
    assert pending_total(session_factory, award) == 900_00
    assert len({outcome.value for outcome in outcomes if outcome.error is None}) == 3
    assert_books_sound(session_factory)
    # the nine others: 422, "exceeds what is outstanding on award 1 and not yet proposed"
    raise_wrong_refusals(check_refusals(outcomes, Invalid, "is outstanding on award"))


# -- 2. Proposals against the fund's cash -------------------------------------------------


@REPEAT
def test_parallel_proposals_never_commit_more_than_the_fund_holds(engine, session_factory, gated):
    awards = build_fund(session_factory, cash=1000_00, awards=[500_00] * 10)

    outcomes = race(
        engine,
        [in_session(session_factory, propose(award, 250_00)) for award in awards],
        gated=gated,
        watch=books_problems,
    )

    assert kinds(outcomes)["ok"] == 4
    assert pending_total(session_factory) == 1000_00
    with session_factory() as session:
        assert free_cash(session) == 0
    assert_books_sound(session_factory)
    raise_wrong_refusals(check_refusals(outcomes, Invalid, "exceeds the fund's available cash"))


# -- 3. Executions of approved payments that together exceed the bank ---------------------


def approved_payments_beyond_the_bank(session_factory) -> tuple[list[int], list[int]]:
    """Three awards of EUR 500 with two approved payments of EUR 250 each (EUR 1,500 in all);
    then an administrative cost takes EUR 500, leaving EUR 1,000 in the bank."""
    awards = build_fund(session_factory, cash=1500_00, awards=[500_00] * 3)
    with session_factory.begin() as session:
        ids = [propose(award, 250_00)(session) for award in awards for _ in range(2)]
        for disbursement_id in ids:
            approve_disbursement(session, actor=APPROVER, disbursement_id=disbursement_id)
        record_expense(
            session,
            actor=ADMIN,
            kind="administrative",
            paid_on=DAY,
            amount=eur(500_00),
            counterparty="Office rent",
        )
        assert current_balances(session)[BANK] == 1000_00
    return awards, ids


@REPEAT
def test_parallel_executions_never_overdraw_the_bank(engine, session_factory, gated):
    awards, ids = approved_payments_beyond_the_bank(session_factory)

    outcomes = race(
        engine,
        # EUR 250.00 each plus a EUR 1.00 fee: EUR 1,000.00 pays three of six
        [in_session(session_factory, execute(d, 250_00, fee=1_00)) for d in ids],
        gated=gated,
        watch=lambda session: books_problems(session, cash_covers_pending=False),
    )

    assert kinds(outcomes) == Counter({"ok": 3, "Overdraft": 3})
    for outcome in outcomes:
        if outcome.error is not None:
            assert type(outcome.error) is Overdraft
            assert "account 1000" in outcome.error.detail
    entries = [outcome.value for outcome in outcomes if outcome.error is None]
    assert len(set(entries)) == 3
    with session_factory() as session:
        assert current_balances(session)[BANK] == 1000_00 - 3 * 251_00
        statuses = Counter(session.scalars(select(Disbursement.status)))
        assert statuses == Counter({"paid": 3, "approved": 3})
        paid = sum(session.get(Award, award).paid_minor for award in awards)
        assert paid == 3 * 250_00
    assert_books_sound(session_factory, cash_covers_pending=False)


@TWICE
def test_parallel_executions_of_one_payment_pay_it_once(engine, session_factory, gated):
    awards, ids = approved_payments_beyond_the_bank(session_factory)

    outcomes = race(
        engine,
        [in_session(session_factory, execute(ids[0], 250_00, fee=1_00))] * 8,
        gated=gated,
        watch=lambda session: books_problems(session, cash_covers_pending=False),
    )

    assert kinds(outcomes) == Counter({"ok": 1, "Conflict": 7})
    for outcome in outcomes:
        if outcome.error is not None:
            assert type(outcome.error) is Conflict
            assert outcome.error.errors == {"status": ["is paid"]}
    with session_factory() as session:
        assert current_balances(session)[BANK] == 1000_00 - 251_00
        assert session.get(Award, awards[0]).paid_minor == 250_00
        assert session.get(Disbursement, ids[0]).status == "paid"
    assert_books_sound(session_factory, cash_covers_pending=False)


# -- 4. The same over HTTP --------------------------------------------------------------


class Api:
    def __init__(self, client, token: str):
        self.client, self.headers = client, auth(token)

    def post(self, path: str, body: dict, expect: int = 201) -> dict:
        response = self.client.post(f"/api/v1{path}", json=body, headers=self.headers)
        assert response.status_code == expect, (path, response.get_json())
        return response.get_json()

    def get(self, path: str) -> dict:
        response = self.client.get(f"/api/v1{path}", headers=self.headers)
        assert response.status_code == 200, (path, response.get_json())
        return response.get_json()


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    json: dict | None
    replayed: bool


def http_post(app, path: str, body: dict, headers: dict[str, str]) -> Task:
    """A task POSTing from its own test client (a client is not shared between threads)."""

    def task(start: Callable[[], None]) -> Reply:
        client = app.test_client()
        start()
        response = client.post(f"/api/v1{path}", json=body, headers=headers)
        return Reply(
            response.status_code,
            response.get_data(),
            response.get_json(silent=True),
            response.headers.get("Idempotent-Replayed") == "true",
        )

    return task


def http_fund(client, session_factory, *, cash: int, awards: list[int]):
    """The fund of :func:`build_fund`, and two administrators to drive it over HTTP.

    Users are made here rather than with ``token_for``: they only need API tokens,
    and hashing a password with argon2 for each would cost more than the race.
    """
    ids = build_fund(session_factory, cash=cash, awards=awards)
    with session_factory.begin() as session:
        session.add_all(
            User(name=name, role="administrator", password_hash="!")  # no password login
            for name in (ADMIN.name, APPROVER.name)
        )
        session.flush()
        alice, bob = (
            Api(client, create_token(session, OPERATOR, who.name)) for who in (ADMIN, APPROVER)
        )
    return alice, bob, ids


def statuses(replies: list[Outcome]) -> Counter:
    assert all(outcome.error is None for outcome in replies), [o.error for o in replies]
    return Counter(outcome.value.status for outcome in replies)


def assert_http_books_sound(api: Api, award_ids: list[int]) -> None:
    verified = api.get("/audit/verify")
    assert verified["ok"], verified["problems"]
    for award_id in award_ids:
        award = api.get(f"/awards/{award_id}")
        paid, amount = (Money.parse(award[k]["amount"], "EUR").minor for k in ("paid", "amount"))
        assert 0 <= paid <= amount


@REPEAT
def test_parallel_proposals_and_executions_over_http(app, client, engine, session_factory, gated):
    alice, bob, awards = http_fund(client, session_factory, cash=1200_00, awards=[1000_00] * 2)

    # Ten proposals of EUR 300.00 over two awards of EUR 1,000.00 (room for three each):
    # EUR 1,200.00 of cash lets exactly four through.
    proposals = [
        http_post(
            app,
            "/disbursements",
            {"award_id": awards[i % 2], "amount": money(300_00), "method": "cash"},
            alice.headers,
        )
        for i in range(10)
    ]
    replies = race(engine, proposals, gated=gated, watch=books_problems)

    codes = statuses(replies)
    assert codes[201] == 4
    assert set(codes) <= {201, 422, 500}, codes  # never 409 or 503: no deadlock, no lock error
    # Refused for want of cash, or of room on an award that already has three.
    reasons = ("exceeds the fund's available cash", "is outstanding on award")
    wrong = [
        f"{reply.status} {reply.json['detail']}"
        for reply in (outcome.value for outcome in replies)
        if reply.status != 201
        and (reply.status != 422 or not any(r in reply.json["detail"] for r in reasons))
    ]
    proposed = [o.value.json["id"] for o in replies if o.value.status == 201]
    for disbursement_id in proposed:
        bob.post(f"/disbursements/{disbursement_id}/approve", {}, expect=200)
    # Cash leaves the bank after approval: EUR 700.00 remain for EUR 1,200.00 approved.
    alice.post(
        "/expenses",
        {
            "kind": "administrative",
            "paid_on": DAY.isoformat(),
            "amount": money(500_00),
            "counterparty": "Office rent",
        },
    )

    executions = [
        http_post(
            app,
            f"/disbursements/{disbursement_id}/execute",
            {
                "paid_on": DAY.isoformat(),
                "bank_reference": f"REF-{disbursement_id}",
                "debited": money(300_00),
            },
            alice.headers,
        )
        for disbursement_id in proposed
    ]
    replies = race(
        engine,
        executions,
        gated=gated,
        watch=lambda session: books_problems(session, cash_covers_pending=False),
    )

    assert statuses(replies) == Counter({200: 2, 422: 2})
    for reply in (outcome.value for outcome in replies):
        if reply.status == 422:
            assert reply.json["title"] == "Insufficient balance"
        else:
            assert reply.json["status"] == "paid"
    balances = {a["code"]: a["balance"] for a in alice.get("/accounts")["items"]}
    assert balances[BANK] == money(700_00 - 2 * 300_00)
    assert_http_books_sound(alice, awards)
    assert_books_sound(session_factory, cash_covers_pending=False)
    raise_wrong_refusals(wrong)


@TWICE
def test_parallel_executions_of_one_payment_over_http_pay_it_once(
    app, client, engine, session_factory, gated
):
    alice, bob, awards = http_fund(client, session_factory, cash=1000_00, awards=[1000_00])
    proposal = alice.post(
        "/disbursements", {"award_id": awards[0], "amount": money(400_00), "method": "cash"}
    )
    bob.post(f"/disbursements/{proposal['id']}/approve", {}, expect=200)
    body = {"paid_on": DAY.isoformat(), "bank_reference": "REF-1", "debited": money(400_00)}

    replies = race(
        engine,
        [http_post(app, f"/disbursements/{proposal['id']}/execute", body, alice.headers)] * 8,
        gated=gated,
        watch=books_problems,
    )

    # One pays; the others meet a paid disbursement: a forbidden transition, not a deadlock.
    assert statuses(replies) == Counter({200: 1, 409: 7})
    for reply in (outcome.value for outcome in replies):
        if reply.status == 409:
            assert reply.json["errors"] == {"status": ["is paid"]}
    award = alice.get(f"/awards/{awards[0]}")
    assert award["paid"] == money(400_00)
    balances = {a["code"]: a["balance"] for a in alice.get("/accounts")["items"]}
    assert balances[BANK] == money(600_00)
    assert_http_books_sound(alice, awards)
    assert_books_sound(session_factory)


# -- 5. One Idempotency-Key, many parallel twins ------------------------------------------


def idempotent_twins(app, client, engine, session_factory, *, amount: int, gated):
    alice, _, awards = http_fund(client, session_factory, cash=5000_00, awards=[1000_00])
    headers = alice.headers | {"Idempotency-Key": "pay-victim-1-once"}
    body = {"award_id": awards[0], "amount": money(amount), "method": "cash"}

    replies = race(
        engine,
        [http_post(app, "/disbursements", body, headers)] * 8,
        gated=gated,
        watch=books_problems,
    )

    assert set(statuses(replies)) <= {201, 422, 500}  # never 409 or 503
    created = alice.get("/disbursements")
    assert created["total"] == 1
    assert pending_total(session_factory, awards[0]) == amount
    assert_http_books_sound(alice, awards)
    assert_books_sound(session_factory)
    # every twin answers exactly as the first did
    answers = Counter((o.value.status, o.value.body) for o in replies)
    if len(answers) != 1 or next(iter(answers))[0] != 201:
        raise WrongRefusal(
            [f"{n} x {status} {body[:200]!r}" for (status, body), n in answers.items()]
        )
    assert sum(not outcome.value.replayed for outcome in replies) == 1
    assert replies[0].value.json["id"] == created["items"][0]["id"]


@REPEAT
def test_parallel_twins_with_one_idempotency_key_create_one_payment(
    app, client, engine, session_factory, gated
):
    # EUR 100.00 of EUR 1,000.00: the award would have room for every twin.
    idempotent_twins(app, client, engine, session_factory, amount=100_00, gated=gated)


@pytest.mark.parametrize("rep", [1, 2])
def test_parallel_twins_for_the_whole_award_replay_the_first_response(
    app, client, engine, session_factory, rep
):
    # The whole EUR 1,000.00: once the winner is in, a second proposal would be refused.
    # Gated, so that every twin is past the Idempotency-Key look-up before the winner commits.
    idempotent_twins(app, client, engine, session_factory, amount=1000_00, gated=True)


# -- 6. Distribution rounds racing with proposals -----------------------------------------


@REPEAT
def test_parallel_distributions_and_proposals_stay_within_cash_and_awards(
    engine, session_factory, gated
):
    # EUR 2,000.00 owed over five awards, EUR 1,000.00 in the bank.
    awards = build_fund(session_factory, cash=1000_00, awards=[400_00] * 5)

    def round_of(amount: int) -> Callable[[Session], list[tuple[int, int]]]:
        def work(session: Session) -> list[tuple[int, int]]:
            round_ = distribute(session, actor=ADMIN, amount=eur(amount), on=DAY)
            return [(line.award_id, line.amount_minor) for line in round_.lines]

        return work

    requests = [("round", None, 500_00)] * 3 + [
        ("proposal", awards[i % 5], 200_00) for i in range(6)
    ]
    tasks = [
        in_session(session_factory, round_of(amount) if kind == "round" else propose(award, amount))
        for kind, award, amount in requests
    ]
    outcomes = race(engine, tasks, gated=gated, watch=books_problems)

    assert any(outcome.error is None for outcome in outcomes)
    committed = 0
    for (kind, _, amount), outcome in zip(requests, outcomes, strict=True):
        if outcome.error is None:
            committed += amount
            if kind == "round":
                assert sum(part for _, part in outcome.value) == amount
    assert pending_total(session_factory) == committed <= 1000_00

    # Every refusal is justified by the final books: free cash and what each award has
    # not yet committed only ever shrink here, so what was short then is short now.
    with session_factory() as session:
        cash_left = free_cash(session)
        award_left = {}
        for award_id in awards:
            award = session.get(Award, award_id)
            award_left[award_id] = award.outstanding_minor - pending_total(
                session_factory, award_id
            )
    for (kind, award, amount), outcome in zip(requests, outcomes, strict=True):
        if type(outcome.error) is not Invalid:
            continue  # a success, or a wrong refusal (below)
        if "available cash" in outcome.error.detail:
            assert cash_left < amount, (kind, outcome.error.detail, cash_left)
        else:
            assert kind == "proposal" and "outstanding on award" in outcome.error.detail
            assert award_left[award] < amount, (award, outcome.error.detail)
    assert_books_sound(session_factory)
    raise_wrong_refusals(
        check_refusals(outcomes, Invalid, "available cash", "is outstanding on award")
    )
