"""A private, throw-away PostgreSQL cluster, so that a crash run may stop the database itself.

The shared server must never be stopped; this one lives in a temporary
directory, listens on 127.0.0.1 on a port of the run's own, trusts local
connections, and keeps ``fsync`` on (an immediate stop must then lose nothing
committed). PostgreSQL refuses to run as root: as root every ``initdb`` and
``pg_ctl`` runs as the ``postgres`` user through ``su``, on a directory it owns.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.crash.servers import HOST

SERVER_USER = "postgres"


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is not on PATH (PostgreSQL's server tools)")
    return found


class PrivateCluster:
    def __init__(self, port: int) -> None:
        self.port = port
        self.root = Path(tempfile.mkdtemp(prefix="fl_h5_pg_"))
        self.data = self.root / "data"
        self.log = self.root / "postgresql.log"
        self.stops = 0
        if os.geteuid() == 0:
            user = pwd.getpwnam(SERVER_USER)
            os.chown(self.root, user.pw_uid, user.pw_gid)

    def _run(self, *argv: str, timeout: float = 120) -> None:
        command = [_tool(argv[0]), *argv[1:]]
        if os.geteuid() == 0:
            command = ["su", SERVER_USER, "-c", shlex.join(command)]
        done = subprocess.run(  # noqa: S603 (PostgreSQL's own tools, fixed arguments)
            command, capture_output=True, text=True, timeout=timeout, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{shlex.join(argv)} failed: {done.stdout}{done.stderr}")

    def create(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        settings = {
            "port": str(self.port),
            "listen_addresses": f"'{HOST}'",
            "unix_socket_directories": f"'{self.root}'",
            "fsync": "on",
            "max_connections": "50",
            "shared_buffers": "32MB",
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())
        self.start()

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "120", "start")

    def stop_immediately(self) -> None:
        """``pg_ctl -m immediate``: every backend killed at once, recovery from WAL at start."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        self.stops += 1

    def create_database(self, name: str) -> str:
        self._run("createdb", "-h", HOST, "-p", str(self.port), "-U", "postgres", name)
        return f"postgresql+psycopg://postgres@{HOST}:{self.port}/{name}"

    def destroy(self) -> None:
        with contextlib.suppress(RuntimeError):  # not running
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop", timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)
