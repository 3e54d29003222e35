"""``POST /api/v1/awards`` on gunicorn (2 sync workers) beside a hello-world Flask route.

Two gunicorn servers run side by side, configured alike (2 sync workers, 127.0.0.1):
the real app (``app:create_app()`` on the PostgreSQL fund ``fl_h4_api``) on port 5200,
and a one-route Flask app that parses the same JSON body and answers 201 on 5201. A
load generator of ``http_clients`` threads (keep-alive ``http.client`` connections,
reopened when a sync worker closes them) sends the same body to each, in interleaved
bursts (hello, awards, hello, awards…). Each award request carries a bearer token and
its own ``Idempotency-Key``, as a court's client would. Latency is from sending to the
last byte (a reconnect included); percentiles by nearest rank; medians over the bursts.

Goals (issue 11): ≥ 0.15 x the hello-world route's req/s; p99 ≤ 50 ms.
"""

from __future__ import annotations

import http.client
import itertools
import json
import math
import os
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.common import ADMIN, Figure, Outcome, fresh_database, median, small_fund
from bench.machine import ROOT
from ledger.database import make_engine, make_sessionmaker
from ledger.pii import generate_key
from ledger.users import create_token, create_user

TITLE = "POST /api/v1/awards on gunicorn (2 sync workers) vs a hello-world Flask route"
APP_PORT, HELLO_PORT = 5200, 5201
HELLO = '''"""A hello-world Flask route: parse a JSON body, answer 201 (the benchmark's floor)."""
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.route("/hello", methods=["GET", "POST"])
def hello():
    body = request.get_json(silent=True) or {}
    return jsonify({"id": 1, "order_reference": body.get("order_reference")}), 201
'''


class Gunicorn:
    """``gunicorn --workers=2 --worker-class=sync`` serving ``target`` on ``port``."""

    def __init__(self, target: str, port: int, workdir: Path, env: dict[str, str]):
        self.port = port
        gunicorn = Path(sys.executable).with_name("gunicorn")
        if not gunicorn.exists():
            raise RuntimeError(f"gunicorn is not installed in the virtualenv ({gunicorn})")
        self.process = subprocess.Popen(  # noqa: S603
            [
                str(gunicorn),
                "--workers=2",
                "--worker-class=sync",
                f"--bind=127.0.0.1:{port}",
                f"--chdir={workdir}",
                f"--pythonpath={ROOT},{workdir}",
                "--log-level=warning",
                target,
            ],
            env={**os.environ, **env},
            cwd=workdir,
        )

    def wait(self, path: str) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn on {self.port} stopped ({self.process.returncode})")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", path)
                connection.getresponse().read()
                connection.close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn on {self.port} did not answer within 90 s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else float("nan")


def load(port: int, path: str, make_body, headers: dict, clients: int, seconds: float) -> dict:
    """``clients`` threads POSTing for ``seconds``: req/s, p50 and p99 ms, failures."""
    stop = time.perf_counter() + seconds
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, bad = [], []
        while time.perf_counter() < stop:
            body, extra = make_body()
            started = time.perf_counter()
            try:
                connection.request("POST", path, body=body, headers={**headers, **extra})
                response = connection.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                bad.append(type(exc).__name__)
                continue
            mine.append(time.perf_counter() - started)
            if response.status != 201:
                bad.append(f"{response.status} {data[:200]!r}")
            if response.will_close:
                connection.close()  # a sync worker answers and closes: reopen next time
        connection.close()
        with lock:
            latencies.extend(mine)
            failures.extend(bad)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    span = time.perf_counter() - began
    return {
        "rps": len(latencies) / span,
        "p50": percentile(latencies, 50) * 1000,
        "p99": percentile(latencies, 99) * 1000,
        "requests": len(latencies),
        "failures": failures,
    }


def _token(url: str) -> str:
    engine = make_engine(url)
    with make_sessionmaker(engine).begin() as session:
        create_user(session, ADMIN, "bench-court", "court", secrets.token_urlsafe(16))
        token = create_token(session, ADMIN, "bench-court", "benchmark")
    engine.dispose()
    return token


def run(ctx) -> Outcome:
    outcome = Outcome("api_awards", TITLE)
    fund = small_fund(fresh_database("fl_h4_api"))
    token = _token(fund.url)
    (ctx.workdir / "hello_app.py").write_text(HELLO)
    env = {
        "FUNDLEDGER_DATABASE_URL": fund.url,
        "FUNDLEDGER_SECRET_KEY": secrets.token_hex(32),
        "FUNDLEDGER_PII_KEY": generate_key(),
    }
    servers: list[Gunicorn] = []
    try:
        for target, port, environment in (
            ("app:create_app()", APP_PORT, env),
            ("hello_app:app", HELLO_PORT, {}),
        ):
            servers.append(Gunicorn(target, port, ctx.workdir, environment))
            ctx.shared.setdefault("cleanup", []).append(servers[-1].stop)
        servers[0].wait("/api/v1/health")
        servers[1].wait("/hello")
        serial = itertools.count(1)

        def body():
            n = next(serial)
            document = {
                "case_id": fund.case_id,
                "victim_id": fund.victim_ids[n % len(fund.victim_ids)],
                "order_reference": f"API-{n}",
                "ordered_on": "2026-01-15",
                "amount": {"amount": f"{100 + n % 997}.50", "currency": "EUR"},
            }
            return json.dumps(document), {"Idempotency-Key": f"bench-{n}"}

        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        clients, seconds = ctx.sizes.http_clients, ctx.sizes.seconds
        for port, path in ((HELLO_PORT, "/hello"), (APP_PORT, "/api/v1/awards")):
            warm = load(port, path, body, headers, clients, 1.0)  # every worker's first requests
            if warm["failures"]:
                raise RuntimeError(f"{path} failed while warming up: {warm['failures'][:3]}")
        runs: dict[str, list[dict]] = {"hello": [], "awards": []}
        for round_ in range(ctx.sizes.repeat):
            runs["hello"].append(load(HELLO_PORT, "/hello", body, headers, clients, seconds))
            runs["awards"].append(load(APP_PORT, "/api/v1/awards", body, headers, clients, seconds))
            ctx.log(
                f"  round {round_ + 1}: hello {runs['hello'][-1]['rps']:.0f} req/s, awards "
                f"{runs['awards'][-1]['rps']:.1f} req/s p99 {runs['awards'][-1]['p99']:.0f} ms"
            )
    finally:
        for server in servers:
            server.stop()
    failures = [f for run_ in runs["awards"] + runs["hello"] for f in run_["failures"]]
    answered = sum(r["requests"] for r in runs["awards"] + runs["hello"])
    if len(failures) > 0.01 * answered:  # a rate of refusals is no rate of awards
        raise RuntimeError(f"{len(failures)} of {answered} requests failed: {failures[:3]}")
    if failures:
        outcome.details.append(f"**{len(failures)} failed requests**, e.g. {failures[:3]}")
    figure = {k: {m: median(r[m] for r in runs[k]) for m in ("rps", "p50", "p99")} for k in runs}
    share = figure["awards"]["rps"] / figure["hello"]["rps"] if figure["hello"]["rps"] else None
    outcome.figures.append(
        Figure(
            "`POST /api/v1/awards`, gunicorn 2 sync workers",
            "the real app",
            figure["awards"]["rps"],
            "req/s",
            "hello-world Flask, same gunicorn",
            figure["hello"]["rps"],
            share,
            "≥ 0.15 x hello-world",
            share is not None and share >= 0.15,
            f"p50 {figure['awards']['p50']:.0f} ms, p99 {figure['awards']['p99']:.0f} ms",
        )
    )
    p99 = figure["awards"]["p99"]
    outcome.figures.append(
        Figure(
            "`POST /api/v1/awards` p99 latency",
            "the real app",
            p99,
            "ms",
            "hello-world p99",
            figure["hello"]["p99"],
            p99 / figure["hello"]["p99"] if figure["hello"]["p99"] else None,
            "p99 ≤ 50 ms",
            p99 <= 50,
        )
    )
    outcome.details.append(
        f"{clients} client threads, bursts of {seconds} s, {ctx.sizes.repeat} rounds; every "
        "burst (req/s, p50 ms, p99 ms): "
        + "; ".join(
            f"{name} " + " / ".join(f"{r['rps']:.0f}, {r['p50']:.0f}, {r['p99']:.0f}" for r in rs)
            for name, rs in runs.items()
        )
    )
    return outcome
