"""The crash workload: two administrators receiving cash and paying awards, over real HTTP.

Shared by the CI test (``tests/crash/test_crash_consistency.py``) and the long
run (``benchmarks/crash_run.py``). :func:`set_up_fund` opens a case, registers
victims and awards and receives an opening donation; :class:`Workload` then runs
client threads, each acting as ``alice`` or ``bob`` in turn, that

- receive cash (``POST /receipts``, a donation dated any day of the last weeks);
- now and then register another award (``POST /awards``), so that a long run
  does not run out of what to pay;
- propose a payment of an award (``POST /disbursements``), refused with 422 when
  it exceeds the award's outstanding amount or the fund's free cash;
- approve a proposal of the *other* administrator (four eyes), and now and then
  try to approve their own, which must be refused with 403;
- execute an approved payment (``POST /disbursements/{id}/execute``) dated any
  recent day or today, refused with 422 when the bank would go below zero on
  that day or any later one (the payment is then tried again later, under a new
  key).

One write in ten hangs up right after sending its request (the server does
the write, its answer is lost: the retry must replay it, not do it again).
Every write goes through :class:`~tests.crash.client.Client`, which retries it
with its Idempotency-Key through every crash, so the
:class:`~tests.crash.client.Ledgerbook` ends knowing each write's outcome.
"""

from __future__ import annotations

import itertools
import random
import threading
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from tests.crash.client import Client, Write

CURRENCY = "EUR"
#: How far back the workload dates its receipts and payments.
DAYS_BACK = 40
#: Every so many writes, the first attempt hangs up before the answer.
HANG_UP_EVERY = 10


def money(minor: int) -> dict[str, str]:
    return {"amount": f"{minor // 100}.{minor % 100:02d}", "currency": CURRENCY}


@dataclass
class Fund:
    """What the set-up created, and the dates the workload books on."""

    start: date
    today: date
    case_id: int = 0
    victim_ids: list[int] = field(default_factory=list)
    award_ids: list[int] = field(default_factory=list)


class Keys:
    """Idempotency keys unique to a run, readable in a failure message."""

    def __init__(self) -> None:
        self.run = uuid.uuid4().hex[:8]
        self._lock = threading.Lock()
        self._next = 0

    def new(self, op: str) -> str:
        with self._lock:
            self._next += 1
            return f"crash-{self.run}-{op}-{self._next:06d}"


def _required(write: Write) -> dict:
    assert write.acknowledged, (write.op, write.status, write.answer)
    return write.answer


def set_up_fund(alice: Client, keys: Keys, *, victims: int = 4, awards: int = 8) -> Fund:
    """A case, ``victims`` victims paid in cash, ``awards`` awards of EUR 3,000, EUR 2,000 cash."""
    today = date.today()
    fund = Fund(start=today - timedelta(days=DAYS_BACK), today=today)
    case = {
        "reference": f"CR-{keys.run}",
        "court": "Tribunal Judicial da Comarca de Lisboa",
        "title": "Public Prosecutor v. Network",
        "jurisdiction": "PT",
        "opened_on": (fund.start - timedelta(days=10)).isoformat(),
    }
    fund.case_id = _required(alice.post("case", "/cases", case, keys.new("case")))["id"]
    for n in range(victims):
        victim = {
            "full_name": f"Crash Test Victim {n}",
            "date_of_birth": "1990-01-01",
            "contact": "c/o the fund",
            "country_of_residence": "PT",
            "returned_home": False,
            "payment": {"method": "cash", "currency": CURRENCY},
        }
        answer = _required(alice.post("victim", "/victims", victim, keys.new("victim")))
        fund.victim_ids.append(answer["id"])
    for n in range(awards):
        key = keys.new("award")
        award = award_body(fund, fund.victim_ids[n % victims], key)
        fund.award_ids.append(_required(alice.post("award", "/awards", award, key))["id"])
    receive(alice, keys, fund.start, 200_000)
    return fund


def award_body(fund: Fund, victim_id: int, key: str) -> dict:
    """An award of EUR 3,000 ordered on the first day the workload books on."""
    return {
        "case_id": fund.case_id,
        "victim_id": victim_id,
        "order_reference": f"ORD-{key}",
        "ordered_on": fund.start.isoformat(),
        "amount": money(300_000),
    }


def receive(client: Client, keys: Keys, on: date, minor: int, hang_up: bool = False) -> Write:
    key = keys.new("receipt")
    body = {
        "kind": "donation",
        "received_on": on.isoformat(),
        "amount": money(minor),
        "counterparty": f"Donor {key}",
    }
    return client.post("receipt", "/receipts", body, key, hang_up)


class Workload:
    """Client threads making the fund's day-to-day writes until :meth:`stop`."""

    def __init__(
        self, clients: dict[str, Client], fund: Fund, keys: Keys, threads: int = 4, seed=None
    ) -> None:
        self.clients, self.fund, self.keys = clients, fund, keys
        self.names = sorted(clients)
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.proposed: dict[int, str] = {}  # awaiting approval: id -> proposer
        self.approved: dict[int, int] = {}  # awaiting execution: id -> amount (minor)
        self.execute_tries: dict[int, int] = {}
        self.errors: list[str] = []  # a thread's unexpected exception (fails the run)
        self._writes = itertools.count(1)
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, args=(n,), name=f"crash-client-{n}", daemon=True)
            for n in range(threads)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float) -> bool:
        """Ask the threads to finish their current write; True if they all did in time."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)
        return not any(thread.is_alive() for thread in self._threads)

    # -- the threads ---------------------------------------------------------------------

    def _run(self, n: int) -> None:
        rng = random.Random(self.rng.random() + n)
        while not self._stop.is_set():
            try:
                self._step(rng)
            except Exception:  # a bug of the workload or an unexpected answer
                self.errors.append(traceback.format_exc())
                return

    def _step(self, rng: random.Random) -> None:
        actor = rng.choice(self.names)
        roll = rng.random()
        if roll < 0.2 and self._execute(rng, actor):
            return
        if roll < 0.45 and self._approve(rng, actor):
            return
        if roll < 0.72:
            self._propose(rng, actor)
        elif roll < 0.75:
            self._register_award(rng, actor)
        else:
            amount = rng.randint(50_00, 600_00)
            receive(self.clients[actor], self.keys, self._day(rng), amount, self._hang_up())

    def _hang_up(self) -> bool:
        """Every tenth write loses its first answer (see ``Client.post``)."""
        return next(self._writes) % HANG_UP_EVERY == 0

    def _day(self, rng: random.Random) -> date:
        return self.fund.start + timedelta(days=rng.randint(0, DAYS_BACK))

    def _register_award(self, rng: random.Random, actor: str) -> None:
        """A new court order now and then, so that a long run never runs out of awards."""
        key = self.keys.new("award")
        body = award_body(self.fund, rng.choice(self.fund.victim_ids), key)
        write = self.clients[actor].post("award", "/awards", body, key, self._hang_up())
        if write.acknowledged:
            with self.lock:
                self.fund.award_ids.append(write.answer["id"])

    def _propose(self, rng: random.Random, actor: str) -> None:
        amount = rng.randint(10_00, 250_00)
        body = {
            "award_id": rng.choice(self.fund.award_ids),
            "amount": money(amount),
            "method": "cash",
        }
        key = self.keys.new("pro")
        write = self.clients[actor].post("propose", "/disbursements", body, key, self._hang_up())
        if write.acknowledged:
            with self.lock:
                self.proposed[write.answer["id"]] = actor

    def _approve(self, rng: random.Random, actor: str) -> bool:
        with self.lock:
            own = [d for d, who in self.proposed.items() if who == actor]
            others = [d for d, who in self.proposed.items() if who != actor]
            if own and rng.random() < 0.05:
                self._approve_own(actor, rng.choice(own))
                return True
            if not others:
                return False
            disbursement = rng.choice(others)
            del self.proposed[disbursement]
        path = f"/disbursements/{disbursement}/approve"
        key = self.keys.new("app")
        write = self.clients[actor].post("approve", path, None, key, self._hang_up())
        if write.acknowledged:
            with self.lock:
                self.approved[disbursement] = minor_of(write.answer["amount"])
        return True

    def _approve_own(self, actor: str, disbursement: int) -> None:
        """Four eyes: the proposer's own approval is refused and changes nothing."""
        path = f"/disbursements/{disbursement}/approve"
        write = self.clients[actor].post("approve-own", path, None, self.keys.new("own"))
        assert write.status in (403, None), (write.status, write.answer)

    def _execute(self, rng: random.Random, actor: str) -> bool:
        with self.lock:
            if not self.approved:
                return False
            disbursement = rng.choice(sorted(self.approved))
            amount = self.approved.pop(disbursement)
        key = self.keys.new("exe")
        paid_on = self.fund.today if rng.random() < 0.5 else self._day(rng)
        body = {
            "paid_on": paid_on.isoformat(),
            "bank_reference": f"BANK-{key}",
            "debited": money(amount),
            "fee": money(rng.choice((0, 50, 150))),
        }
        path = f"/disbursements/{disbursement}/execute"
        write = self.clients[actor].post("execute", path, body, key, self._hang_up())
        if write.status == 422:  # the bank would go below zero that day: try again later
            with self.lock:
                self.execute_tries[disbursement] = self.execute_tries.get(disbursement, 0) + 1
                if self.execute_tries[disbursement] < 5:
                    self.approved[disbursement] = amount
        return True


def minor_of(amount: dict[str, str]) -> int:
    units, _, cents = amount["amount"].partition(".")
    return int(units) * 100 + int(cents or 0)
