"""Real server processes for the crash runs: gunicorn serving the app, the ``fundledger`` CLI.

:class:`Gunicorn` starts ``gunicorn 'app:create_app()'`` in a session (process
group) of its own, so that every process it forks, orphans included, can be
found (``/proc``) and killed by that group's id however a run ends. It kills a
worker (the master forks another), the master (its orphaned workers notice
and leave after their current request; the port is free once they have), or
the whole server at once, and starts it again on the same port.

:func:`fund_environment` is the environment of every child: the database URL,
fixed keys (so that a restarted server and the CLI read what the first server
wrote and sign with the same key), the run's own checkpoint log, and none of the
developer's other ``FUNDLEDGER_*`` settings.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from cryptography.fernet import Fernet

BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
#: Ports the crash runs may listen on ("first-last"); the first free one is taken.
PORTS = os.environ.get("FUNDLEDGER_TEST_CRASH_PORTS", "5300-5319")


def free_port(ports: str = PORTS, exclude: tuple[int, ...] = ()) -> int:
    first, _, last = ports.partition("-")
    for port in range(int(first), int(last or first) + 1):
        if port in exclude:
            continue
        with socket.socket() as probe:
            # As gunicorn binds: connections of a killed server in TIME_WAIT do not count.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports} (FUNDLEDGER_TEST_CRASH_PORTS)")


def fund_environment(database_url: str, checkpoint_log: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FUNDLEDGER_")}
    env.update(
        FUNDLEDGER_DATABASE_URL=database_url,
        FUNDLEDGER_SECRET_KEY=secrets.token_hex(32),
        FUNDLEDGER_PII_KEY=Fernet.generate_key().decode(),
        FUNDLEDGER_SIGNING_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        FUNDLEDGER_CHECKPOINT_LOG=str(checkpoint_log),
        PYTHONUNBUFFERED="1",
    )
    return env


def fundledger(args: list[str], workdir: Path, env: dict, timeout: float = 180):
    """Run the ``fundledger`` CLI to the end: a CompletedProcess with text output."""
    return subprocess.run(  # noqa: S603 (our own console script)
        [str(BIN / "fundledger"), *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, ppid, process group) of a live process, None if gone or a zombie."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    state, ppid, group = raw.rpartition(")")[2].split()[:3]
    return None if state in ("Z", "X") else (state, int(ppid), int(group))


def group_pids(group: int) -> list[int]:
    """The live processes of process group ``group``."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None and stat[2] == group:
                pids.append(int(entry.name))
    return sorted(pids)


class Gunicorn:
    """gunicorn with ``workers`` sync workers on ``port``, started and crashed on demand."""

    def __init__(self, workdir: Path, env: dict, port: int, workers: int, log: Path) -> None:
        self.workdir, self.env, self.port, self.workers = workdir, env, port, workers
        self.log = log
        self.process: subprocess.Popen | None = None
        self.groups: list[int] = []  # every process group this object started
        self.figures = {"starts": 0, "worker kills": 0, "master kills": 0, "server kills": 0}

    def start(self, ready_within: float = 120.0) -> None:
        """Start and wait until a worker answers ``/api/v1/health``."""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 (gunicorn of our own virtualenv)
                [
                    *(sys.executable, "-m", "gunicorn"),
                    *("--workers", str(self.workers), "--worker-class", "sync"),
                    *("--bind", f"{HOST}:{self.port}", "--timeout", "30"),
                    *("--graceful-timeout", "5", "--error-logfile", "-"),
                    "app:create_app()",
                ],
                cwd=self.workdir,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.groups.append(self.process.pid)
        self.figures["starts"] += 1
        deadline = time.monotonic() + ready_within
        while not self._healthy():
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}): {self.tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn not ready in {ready_within:.0f} s: {self.tail()}")
            time.sleep(0.2)

    def _healthy(self) -> bool:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=5)
        try:
            connection.request("GET", "/api/v1/health")
            return connection.getresponse().status == 200
        except (OSError, http.client.HTTPException):
            return False
        finally:
            connection.close()

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        master = self.process.pid
        return [p for p in group_pids(master) if p != master and (_stat(p) or ("", 0))[1] == master]

    def kill_worker(self, within: float = 60.0) -> int:
        """kill -9 one worker (waiting, if need be, until the master has one to kill)."""
        deadline = time.monotonic() + within
        while not (workers := self.worker_pids()):
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn has no worker to kill: {self.tail()}")
            time.sleep(0.2)
        victim = random.choice(workers)
        os.kill(victim, signal.SIGKILL)
        self.figures["worker kills"] += 1
        return victim

    def kill_master(self, orphans_within: float = 5.0) -> None:
        """kill -9 the master; its workers finish their request, see it gone and exit.

        Those that have not left after ``orphans_within`` seconds (an idle one waits
        up to its timeout before it looks) are killed, freeing the port for a restart.
        """
        assert self.process is not None
        group = self.process.pid
        self.process.kill()
        self.process.wait()
        self.figures["master kills"] += 1
        deadline = time.monotonic() + orphans_within
        while group_pids(group) and time.monotonic() < deadline:
            time.sleep(0.1)
        self._kill_group(group)

    def kill_server(self) -> None:
        """kill -9 the master and every worker at once."""
        assert self.process is not None
        self._kill_group(self.process.pid)
        self.process.wait()
        self.figures["server kills"] += 1

    def stop(self) -> None:
        """A clean stop (SIGTERM, workers finish their requests), then anything left killed."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(30)
        self.kill_everything()

    def kill_everything(self) -> None:
        """The finaliser: no process this object started survives it."""
        for group in self.groups:
            self._kill_group(group)
        if self.process is not None:
            self.process.kill()
            self.process.wait()

    @staticmethod
    def _kill_group(group: int) -> None:
        deadline = time.monotonic() + 10
        while group_pids(group) and time.monotonic() < deadline:
            try:
                os.killpg(group, signal.SIGKILL)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""
