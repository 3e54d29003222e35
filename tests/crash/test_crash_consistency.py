"""Crash consistency: kill -9 the server mid-run, restart it, and the books still hold.

Real processes only: ``fundledger init`` and ``fundledger verify`` as
subprocesses, gunicorn serving ``app:create_app()``, and client threads over
HTTP (see :mod:`tests.crash.workload`). What is checked afterwards is in
:mod:`tests.crash.invariants`: verify passes, every acknowledged write is stored
exactly once and nothing else is, no retried key made a duplicate, no award is
overpaid, the bank is never below zero at any date, the numbering has no gap.

- PostgreSQL (only in the suite's PostgreSQL run): 2 sync workers on a fresh
  database of its own; a worker is killed, then the master (its orphaned workers
  leave on their own), then gunicorn is started again, then another worker.
- SQLite (only in the suite's SQLite run): one sync worker; the whole server is
  killed twice and started again.

Each takes about a minute (``WORKLOAD_SECONDS`` of writes plus start-ups and
the checks). The long run with PostgreSQL itself stopped is
``benchmarks/crash_run.py`` (figures in ``benchmarks/CRASH.md``).
"""

from __future__ import annotations

import json
import os

import pytest
from sqlalchemy import make_url, text

from ledger.database import make_engine
from tests.conftest import BACKEND, PG_URL
from tests.crash.scenario import CrashRun

pytest.importorskip("gunicorn", reason="gunicorn is not installed (pip install gunicorn)")

WORKLOAD_SECONDS = float(os.environ.get("FUNDLEDGER_TEST_CRASH_SECONDS", "40"))


def _report(problems: list[str], figures: dict) -> str:
    return "\n".join(problems[:40]) + "\n" + json.dumps(figures, indent=1, default=str)


@pytest.fixture
def crash_pg_url():
    """A fresh PostgreSQL database beside the suite's, dropped afterwards."""
    url = make_url(PG_URL)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"{url.database}_crash_{worker}"
    admin = make_engine(
        url.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    drop()
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        drop()
        admin.dispose()


@pytest.mark.skipif(BACKEND != "postgresql", reason="the PostgreSQL run has its own variant")
@pytest.mark.postgres_only
def test_postgresql_books_survive_killed_workers_and_master(crash_pg_url, tmp_path):
    run = CrashRun(crash_pg_url, tmp_path, workers=2)
    seconds = WORKLOAD_SECONDS
    faults = [
        (seconds * 0.1, "fundledger checkpoint", run.checkpoint),
        (seconds * 0.25, "kill -9 a worker", run.kill_worker),
        (seconds * 0.45, "kill -9 the master, restart", run.kill_master_and_restart),
        (seconds * 0.75, "kill -9 a worker", run.kill_worker),
    ]
    problems, figures = run.run(seconds, faults)
    print(json.dumps(figures, indent=1, default=str))
    assert not problems, _report(problems, figures)
    clients = figures["clients"]
    assert figures["server"]["worker kills"] == 2
    assert figures["server"]["master kills"] == 1
    assert figures["server"]["starts"] == 2
    assert clients["acknowledged"] > 50, clients  # the run did real work through the crashes
    assert clients["by_op"]["execute"].get("200", 0) > 0, clients
    assert clients["replayed_answers"] > 0, clients  # lost answers were replayed, not redone
    # verify (passed above) proved the chains extend the checkpoint signed before the kills.
    assert (tmp_path / "checkpoints.jsonl").read_text().count("\n") == 1


@pytest.mark.skipif(BACKEND != "sqlite", reason="the SQLite run has its own variant")
def test_sqlite_books_survive_a_killed_server(tmp_path):
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    run = CrashRun(url, tmp_path, workers=1)
    seconds = WORKLOAD_SECONDS
    faults = [
        (seconds * 0.1, "fundledger checkpoint", run.checkpoint),
        (seconds * 0.3, "kill -9 the server, restart", run.kill_server_and_restart),
        (seconds * 0.65, "kill -9 the server, restart", run.kill_server_and_restart),
    ]
    problems, figures = run.run(seconds, faults)
    print(json.dumps(figures, indent=1, default=str))
    assert not problems, _report(problems, figures)
    clients = figures["clients"]
    assert figures["server"]["server kills"] == 2
    assert figures["server"]["starts"] == 3
    assert clients["acknowledged"] > 50, clients
    assert clients["by_op"]["execute"].get("200", 0) > 0, clients
    assert clients["replayed_answers"] > 0, clients  # lost answers were replayed, not redone
    # verify (passed above) proved the chains extend the checkpoint signed before the kills.
    assert (tmp_path / "checkpoints.jsonl").read_text().count("\n") == 1
