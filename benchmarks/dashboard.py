"""The web dashboard's latency at a fund of N postings (issue 8: p99 ≤ 100 ms at 250,000).

Builds (or, with ``--reuse``, finds) a fund of N postings with the builder of
:mod:`large_statements` (imported, not copied), then gives every figure of the
dashboard something to show, through the real services wherever a step has
one:

- the cases (12, jurisdictions at home, abroad and not an ISO code) the builder's
  postings name, opened with ``open_case``; award rows for the builder's awards
  (its postings carry award, victim and case ids; a register row per award and a
  ``paid`` payment row per payment it posted, written with Core like the builder);
- a USD bank account ``1001`` (``add_account``) with ECB-style USD rates and a
  receipt or an expense in it every month (``record_receipt``/``record_expense``);
- seized USD cash in escrow (the builder's seizures, and one ``seize_asset``);
- payments in every state: proposed, approved, rejected, partly paid, paid,
  returned (still unpaid) and returned then paid again (propose, approve by
  another administrator, execute, return);
- two closed months (``close_month``) and an integrity check (``run_check``,
  which must find the books intact).

It then creates an administrator with a known password, serves the real app
(``app:create_app()`` with ``FUNDLEDGER_DATABASE_URL`` on that fund) in gunicorn
on 127.0.0.1 with 2 sync workers (``--server werkzeug``: werkzeug's threaded
server in a thread of this process instead), signs in once with a real
``POST /sign-in`` (the CSRF token read from the form) and times, interleaved
request by request, ``GET /dashboard`` and two references: ``GET /api/v1/health``
(no database) and ``GET /account`` (signed in, one small query). Every request
opens its own connection (gunicorn's sync workers close it after each answer)
and is timed from connecting to the last byte of the body. Percentiles are by
nearest rank. ``--repeat`` runs (3 by default) each have their warm-up and
their timed requests; the summary gives the median of each figure over them.

Finally it counts the SQL statements one ``GET /dashboard`` runs (a
``before_cursor_execute`` listener on the app's engine, in this process, with
Flask's test client, signed in the same way) at ``--count-at`` postings
(50,000) and at N: they must be equal. The first dashboard a worker serves sums
the chart's months from the whole journal; later ones add only the entries
posted since (``ledger.reads.month_moves.movements``), and the requests above are
those. So, in this process too, at N it times ``--in-process`` dashboards of
each kind: *afresh* (no months kept: a worker's first request, or one after
more than ``MAX_ADDED`` new entries) and *adding* (the months kept up to 100
entries before the last, as after 100 entries posted since the last request).

Usage::

    .venv/bin/pip install gunicorn      # the production server (SPEC §8), if missing
    .venv/bin/python benchmarks/dashboard.py                          # SQLite, 250k
    .venv/bin/python benchmarks/dashboard.py --reuse                  # the funds built before
    .venv/bin/python benchmarks/dashboard.py --engine postgresql \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/fundledger_bench_dashboard
    .venv/bin/python benchmarks/dashboard.py --postings 20000 --count-at 5000 --requests 50

SQLite files go to ``--workdir`` (``/tmp/fundledger-bench-dashboard``, kept for
``--reuse``). On PostgreSQL each size gets its own database, named after the
URL's with ``_<postings>`` appended (``fundledger_bench_dashboard_250000``),
created if missing and EMPTIED (schema dropped and migrated) unless reused:
give it a scratch name. After building, PostgreSQL gets ``VACUUM ANALYZE`` (what
autovacuum does after bulk inserts anyway); SQLite gets nothing (the app never
runs ``ANALYZE``), so its planner works as it would in production.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from contextlib import contextmanager, suppress
from datetime import date, timedelta
from pathlib import Path

import large_statements
from sqlalchemy import event, func, insert, make_url, select, text

from ledger import assets, awards, cases, cash, disbursements, victims
from ledger.access import ADMINISTRATOR, AUDITOR, Actor
from ledger.chart import AWARDS_PAYABLE, BANK_CHARGES, add_account
from ledger.database import make_engine, make_sessionmaker
from ledger.fx import import_ecb_csv
from ledger.integrity import run_check
from ledger.models import (
    Account,
    AccountBalance,
    Award,
    Disbursement,
    JournalEntry,
    Posting,
    SubledgerBalance,
    User,
)
from ledger.money import Money
from ledger.periods import close_month
from ledger.reads import month_moves
from ledger.users import create_user
from ledger.validate import today_utc
from migrations import upgrade

ROOT = Path(__file__).resolve().parent.parent
ADMIN = "bench-admin"
SECOND = "bench-second"  # four eyes: the one who approves what ADMIN proposes
INSPECTOR = "bench-inspector"
PASSWORD = "benchmark dashboard password"  # noqa: S105 (a scratch fund's known password)
OPERATOR = Actor.system("benchmark")
#: id 1..12, as the builder's postings name them: at home (PT), abroad, and no ISO code.
CASES = [
    (f"CR-2025-{i:03d}", ("PT", "PT", "ES", "International Criminal Court")[i % 4])
    for i in range(1, 13)
]
USD_BANK = "1001"
PATHS = {"dashboard": "/dashboard", "health": "/api/v1/health", "account": "/account"}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


# -- the fund ------------------------------------------------------------------------------


def fund_url(base: str, workdir: Path, postings: int) -> str:
    if base.startswith("sqlite"):
        return f"sqlite:///{workdir / f'bench-{postings}.db'}"
    return (
        make_url(base)
        .set(database=f"{make_url(base).database}_{postings}")
        .render_as_string(hide_password=False)
    )


def existing_fund(url: str) -> int | None:
    """The postings of a fund this script finished building at ``url``, or None."""
    if url.startswith("sqlite") and not Path(make_url(url).database).exists():
        return None
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            done = connection.scalar(select(User.id).where(User.name == INSPECTOR))
            total = connection.scalar(select(func.sum(AccountBalance.postings)))
    except Exception:
        return None
    finally:
        engine.dispose()
    return int(total) if done and total else None


def build(base: str, workdir: Path, postings: int, reuse: bool) -> dict:
    url = fund_url(base, workdir, postings)
    if reuse and (found := existing_fund(url)) is not None:
        print(f"# reusing {safe(url)}: {found:,} postings", flush=True)
        engine = make_engine(url)
        upgrade(engine)  # a fund built before a new migration gets it (an index, say)
        engine.dispose()
        return {"url": url, "postings": found, "reused": True}
    started = time.perf_counter()
    if not url.startswith("sqlite"):
        large_statements.create_database(url)
    url = large_statements.prepare_database(
        url if base != "sqlite" else "sqlite", workdir, postings
    )
    with _victims_by_actor():
        built = large_statements.build_fund(url, postings)
    print(f"# built {built}", flush=True)
    extras = enrich(url)
    print(f"# added {extras}", flush=True)
    engine = make_engine(url)
    if not url.startswith("sqlite"):
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    with engine.connect() as connection:
        total = int(connection.scalar(select(func.sum(AccountBalance.postings))))
    engine.dispose()
    seconds = round(time.perf_counter() - started, 1)
    return {"url": url, "postings": total, "reused": False, "build_seconds": seconds, **extras}


@contextmanager
def _victims_by_actor():
    """The builder still names its victims' registrar by a string; services now take an
    :class:`Actor` (``ledger.access``): hand them one while the builder runs."""
    original = victims.register_victim

    def register(session, cipher, *, actor, **kwargs):
        actor = actor if isinstance(actor, Actor) else Actor.system(actor)
        return original(session, cipher, actor=actor, **kwargs)

    victims.register_victim = register
    try:
        yield
    finally:
        victims.register_victim = original


def open_cases(session, actor) -> None:
    """The 12 cases of :data:`CASES` through the real service, numbered 1 to 12 as the
    postings of ``large_statements.build_fund`` name them."""
    for i, (reference, jurisdiction) in enumerate(CASES, start=1):
        case = cases.open_case(
            session,
            actor=actor,
            reference=reference,
            court="Benchmark District Court",
            title=f"Benchmark case {i}",
            jurisdiction=jurisdiction,
            opened_on=date(2023, 6, 1),
        )
        assert case.id == i, "the builder's postings name cases 1 to 12"


def enrich(url: str) -> dict:
    """Registers, a foreign bank, payments in every state, closed months, a check."""
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    today = today_utc()
    with factory.begin() as session:
        for name, role in ((ADMIN, ADMINISTRATOR), (SECOND, ADMINISTRATOR)):
            create_user(session, OPERATOR, name, role, PASSWORD)
        open_cases(session, OPERATOR)
    with engine.begin() as connection:
        registered = insert_awards(connection)
        paid = insert_paid_disbursements(connection)
    admin, second = _actors(factory)
    with factory.begin() as session:
        add_account(
            session,
            actor=admin,
            code=USD_BANK,
            name="Fund bank account (USD)",
            type="asset",
            currency="USD",
            no_overdraft=True,
        )
        import_ecb_csv(session, admin, _usd_rates(today), source="benchmark USD rates")
        moves = _usd_movements(session, admin, today)
        assets.seize_asset(
            session,
            actor=admin,
            case_id=1,
            kind="cash",
            description="Cash found at the benchmark premises",
            seized_on=date(2025, 6, 10),
            estimated_value=Money(2_500_000, "USD"),
        )
    payments = _payments(factory, admin, second, today)
    with factory.begin() as session:
        close_month(session, "2024-10", actor=admin, today=today)
        close_month(session, "2024-11", actor=admin, today=today)
        check = run_check(session, admin)
        assert check.ok, check.problems[:3]
        create_user(session, OPERATOR, INSPECTOR, AUDITOR, PASSWORD)  # marks the fund complete
    engine.dispose()
    return {"awards": registered, "builder_payments": paid, "usd_movements": moves, **payments}


def _actors(factory) -> tuple[Actor, Actor]:
    with factory() as session:
        users = {u.name: Actor.of(u) for u in session.scalars(select(User))}
    return users[ADMIN], users[SECOND]


def _legs(event: str):
    """The builder's postings of entries of one ``event``, each with its entry's dates and
    its account's code: what the award and payment rows below are made from."""
    return (
        select(Posting.__table__, JournalEntry.value_date, JournalEntry.posted_at, Account.code)
        .select_from(Posting)
        .join(JournalEntry, JournalEntry.number == Posting.entry_number)
        .join(Account, Account.id == Posting.account_id)
        .where(JournalEntry.event == event)
    )


def _insert_in_batches(connection, table, rows: list[dict]) -> None:
    """Core inserts of ``large_statements.BATCH`` rows at a time, as the builder writes."""
    for start in range(0, len(rows), large_statements.BATCH):
        connection.execute(insert(table), rows[start : start + large_statements.BATCH])


def insert_awards(connection) -> int:
    """An award row per award the builder registered, paid when its subledger is at zero."""
    registered = (
        _legs("award.registered")
        .add_columns(SubledgerBalance.balance)
        .join(
            SubledgerBalance,
            (SubledgerBalance.account_id == Posting.account_id)
            & (SubledgerBalance.award_id == Posting.award_id),
        )
        .where(Account.code == AWARDS_PAYABLE)
        .order_by(Posting.award_id)
    )
    rows = []
    for leg in connection.execute(registered):
        paid = leg.balance == 0
        rows.append(
            {
                "id": leg.award_id,
                "case_id": leg.case_id,
                "victim_id": leg.victim_id,
                "order_reference": f"OR-{leg.award_id:06d}",
                "ordered_on": leg.value_date,
                "amount_minor": -leg.original_amount,
                "currency": leg.currency,
                "functional_minor": -leg.amount,
                "paid_minor": -leg.original_amount if paid else 0,
                "cancelled_minor": 0,
                "status": "paid" if paid else "registered",
                "registered_by": "benchmark",
                "created_at": leg.posted_at,
            }
        )
    _insert_in_batches(connection, Award.__table__, rows)
    _advance_sequence(connection, "awards")
    return len(rows)


def insert_paid_disbursements(connection) -> int:
    """A ``paid`` payment row for each payment the builder posted (its entry, fee, date)."""
    legs = _legs("disbursement.executed").order_by(Posting.entry_number, Posting.line)
    payments: dict[int, dict] = {}
    for leg in connection.execute(legs):
        number = leg.entry_number
        row = payments.setdefault(
            number,
            {
                "method": "bank_transfer",
                "status": "paid",
                "proposed_by": ADMIN,
                "proposed_at": leg.posted_at,
                "approved_by": SECOND,
                "approved_at": leg.posted_at,
                "paid_on": leg.value_date,
                "bank_reference": f"BENCH-{number}",
                "fee_minor": 0,
                "payment_entry": number,
            },
        )
        if leg.code == AWARDS_PAYABLE:
            row.update(
                award_id=leg.award_id,
                amount_minor=leg.original_amount,
                currency=leg.currency,
                estimate_minor=leg.amount,
                debited_minor=leg.amount,
            )
        elif leg.code == BANK_CHARGES:
            row["fee_minor"] = leg.amount
    rows = list(payments.values())
    _insert_in_batches(connection, Disbursement.__table__, rows)
    return len(rows)


def _advance_sequence(connection, table: str) -> None:
    """Ids inserted by hand: PostgreSQL's sequence must move past them."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 (a name here)
                f"(SELECT max(id) FROM {table}))"
            )
        )


def _usd_rates(today: date) -> str:
    """An ECB-style CSV: a USD rate on the first of every month since December 2023."""
    lines = ["Date,USD,"]
    y, m, i = 2023, 12, 0
    while date(y, m, 1) <= today:
        lines.append(f"{date(y, m, 1).isoformat()},{1.0842 + 0.004 * ((i * 7) % 11 - 5):.4f},")
        y, m, i = (y + 1, 1, i + 1) if m == 12 else (y, m + 1, i + 1)
    return "\n".join(lines) + "\n"


def _usd_movements(session, admin: Actor, today: date) -> int:
    """A USD receipt every month into 1001, and a bank charge every quarter out of it."""
    day, n = date(2024, 1, 15), 0
    while day <= today:
        cash.record_receipt(
            session,
            actor=admin,
            kind=("donation", "grant", "interest")[n % 3],
            received_on=day,
            amount=Money(1_000_000 + 137_531 * (n % 9), "USD"),
            counterparty=f"Benchmark USD donor {n % 5}",
        )
        if day.month % 3 == 0:
            cash.record_expense(
                session,
                actor=admin,
                kind="bank_charges",
                paid_on=day + timedelta(days=3),
                amount=Money(4_500, "USD"),
                counterparty="Benchmark correspondent bank",
            )
        n += 1
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 15)
    return n


def _payments(factory, admin: Actor, second: Actor, today: date) -> dict:
    """Payments in every state, on awards registered for them (the builder's are mostly paid)."""
    plan = (
        [("proposed", "EUR")] * 5
        + [("proposed", "USD")] * 2
        + [("approved", "EUR")] * 3
        + [("approved", "USD")]
        + [("rejected", "EUR")] * 2
        + [("returned", "EUR")] * 3
        + [("returned-repaid", "EUR")]
        + [("partly-paid", "EUR")] * 2
        + [("paid", "USD")]
    )
    with factory.begin() as session:
        plan = [
            (
                state,
                awards.register_award(
                    session,
                    actor=admin,
                    case_id=i % len(CASES) + 1,
                    victim_id=i % large_statements.VICTIMS + 1,
                    order_reference=f"OR-BENCH-{i:03d}",
                    ordered_on=date(2025, 12, 1),
                    amount=Money(250_000 + 10_000 * i, currency),
                ).id,
                (250_000 + 10_000 * i) // (2 if state == "partly-paid" else 1),
                currency,
            )
            for i, (state, currency) in enumerate(plan)
        ]
    paid_on, returned_on = today - timedelta(days=20), today - timedelta(days=10)
    states: dict[str, int] = defaultdict(int)
    for state, award, amount, currency in plan:
        with factory.begin() as session:
            ids = [_propose(session, admin, award, amount, currency, today)]
            if state == "rejected":
                disbursements.reject_disbursement(
                    session, actor=second, disbursement_id=ids[0], reason="benchmark"
                )
            elif state != "proposed":
                disbursements.approve_disbursement(session, actor=second, disbursement_id=ids[0])
            if state in ("returned", "returned-repaid", "partly-paid", "paid"):
                _execute(session, admin, ids[0], paid_on)
            if state.startswith("returned"):
                disbursements.return_disbursement(
                    session,
                    actor=admin,
                    disbursement_id=ids[0],
                    returned_on=returned_on,
                    reason="account closed (benchmark)",
                )
            if state == "returned-repaid":
                again = _propose(session, admin, award, amount, currency, today)
                disbursements.approve_disbursement(session, actor=second, disbursement_id=again)
                _execute(session, admin, again, today)
        states[state] += 1
    return {"payments": dict(states)}


def _propose(session, admin: Actor, award: int, amount: int, currency: str, on: date) -> int:
    return disbursements.propose_disbursement(
        session,
        actor=admin,
        award_id=award,
        amount=Money(amount, currency),
        method="bank_transfer",
        on=on,
    ).id


def _execute(session, admin: Actor, disbursement_id: int, on: date) -> None:
    payment = disbursements.get_disbursement(session, disbursement_id)
    debited = payment.estimate_minor + (0 if payment.currency == "EUR" else 1_234)
    disbursements.execute_disbursement(
        session,
        actor=admin,
        disbursement_id=disbursement_id,
        paid_on=on,
        bank_reference=f"BENCH-PAY-{disbursement_id}",
        debited=Money(debited, "EUR"),
        fee=Money(0 if payment.currency == "EUR" else 350, "EUR"),
    )


# -- the server and the client -------------------------------------------------------------


def app_environment(url: str) -> dict[str, str]:
    from ledger.pii import generate_key

    return {
        "FUNDLEDGER_DATABASE_URL": url,
        "FUNDLEDGER_SECRET_KEY": secrets.token_hex(32),
        "FUNDLEDGER_PII_KEY": generate_key(),
        "FUNDLEDGER_LOGIN_RATE_LIMIT": "1000 per minute",
    }


class Server:
    """The real app on 127.0.0.1: gunicorn (2 sync workers) or werkzeug in a thread."""

    def __init__(self, kind: str, url: str, workdir: Path, port: int):
        self.kind, self.port, self.process, self.werkzeug = kind, port, None, None
        environment = app_environment(url)
        if kind == "gunicorn":
            command = [
                str(Path(sys.executable).with_name("gunicorn")),
                "--workers=2",
                "--worker-class=sync",
                f"--bind=127.0.0.1:{port}",
                f"--chdir={workdir}",  # its instance/ folder goes there, not into the checkout
                f"--pythonpath={ROOT}",
                "--log-level=warning",
                "app:create_app()",
            ]
            self.process = subprocess.Popen(  # noqa: S603
                command, env={**os.environ, **environment}, cwd=workdir
            )
        else:
            from werkzeug.serving import make_server

            from app import create_app

            os.environ.update(environment)
            flask_app = create_app(instance_path=str(workdir / "instance"))
            self.werkzeug = make_server("127.0.0.1", port, flask_app, threaded=True)
            threading.Thread(target=self.werkzeug.serve_forever, daemon=True).start()
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise SystemExit(f"gunicorn stopped with {self.process.returncode}")
            try:
                status, _, _ = request(self.port, "GET", PATHS["health"])
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit("the server did not answer within 60 s")

    def worker_cpu_seconds(self) -> float:
        """User + system CPU of gunicorn's workers so far (from /proc)."""
        ticks = os.sysconf("SC_CLK_TCK")
        master = self.process.pid
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        total = 0
        for pid in children:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        return total / ticks

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
        if self.werkzeug is not None:
            self.werkzeug.shutdown()


def request(port: int, method: str, path: str, cookie: str = "", body: str | None = None):
    """One request on its own connection: (status, headers, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"User-Agent": "fundledger-benchmark", "Connection": "close"}
    if cookie:
        headers["Cookie"] = cookie
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return response.status, response.getheaders(), data
    finally:
        connection.close()


def session_cookie(headers, cookie: str) -> str:
    for name, value in headers:
        if name.lower() == "set-cookie" and value.startswith("session="):
            return value.split(";", 1)[0]
    return cookie


def csrf_token(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token in the sign-in form"
    return found.group(1) or found.group(2)


def sign_in_over_http(port: int) -> str:
    status, headers, body = request(port, "GET", "/sign-in")
    assert status == 200, status
    cookie = session_cookie(headers, "")
    form = {"csrf_token": csrf_token(body.decode()), "name": ADMIN, "password": PASSWORD}
    status, headers, _ = request(port, "POST", "/sign-in", cookie, urllib.parse.urlencode(form))
    assert status == 303, f"sign-in answered {status}"
    return session_cookie(headers, cookie)


def time_requests(port: int, requests: int, warmup: int) -> dict[str, list[float]]:
    """Warm up, then time ``requests`` of each path, interleaved (order rotating)."""
    cookie = sign_in_over_http(port)
    names = list(PATHS)
    times: dict[str, list[float]] = {name: [] for name in names}
    for i in range(warmup + requests):
        order = names[i % 3 :] + names[: i % 3]
        for name in order:
            started = time.perf_counter()
            status, headers, body = request(port, "GET", PATHS[name], cookie)
            seconds = time.perf_counter() - started
            assert status == 200, (name, status)
            if name == "dashboard":
                assert b"Cash and awards owed over time" in body, "not the dashboard"
            cookie = session_cookie(headers, cookie)
            if i >= warmup:
                times[name].append(seconds * 1000)
    return times


def cpu_per_request(server: Server, port: int, requests: int) -> dict[str, float] | None:
    """CPU milliseconds the app's workers spend per request of each path (gunicorn only).

    A figure that other processes on the machine hardly change, unlike wall time. It
    counts the app's Python and, on SQLite, the SQL too (same process); PostgreSQL's
    own work happens in its server processes and is not in it.
    """
    if server.process is None:
        return None
    cookie = sign_in_over_http(port)
    ticks = os.sysconf("SC_CLK_TCK")
    out = {}
    for name, path in PATHS.items():
        for _ in range(10):  # both workers warm (templates compiled, connections open)
            request(port, "GET", path, cookie)
        before = server.worker_cpu_seconds()
        for _ in range(requests):
            status, headers, _ = request(port, "GET", path, cookie)
            assert status == 200, (name, status)
            cookie = session_cookie(headers, cookie)
        out[name] = round((server.worker_cpu_seconds() - before) * 1000 / requests, 1)
    out["clock_ticks_per_second"] = ticks
    return out


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def rank(p: float) -> float:
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    return {
        "p50": round(rank(50), 1),
        "p90": round(rank(90), 1),
        "p99": round(rank(99), 1),
        "max": round(ordered[-1], 1),
        "n": len(ordered),
    }


# -- statements per request ----------------------------------------------------------------


def count_statements(url: str, workdir: Path, timed: int = 0) -> dict:
    """SQL statements of a signed-in GET /dashboard (the first, and one after it); with
    ``timed``, also that many timed dashboards afresh and adding (see the module's doc)."""
    os.environ.update(app_environment(url))
    from app import create_app
    from app import db as app_db

    flask_app = create_app(
        {"DATABASE_URL": url, "REPORTS_DATABASE_URL": url},
        instance_path=str(workdir / "instance"),
    )
    client = flask_app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    form = {"csrf_token": csrf_token(page), "name": ADMIN, "password": PASSWORD}
    assert client.post("/sign-in", data=form).status_code == 303
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    engine = flask_app.extensions["fundledger.db"].kw["bind"]
    month_moves.forget()
    event.listen(engine, "before_cursor_execute", record)
    counts = {}
    for label in ("first", "again"):
        statements.clear()
        response = client.get("/dashboard")
        assert response.status_code == 200, response.status_code
        counts[label] = len(statements)
    event.remove(engine, "before_cursor_execute", record)
    if timed:
        counts["ms"] = time_kinds(client, make_sessionmaker(engine), timed)
    app_db.dispose(flask_app)
    return counts


def time_kinds(client, factory, requests: int) -> dict[str, dict]:
    """``requests`` dashboards afresh, then as many adding the last 100 entries."""
    ((key, kept),) = month_moves._summed.items()
    with factory() as session:
        earlier = kept.number - 100
        earlier_hash = session.scalar(
            select(JournalEntry.hash).where(JournalEntry.number == earlier)
        )
        moves = month_moves._moves_by_join(session, kept.banks, after=0, upto=earlier)
    before = month_moves._Summed(kept.banks, earlier, earlier_hash, moves)
    samples = defaultdict(list)
    for kind in ("afresh", "adding"):
        for _ in range(requests):
            month_moves.forget()
            if kind == "adding":
                with month_moves._summed_lock:
                    month_moves._summed[key] = before
            started = time.perf_counter()
            assert client.get("/dashboard").status_code == 200
            samples[kind].append((time.perf_counter() - started) * 1000)
    return {kind: percentiles(values) for kind, values in samples.items()}


# -- the run -------------------------------------------------------------------------------


def safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def versions(url: str) -> dict:
    import sqlalchemy

    facts = large_statements.machine()
    facts["sqlalchemy"] = sqlalchemy.__version__
    if not url.startswith("sqlite"):
        engine = make_engine(url)
        with engine.connect() as connection:
            facts["postgresql"] = connection.scalar(text("SHOW server_version"))
        engine.dispose()
    try:
        import gunicorn

        facts["gunicorn"] = gunicorn.__version__
    except ImportError:
        pass
    with suppress(OSError):
        facts["load_average"] = os.getloadavg()
    return facts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postings", type=int, default=250_000)
    parser.add_argument("--count-at", type=int, default=50_000, help="the smaller fund")
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "FUNDLEDGER_BENCH_DATABASE_URL",
            "postgresql+psycopg://postgres@127.0.0.1:5432/fundledger_bench_dashboard",
        ),
        help="PostgreSQL only: the base URL (a database per size, its name + _<postings>)",
    )
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "fundledger-bench-dashboard"
    )
    parser.add_argument("--reuse", action="store_true", help="use funds built by an earlier run")
    parser.add_argument("--server", choices=("gunicorn", "werkzeug"), default="gunicorn")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3, help="0: the CPU figures only")
    parser.add_argument(
        "--in-process", type=int, default=30, help="dashboards timed afresh and adding"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument("--build-only", action="store_true", help="build the funds, measure later")
    args = parser.parse_args()

    base = "sqlite" if args.engine == "sqlite" else args.database_url
    args.workdir.mkdir(parents=True, exist_ok=True)
    funds = {
        size: build(base, args.workdir, size, args.reuse) for size in (args.count_at, args.postings)
    }
    if args.build_only:
        print(json.dumps({size: f["postings"] for size, f in funds.items()}))
        return
    main_url = funds[args.postings]["url"]
    report = {
        "engine": args.engine,
        "server": args.server if args.server == "werkzeug" else "gunicorn, 2 sync workers",
        "machine": versions(main_url),
        "funds": {size: {k: v for k, v in f.items() if k != "url"} for size, f in funds.items()},
        "statements": {
            f"{f['postings']:,}": count_statements(
                f["url"], args.workdir, args.in_process if size == args.postings else 0
            )
            for size, f in funds.items()
        },
        "runs": [],
    }
    print(json.dumps(report, default=str), flush=True)
    server = Server(args.server, main_url, args.workdir, args.port)
    try:
        for run in range(1, args.repeat + 1):
            times = time_requests(args.port, args.requests, args.warmup)
            result = {name: percentiles(samples) for name, samples in times.items()}
            result["load_average"] = os.getloadavg()
            report["runs"].append(result)
            print(json.dumps({"run": run, **result}), flush=True)
        report["cpu_ms_per_request"] = cpu_per_request(server, args.port, args.requests)
        print(json.dumps({"cpu_ms_per_request": report["cpu_ms_per_request"]}), flush=True)
    finally:
        server.stop()
    report["summary"] = summary(report["runs"]) if report["runs"] else {}
    print()
    print(markdown(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
    counts = {(c["first"], c["again"]) for c in report["statements"].values()}
    if len(counts) != 1:
        raise SystemExit(f"statement counts differ between the sizes: {report['statements']}")


def summary(runs: list[dict]) -> dict:
    """The median over the runs of each figure, and the dashboard's ratios to the references."""
    out = {
        name: {
            key: round(statistics.median(run[name][key] for run in runs), 1)
            for key in ("p50", "p90", "p99", "max")
        }
        for name in PATHS
    }
    for reference in ("health", "account"):
        out[f"dashboard / {reference}"] = {
            key: round(out["dashboard"][key] / out[reference][key], 1) for key in ("p50", "p99")
        }
    return out


def markdown(report: dict) -> str:
    summary_ = report["summary"]
    postings = max(int(k.replace(",", "")) for k in report["statements"])
    lines = [
        f"engine: {report['engine']}, server: {report['server']}, fund of {postings:,} postings",
        "",
        "| request | p50 ms | p90 ms | p99 ms | max ms | p50 of each run | p99 of each run |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for name, path in PATHS.items() if summary_ else ():
        s = summary_[name]
        p50s = " / ".join(str(run[name]["p50"]) for run in report["runs"])
        p99s = " / ".join(str(run[name]["p99"]) for run in report["runs"])
        lines.append(
            f"| `GET {path}` | {s['p50']} | {s['p90']} | {s['p99']} | {s['max']} "
            f"| {p50s} | {p99s} |"
        )
    cpu = report.get("cpu_ms_per_request")
    if cpu:
        lines += [
            "",
            "App workers' CPU per request (ms): "
            + ", ".join(f"`GET {path}` {cpu[name]}" for name, path in PATHS.items()),
        ]
    lines += ["", "| ratio | p50 | p99 |", "|---|---:|---:|"]
    for reference in ("health", "account") if summary_ else ():
        r = summary_[f"dashboard / {reference}"]
        lines.append(f"| dashboard / {reference} | {r['p50']} x | {r['p99']} x |")
    lines += [
        "",
        "| fund | SQL statements, first GET /dashboard | the next one |",
        "|---|---:|---:|",
    ]
    for size, counts in report["statements"].items():
        lines.append(f"| {size} postings | {counts['first']} | {counts['again']} |")
    kinds = next((c["ms"] for c in report["statements"].values() if "ms" in c), None)
    if kinds:
        lines += [
            "",
            f"In this process (Flask's test client), at {postings:,} postings:",
            "",
            "| `GET /dashboard` | p50 ms | p90 ms | p99 ms | max ms | n |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for kind, label in (("afresh", "months summed afresh"), ("adding", "adding 100 entries")):
            k = kinds[kind]
            figures = " | ".join(str(k[key]) for key in ("p50", "p90", "p99", "max", "n"))
            lines.append(f"| {label} | {figures} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
