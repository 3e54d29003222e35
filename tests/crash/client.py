"""An HTTP client that keeps asking until it gets an answer, and remembers every write it sent.

The crash tests judge the server by what its clients were told, so this client
keeps an exact account: every POST gets an ``Idempotency-Key`` and its body is
serialised once, so that each retry sends the very same bytes (the server
fingerprints them). A connection refused, reset or timed out, or a 502/503/504,
is no answer: the request may or may not have happened, and it is sent again
with the same key until the server answers definitively (2xx or 4xx) or the
client's patience runs out (the write then stays *unresolved* and is resolved
after the run). A 500 is recorded as a server error, then retried like the rest
so that the outcome is still known.

:class:`Write` is one key's story: what was asked, how often, and the final
answer; a write is *acknowledged* when that answer is a 2xx.
"""

from __future__ import annotations

import http.client
import itertools
import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

API = "/api/v1"
#: Answers that are not answers: the request may have happened or not.
RETRIED_STATUSES = frozenset({502, 503, 504})


class Unresolved(Exception):
    """The server gave no definitive answer within the client's patience."""


@dataclass
class Write:
    """One idempotent POST: its key, the exact body sent, and what finally came back."""

    op: str
    actor: str
    path: str
    key: str
    body: bytes
    attempts: int = 0
    status: int | None = None  # the definitive answer; None while unresolved
    answer: Any = None
    replayed: bool = False  # the definitive answer carried Idempotent-Replayed: true
    failures: list[str] = field(default_factory=list)  # what each retried attempt met

    @property
    def acknowledged(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def payload(self) -> Any:
        return json.loads(self.body) if self.body else None


class Ledgerbook:
    """Every write of a run, thread-safe, with the counters the reports print."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.writes: list[Write] = []
        self.events: Counter[str] = Counter()  # connection errors, 503s, 500s…
        self.server_errors: list[str] = []

    def add(self, write: Write) -> None:
        with self.lock:
            self.writes.append(write)

    def count(self, what: str, detail: str | None = None) -> None:
        with self.lock:
            self.events[what] += 1
            if detail is not None:
                self.server_errors.append(detail)

    def of(self, op: str) -> list[Write]:
        with self.lock:
            return [w for w in self.writes if w.op == op]

    def unresolved(self) -> list[Write]:
        with self.lock:
            return [w for w in self.writes if w.status is None]

    def figures(self) -> dict[str, Any]:
        """What a run did, from the clients' side."""
        with self.lock:
            writes = list(self.writes)
            events = dict(self.events)
        by_op: dict[str, Counter[str]] = {}
        for w in writes:
            outcome = "unresolved" if w.status is None else str(w.status)
            by_op.setdefault(w.op, Counter())[outcome] += 1
        return {
            "writes": len(writes),
            "acknowledged": sum(w.acknowledged for w in writes),
            "refused": sum(w.status is not None and w.status >= 400 for w in writes),
            "unresolved": sum(w.status is None for w in writes),
            "retried_keys": sum(w.attempts > 1 for w in writes),
            "retries": sum(max(w.attempts - 1, 0) for w in writes),
            "replayed_answers": sum(w.replayed for w in writes),
            "by_op": {op: dict(counts) for op, counts in sorted(by_op.items())},
            "events": events,
        }


class Client:
    """One user of the API over real HTTP (a new connection per request, like curl)."""

    def __init__(
        self,
        host: str,
        port: int,
        name: str,
        token: str,
        book: Ledgerbook,
        *,
        timeout: float = 45.0,
        patience: float = 120.0,
    ) -> None:
        self.host, self.port, self.name, self.token = host, port, name, token
        self.book, self.timeout, self.patience = book, timeout, patience

    def _once(self, method: str, path: str, body: bytes | None, key: str | None):
        """One attempt: (status, headers, parsed JSON). Raises OSError/HTTPException."""
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        if body:
            headers["Content-Type"] = "application/json"
        if key is not None:
            headers["Idempotency-Key"] = key
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(method, API + path, body=body or None, headers=headers)
            response = connection.getresponse()
            raw = response.read()
            return response.status, response.headers, (json.loads(raw) if raw else None)
        finally:
            connection.close()

    def get(self, path: str) -> Any:
        """A read, retried through outages; returns the JSON of a 200."""
        deadline = time.monotonic() + self.patience
        for attempt in itertools.count():
            try:
                status, _, data = self._once("GET", path, None, None)
            except (OSError, http.client.HTTPException):
                status, data = None, None
            if status == 200:
                return data
            if status is not None and status not in RETRIED_STATUSES:
                raise AssertionError(f"GET {path}: {status} {data}")
            if time.monotonic() > deadline:
                raise Unresolved(f"GET {path}")
            _backoff(attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def post(self, op: str, path: str, payload: Any, key: str, hang_up: bool = False) -> Write:
        """Send a write until it is answered (or patience runs out) and book it.

        ``hang_up``: the first attempt closes the connection as soon as the request
        is sent, the way a client dies or a network drops an answer, so the server
        usually does the write and its answer is lost; the retry must replay it.
        """
        body = b"" if payload is None else json.dumps(payload).encode()
        write = Write(op, self.name, path, key, body)
        self.book.add(write)
        if hang_up:
            self._hang_up(write)
        self.settle(write)
        return write

    def _hang_up(self, write: Write) -> None:
        write.attempts += 1
        write.failures.append("hung up")
        self.book.count("answer dropped by the client")
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Idempotency-Key": write.key,
            **({"Content-Type": "application/json"} if write.body else {}),
        }
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request("POST", API + write.path, body=write.body or None, headers=headers)
        except (OSError, http.client.HTTPException):
            pass  # the server is down: this attempt did nothing
        finally:
            connection.close()

    def settle(self, write: Write, patience: float | None = None) -> Write:
        """(Re)send ``write`` with its own key and bytes until a definitive answer."""
        deadline = time.monotonic() + (self.patience if patience is None else patience)
        attempt = 0
        while True:
            write.attempts += 1
            try:
                status, headers, data = self._once("POST", write.path, write.body, write.key)
            except (OSError, http.client.HTTPException) as error:
                write.failures.append(type(error).__name__)
                self.book.count("connection error")
            else:
                if status != 500 and status not in RETRIED_STATUSES:
                    write.status, write.answer = status, data
                    write.replayed = headers.get("Idempotent-Replayed") == "true"
                    return write
                write.failures.append(str(status))
                if status == 500:
                    self.book.count("500", f"{write.op} {write.path} {write.key}: {data}")
                else:
                    self.book.count(str(status))
            if time.monotonic() > deadline:
                return write  # unresolved: it may have happened or not
            _backoff(attempt)
            attempt += 1


def _backoff(attempt: int) -> None:
    """0.1 s doubling to 1 s, with jitter so that the threads do not retry in step."""
    time.sleep(min(0.1 * 2**attempt, 1.0) * random.uniform(0.5, 1.0))
