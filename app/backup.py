"""Backups that prove what they hold, and restores that prove they got it back.

A backup is the engine's own consistent copy: SQLite's online backup API (pages
copied from one read transaction, writers carry on), PostgreSQL's ``pg_dump -Fc``
run on a snapshot this process exported. The heads of the journal and the audit
log are read from that same copy or snapshot, signed, kept in the checkpoint log
and written beside the backup (``FILE.checkpoint``), so the checkpoint says
exactly what the file holds.

A restore goes only into an empty database (a restore over a fund would mix two
sets of books), is all or nothing (SQLite: into a temporary file renamed at the
end; PostgreSQL: ``pg_restore --single-transaction``), and is then verified: the
whole check of :func:`ledger.verify.verify_books`, and the restored heads equal
to the checkpoint's.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect, make_url
from sqlalchemy.engine import URL, Engine

from ledger.checkpoint_log import Checkpointer
from ledger.checkpoints import Checkpoint, Heads, read_heads
from ledger.database import make_engine, make_sessionmaker

_SQLITE_MAGIC = b"SQLite format 3\x00"
_PG_DUMP_MAGIC = b"PGDMP"


class BackupError(RuntimeError):
    """A backup or a restore that could not be made; the message says why and what to do."""


@dataclass(frozen=True)
class Backup:
    """A backup file and the checkpoint of what it holds (kept in ``checkpoint_path(path)``)."""

    path: Path
    checkpoint: Checkpoint


def checkpoint_path(backup_file: Path) -> Path:
    """Where the checkpoint of ``backup_file`` is written beside it: ``FILE.checkpoint``."""
    return backup_file.with_name(backup_file.name + ".checkpoint")


def backup(database_url: str, output: Path, checkpointer: Checkpointer) -> Backup:
    """Copy the database to ``output`` (never half a file under that name) and sign what
    the copy holds."""
    url = make_url(database_url)
    partial = output.with_name(output.name + ".partial")
    try:
        if url.get_backend_name() == "sqlite":
            heads = _sqlite_backup(_sqlite_path(url), partial)
        elif url.get_backend_name() == "postgresql":
            heads = _pg_dump(url, partial)
        else:
            raise BackupError(f"cannot back up a {url.get_backend_name()} database")
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
    checkpoint = checkpointer.take(heads, f"backup {output.name}")
    checkpoint_path(output).write_text(checkpoint.line() + "\n", encoding="utf-8")
    return Backup(output, checkpoint)


def restore(backup_file: Path, database_url: str) -> Heads:
    """Restore ``backup_file`` into the empty database at ``database_url``; its heads."""
    url = make_url(database_url)
    with backup_file.open("rb") as file:
        magic = file.read(16)
    if url.get_backend_name() == "sqlite":
        if magic != _SQLITE_MAGIC:
            raise BackupError(f"{backup_file.name} is not a SQLite backup (a pg_dump file?)")
        _sqlite_restore(backup_file, _sqlite_path(url))
    elif url.get_backend_name() == "postgresql":
        if not magic.startswith(_PG_DUMP_MAGIC):
            raise BackupError(f"{backup_file.name} is not a pg_dump -Fc backup")
        _pg_restore(backup_file, url)
    else:
        raise BackupError(f"cannot restore into a {url.get_backend_name()} database")
    return _heads_of(database_url)


# -- SQLite ------------------------------------------------------------------------------


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up or restore into")
    return Path(url.database)


def _sqlite_backup(source: Path, target: Path) -> Heads:
    if not source.exists():
        raise BackupError(f"{source} does not exist")
    target.unlink(missing_ok=True)
    with _connect(source) as src, _connect(target) as dst:
        src.backup(dst)
    return _heads_of(f"sqlite:///{target}")


def _sqlite_restore(backup_file: Path, target: Path) -> None:
    if target.exists() and _has_tables(f"sqlite:///{target}"):
        raise BackupError(f"{target} is not empty: restore into a new database file")
    partial = target.with_name(target.name + ".restoring")
    partial.unlink(missing_ok=True)
    try:
        with _connect(backup_file) as src, _connect(partial) as dst:
            src.backup(dst)
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA busy_timeout = 30000")
    return connection


# -- PostgreSQL ---------------------------------------------------------------------------


def _pg_dump(url: URL, target: Path) -> Heads:
    """``pg_dump`` of a snapshot exported by a transaction that reads the heads in it: the
    dump and the heads are the same instant of the books, whatever is committed meanwhile."""
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
                with make_sessionmaker(engine)(bind=connection) as session:
                    heads = read_heads(session)
                _run(
                    ["pg_dump", "-Fc", "--no-owner", "--snapshot", snapshot, "-f", str(target)],
                    url,
                )
    finally:
        engine.dispose()
    return heads


def _pg_restore(backup_file: Path, url: URL) -> None:
    if _has_tables(url.render_as_string(hide_password=False)):
        raise BackupError(
            f"database {url.database} is not empty: create a new one (createdb) to restore into"
        )
    _run(
        [
            "pg_restore",
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            "--dbname",
            url.database,
            str(backup_file),
        ],
        url,
    )


def _run(command: list[str], url: URL) -> None:
    """Run a PostgreSQL client tool on ``url``'s database; the password goes by environment,
    never on a command line another user could read."""
    env = dict(os.environ)
    for variable, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value is not None:
            env[variable] = str(value)
    try:
        done = subprocess.run(  # noqa: S603 (fixed tool names, arguments we built)
            command, env=env, capture_output=True, text=True, timeout=6 * 3600, check=False
        )
    except FileNotFoundError:
        raise BackupError(
            f"{command[0]} is not installed (Debian: apt-get install postgresql-client)"
        ) from None
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-500:]}")


# -- both -------------------------------------------------------------------------------


def _has_tables(database_url: str) -> bool:
    engine: Engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return bool(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def _heads_of(database_url: str) -> Heads:
    engine = make_engine(database_url)
    try:
        with make_sessionmaker(engine)() as session:
            return read_heads(session)
    finally:
        engine.dispose()
