"""One crash run from a fresh database to its verdict, for the CI test and the long run.

:class:`CrashRun` initialises the fund with ``fundledger init`` (a real
subprocess), creates the two administrators and their tokens with the services
``fundledger create-user``/``create-token`` call (in this process: argon2 and
four CLI start-ups would cost a CI run tens of seconds), serves the app with
gunicorn, sets the fund up over HTTP, runs the :class:`Workload` while
:meth:`CrashRun.run` calls the faults at their times, resolves every write
left unanswered, stops the server and returns :func:`check_books`' verdict.

A fault is ``(seconds after the workload starts, name, callable)``: the
callables here kill a gunicorn worker, the master, or the whole server, each
followed (but the worker, which the master replaces) by a restart on the same
port, or sign a checkpoint of the chains' heads mid-run (``fundledger
checkpoint``; the final ``fundledger verify`` proves the chains still extend
it). The long run adds its own (an immediate stop of PostgreSQL).
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from ledger.access import Actor
from ledger.database import make_engine, make_sessionmaker
from ledger.users import create_token, create_user
from tests.crash.client import Client, Ledgerbook
from tests.crash.invariants import check_books
from tests.crash.servers import HOST, Gunicorn, free_port, fund_environment, fundledger
from tests.crash.workload import Keys, Workload, set_up_fund

ADMINISTRATORS = ("alice", "bob")
PASSWORD = "crash run passphrase, never used to sign in"
Fault = tuple[float, str, Callable[[], None]]


class CrashRun:
    def __init__(
        self, database_url: str, workdir: Path, *, workers: int, threads: int = 4, echo=False
    ):
        self.database_url, self.workdir, self.threads = database_url, workdir, threads
        self.echo = echo  # print the timeline as it happens (the long run)
        self.env = fund_environment(database_url, workdir / "checkpoints.jsonl")
        self.book = Ledgerbook()
        self.keys = Keys()
        self.faults_done: Counter[str] = Counter()
        self.timeline: list[str] = []
        self.server = Gunicorn(workdir, self.env, free_port(), workers, workdir / "gunicorn.log")
        self._t0 = time.monotonic()

    # -- the faults ----------------------------------------------------------------------

    def kill_worker(self) -> None:
        self.server.kill_worker()

    def checkpoint(self) -> None:
        """``fundledger checkpoint`` while the clients write: the final verify must find
        the chains still extending it (nothing committed before it was lost after)."""
        done = fundledger(["checkpoint", "--reason", "crash run"], self.workdir, self.env)
        assert done.returncode == 0, done.stdout + done.stderr

    def kill_master_and_restart(self) -> None:
        self.server.kill_master()
        self.note("master and its orphaned workers gone, restarting")
        self.server.start()

    def kill_server_and_restart(self) -> None:
        self.server.kill_server()
        self.note("server gone, restarting")
        self.server.start()

    # -- the run -------------------------------------------------------------------------

    def note(self, what: str) -> None:
        self.timeline.append(f"{time.monotonic() - self._t0:7.1f} s  {what}")
        if self.echo:
            print(self.timeline[-1], file=sys.stderr, flush=True)

    def prepare(self) -> dict[str, Client]:
        done = fundledger(["init"], self.workdir, self.env)
        assert done.returncode == 0, done.stdout + done.stderr
        engine = make_engine(self.database_url)
        tokens = {}
        try:
            with make_sessionmaker(engine).begin() as session:
                for name in ADMINISTRATORS:
                    create_user(session, Actor.system("crash"), name, "administrator", PASSWORD)
                    tokens[name] = create_token(session, Actor.system("crash"), name)
        finally:
            engine.dispose()
        self.note("initialised")
        self.server.start()
        self.note(f"gunicorn ready on port {self.server.port}")
        return {
            name: Client(HOST, self.server.port, name, token, self.book)
            for name, token in tokens.items()
        }

    def run(self, seconds: float, faults: list[Fault], settle_within: float = 120.0):
        """The workload for ``seconds`` with ``faults``; returns (problems, figures)."""
        workload = None
        try:
            clients = self.prepare()
            fund = set_up_fund(clients["alice"], self.keys)
            self.note("fund set up")
            workload = Workload(clients, fund, self.keys, threads=self.threads)
            started = time.monotonic()
            workload.start()
            for at, name, fault in sorted(faults, key=lambda f: f[0]):
                time.sleep(max(0.0, started + at - time.monotonic()))
                self.note(f"{name}…")
                fault()
                self.faults_done[name] += 1
                self.note(f"{name}: done")
            time.sleep(max(0.0, started + seconds - time.monotonic()))
            self.note("stopping the clients")
            stopped = workload.stop(settle_within)
            self.note(f"clients stopped ({len(self.book.unresolved())} writes unresolved)")
            for write in self.book.unresolved():
                clients[write.actor].settle(write, patience=settle_within)
            self.server.stop()
            self.note("gunicorn stopped")
            problems, figures = check_books(self.database_url, self.book, self.workdir, self.env)
            self.note("books checked")
        finally:
            if workload is not None:
                workload.stop(0)  # a fault that raised: the clients stop trying too
            self.server.kill_everything()
        if not stopped:
            problems.append("a client thread did not finish its write in time")
        problems += [f"client thread failed: {error}" for error in workload.errors]
        figures = {
            "clients": self.book.figures(),
            "faults": dict(self.faults_done),
            "server": dict(self.server.figures),
            "books": figures,
            "timeline": self.timeline,
        }
        return problems, figures
