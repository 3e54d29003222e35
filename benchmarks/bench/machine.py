"""The machine and the versions a run measured: without them a ratio means little."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def _first(path: str, key: str) -> str | None:
    try:
        with open(path, encoding="ascii", errors="replace") as info:
            for line in info:
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def _os_name() -> str:
    pretty = None
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                pretty = line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return f"{platform.system()} {platform.release()} {platform.machine()}" + (
        f", {pretty}" if pretty else ""
    )


def _version(module: str) -> str:
    try:
        return __import__(module).__version__
    except (ImportError, AttributeError):
        return "not installed"


def _command(*argv: str) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603
    except OSError:
        return "not found"
    return (done.stdout or done.stderr).strip().splitlines()[0] if done.returncode == 0 else "?"


def commit() -> str:
    head = _command("git", "-C", str(ROOT), "log", "-1", "--format=%h (%cs)")
    dirty = subprocess.run(  # noqa: S603
        ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return head + (" + the working tree's uncommitted changes (shared tree)" if dirty else "")


def describe(postgresql_version: str) -> dict[str, str]:
    kib = _first("/proc/meminfo", "MemTotal")
    memory = f"{int(kib.split()[0]) / 2**20:.1f} GiB" if kib else "?"
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "CPU": _first("/proc/cpuinfo", "model name") or platform.processor() or "?",
        "cores": str(os.cpu_count()),
        "RAM": memory,
        "OS": _os_name(),
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "code": commit(),
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
        "PostgreSQL": postgresql_version,
        "SQLAlchemy": _version("sqlalchemy"),
        "psycopg": _version("psycopg"),
        "Flask": _version("flask"),
        "gunicorn": _version("gunicorn"),
        "pgbench": _command("pgbench", "--version"),
    }
