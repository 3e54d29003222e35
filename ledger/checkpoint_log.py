"""Where checkpoints go: an append-only log outside the database, and optionally a command.

A :class:`Checkpointer` holds the fund's signing key, the log's path
(``FUNDLEDGER_CHECKPOINT_LOG``) and a command each checkpoint is piped to
(``FUNDLEDGER_CHECKPOINT_COMMAND``, e.g. a mail to the auditors). The adapter
attaches one to its engine (:func:`attach`); the core then asks for a
checkpoint with :func:`after_commit` (a month close does), and it is taken
when the transaction commits: its heads are read just before the commit, under
the books' lock the step already holds, and it is signed and written only once
the commit has succeeded, so the log never holds a head the database never had.
A step rolled back asks for nothing.

The log is JSON lines, appended with ``O_APPEND`` in one ``write`` per line
(whole lines however many workers append) and flushed to disk before the call
returns. A reader (:func:`read_checkpoints`) takes a file or a folder of them.
"""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
import weakref
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ledger.checkpoints import Checkpoint, CheckpointError, Heads, read_heads, sign

log = logging.getLogger("fundledger.checkpoints")

#: How long the checkpoint command may run before it is given up on.
COMMAND_TIMEOUT_SECONDS = 30

_PENDING = "fundledger.checkpoints.pending"
_READY = "fundledger.checkpoints.ready"
_CHECKPOINTERS: weakref.WeakKeyDictionary[Engine, Checkpointer] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Checkpointer:
    key: Ed25519PrivateKey
    log_path: Path | None = None
    #: A command line (split like a shell would, never run by one); the checkpoint's JSON
    #: line is its standard input.
    command: str | None = None

    def take(self, heads: Heads, reason: str) -> Checkpoint:
        """Sign ``heads`` now and keep the checkpoint (log, then command)."""
        checkpoint = sign(self.key, heads, reason)
        self.keep(checkpoint)
        return checkpoint

    def keep(self, checkpoint: Checkpoint) -> None:
        """Append to the log (an error here is raised: a checkpoint asked for was not
        kept), then pipe to the command (a failure is logged: the log has it)."""
        if self.log_path is not None:
            append(self.log_path, checkpoint)
        if self.command:
            _pipe(self.command, checkpoint)


def append(path: Path, checkpoint: Checkpoint) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (checkpoint.line() + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _pipe(command: str, checkpoint: Checkpoint) -> None:
    try:
        done = subprocess.run(  # noqa: S603 (the operator's own configured command, no shell)
            shlex.split(command),
            input=checkpoint.line() + "\n",
            text=True,
            capture_output=True,
            timeout=COMMAND_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        log.error("checkpoint command could not run (%s): %s", type(exc).__name__, exc)
        return
    if done.returncode != 0:
        log.error("checkpoint command exited %s: %s", done.returncode, done.stderr.strip()[:200])


def read_checkpoints(path: Path) -> tuple[list[Checkpoint], list[str]]:
    """The checkpoints in a log file, or in every ``*.jsonl`` / ``*.json`` file of a folder;
    and a problem for each line that is not one (named by file and line)."""
    files = (
        sorted(p for p in path.iterdir() if p.suffix in (".jsonl", ".json"))
        if path.is_dir()
        else [path]
    )
    checkpoints, problems = [], []
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeError) as exc:
            problems.append(f"{file}: cannot be read ({type(exc).__name__})")
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                checkpoints.append(Checkpoint.from_text(line))
            except CheckpointError as exc:
                problems.append(f"{file} line {number}: {exc}")
    return checkpoints, problems


# -- taken at commit ----------------------------------------------------------------------


def attach(engine: Engine, checkpointer: Checkpointer) -> None:
    """Every session on ``engine`` keeps the checkpoints its transactions ask for."""
    _CHECKPOINTERS[engine] = checkpointer


def checkpointer_for(session: Session) -> Checkpointer | None:
    bind = session.get_bind()
    return _CHECKPOINTERS.get(getattr(bind, "engine", bind))


def after_commit(session: Session, reason: str) -> None:
    """Ask for a checkpoint of the books as this transaction leaves them, once it commits
    (nothing when the session's engine has no checkpointer, e.g. in the core's own tests)."""
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((transaction, reason))


@event.listens_for(Session, "before_commit")
def _read_heads_before_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending or checkpointer_for(session) is None:
        return
    session.flush()
    session.info[_READY] = (read_heads(session), [reason for _, reason in pending])


@event.listens_for(Session, "after_commit")
def _keep_after_commit(session: Session) -> None:
    ready = session.info.pop(_READY, None)
    checkpointer = checkpointer_for(session) if ready else None
    if checkpointer is None:
        return
    heads, reasons = ready
    for reason in reasons:
        try:
            checkpointer.take(heads, reason)
        except OSError as exc:
            # The step is committed; its checkpoint could not be kept. Say so loudly: the
            # operator takes one by hand (`fundledger checkpoint`) once the log is writable.
            log.error("checkpoint (%s) could not be written: %s", reason, exc)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction) -> None:
    pending = session.info.get(_PENDING)
    if pending:
        pending[:] = [(t, r) for t, r in pending if t is not previous_transaction]
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_READY, None)
