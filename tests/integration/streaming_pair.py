"""A private PostgreSQL primary and its hot standby, for the replica test and benchmark.

:class:`StreamingPair` makes both under a temporary directory: ``initdb`` a
primary (``wal_level=replica``, listening on 127.0.0.1 only, its socket in that
directory), a database on it, then ``pg_basebackup -R -X stream`` a standby that
streams from it, each on its own port. Every command has a timeout, so setting
the pair up is bounded (a few seconds here), and :meth:`StreamingPair.stop`
stops both servers (``pg_ctl stop -m immediate``, then the postmaster's own pid
if that failed) and removes the directory, however the caller ended.

PostgreSQL refuses to run as root: run as root (a container), the commands run
as the ``postgres`` user (``runuser``), who owns the directory. The binaries
are found with ``pg_config --bindir`` or under ``/usr/lib/postgresql/*/bin``;
:func:`binaries` is None when there are none (the test then skips).

Ports: ``FUNDLEDGER_TEST_REPLICA_PORTS=5500,5501`` names them; unset, two free
ports are asked of the operating system.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text

#: Seconds any one command may take (initdb, a start, the base backup).
STEP_TIMEOUT = 45


def binaries() -> Path | None:
    """The directory of ``initdb``, ``pg_ctl`` and ``pg_basebackup``, or None."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(  # noqa: S603 (pg_config found on PATH, a fixed argument)
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            )
            candidates.append(Path(out.stdout.strip()))
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for path in candidates:
        if all((path / tool).exists() for tool in ("initdb", "pg_ctl", "pg_basebackup")):
            return path
    return None


def free_ports() -> tuple[int, int]:
    named = os.environ.get("FUNDLEDGER_TEST_REPLICA_PORTS", "")
    if named:
        first, second = (int(part) for part in named.split(","))
        return first, second
    ports = []
    with contextlib.ExitStack() as stack:
        for _ in range(2):
            sock = stack.enter_context(socket.socket())
            sock.bind(("127.0.0.1", 0))
            ports.append(sock.getsockname()[1])
    return ports[0], ports[1]


class StreamingPair:
    """A primary on ``ports[0]`` and its streaming hot standby on ``ports[1]``."""

    def __init__(self, database: str = "fundledger", ports: tuple[int, int] | None = None):
        bindir = binaries()
        if bindir is None:
            raise RuntimeError("no PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup)")
        self.bindir = bindir
        self.database = database
        self.primary_port, self.standby_port = ports or free_ports()
        self.root = Path(tempfile.mkdtemp(prefix="fundledger-pair-"))
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self.root.chmod(0o700)
        self.primary_dir = self.root / "primary"
        self.standby_dir = self.root / "standby"
        self._started: list[Path] = []

    # -- URLs ------------------------------------------------------------------------

    def url(self, port: int, database: str | None = None) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{port}/{database or self.database}"

    @property
    def primary_url(self) -> str:
        return self.url(self.primary_port)

    @property
    def standby_url(self) -> str:
        return self.url(self.standby_port)

    # -- Life ------------------------------------------------------------------------

    def start(self) -> StreamingPair:
        """initdb and start the primary, create the database, clone and start the standby."""
        self._run(
            "initdb",
            "-D",
            self.primary_dir,
            "--auth=trust",
            "--username=postgres",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        self._start(self.primary_dir, self.primary_port)
        self._run(
            "createdb", "-h", "127.0.0.1", "-p", self.primary_port, "-U", "postgres", self.database
        )
        self._run(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            self.primary_port,
            "-U",
            "postgres",
            "-D",
            self.standby_dir,
            "-R",  # standby.signal and primary_conninfo: a streaming standby
            "-X",
            "stream",
            "--checkpoint=fast",
            "--no-sync",
        )
        self._start(self.standby_dir, self.standby_port)
        return self

    def stop(self) -> None:
        """Stop both servers (the standby first) and remove everything they wrote."""
        for data in reversed(self._started):
            try:
                self._run("pg_ctl", "stop", "-D", data, "-m", "immediate", "-w", "-t", "20")
            except (subprocess.SubprocessError, OSError):
                self._kill_postmaster(data)
        self._started.clear()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> StreamingPair:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *_exc) -> None:
        self.stop()

    # -- Replay ----------------------------------------------------------------------

    @contextlib.contextmanager
    def standby_superuser(self) -> Iterator:
        """An autocommit connection to the standby as its superuser (replay control)."""
        engine = create_engine(self.standby_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                yield connection
        finally:
            engine.dispose()

    def pause_replay(self, timeout: float = 10) -> None:
        """Stop the standby applying WAL (it still receives it), and wait until it has."""
        with self.standby_superuser() as standby:
            standby.execute(text("SELECT pg_wal_replay_pause()"))
            deadline = time.monotonic() + timeout
            while standby.scalar(text("SELECT pg_get_wal_replay_pause_state()")) != "paused":
                if time.monotonic() > deadline:
                    raise TimeoutError("the standby did not pause its replay")
                time.sleep(0.02)

    def resume_replay(self) -> None:
        with self.standby_superuser() as standby:
            standby.execute(text("SELECT pg_wal_replay_resume()"))

    def wait_replayed(self, timeout: float = 20) -> None:
        """Wait until the standby has replayed everything the primary has written so far."""
        primary = create_engine(self.primary_url, isolation_level="AUTOCOMMIT")
        try:
            with primary.connect() as connection:
                target = connection.scalar(text("SELECT pg_current_wal_lsn()"))
        finally:
            primary.dispose()
        with self.standby_superuser() as standby:
            deadline = time.monotonic() + timeout
            while not standby.scalar(
                text("SELECT pg_last_wal_replay_lsn() >= CAST(:t AS pg_lsn)"), {"t": str(target)}
            ):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the standby did not replay up to {target}")
                time.sleep(0.02)

    # -- Commands --------------------------------------------------------------------

    def _start(self, data: Path, port: int) -> None:
        options = (
            f"-c port={port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.root} -c wal_level=replica "
            "-c max_wal_senders=4 -c hot_standby=on"
        )
        self._started.append(data)
        self._run(
            "pg_ctl",
            "start",
            "-D",
            data,
            "-l",
            self.root / f"{data.name}.log",
            "-w",
            "-t",
            "30",
            "-o",
            options,
        )

    def _run(self, tool: str, *args) -> None:
        command = [str(self.bindir / tool), *(str(a) for a in args)]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(  # noqa: S603 (PostgreSQL's own tools, our arguments)
            command, capture_output=True, text=True, timeout=STEP_TIMEOUT, cwd=self.root
        )
        if done.returncode != 0:
            raise subprocess.CalledProcessError(
                done.returncode, command, output=done.stdout, stderr=done.stderr
            )

    def _kill_postmaster(self, data: Path) -> None:
        """The last resort of :meth:`stop`: the pid this pair's server wrote at start."""
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int((data / "postmaster.pid").read_text().splitlines()[0])
            os.kill(pid, signal.SIGQUIT)
