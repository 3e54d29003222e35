"""``fundledger verify``, ``checkpoint`` and ``verify-statement``: proving the books intact.

``verify`` runs the one check of the core (:func:`ledger.verify.verify_books`), the
fund's own checkpoint log included, plus any other copies of checkpoints an auditor
keeps (``--checkpoints``). ``--public-key`` checks their signatures with the auditor's
own copy of the fund's public key, which ``fundledger checkpoint --public-key`` prints,
rather than with the key the server holds.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from app import db
from app.checkpoints import checkpointer
from app.cli_support import EXISTING_FILE, OPERATOR, refusals_exit, require_initialised
from ledger.checkpoints import (
    Checkpoint,
    CheckpointError,
    key_id,
    load_public_key,
    public_key_pem,
    read_heads,
)
from ledger.verify import VerifyResult, verify_books
from reports.checkpoint_reader import checkpoint_of

_EXISTING = click.Path(exists=True, path_type=Path)
_PUBLIC_KEY = click.option(
    "--public-key",
    "public_key_file",
    type=EXISTING_FILE,
    default=None,
    help="PEM file of the fund's public key to check signatures with "
    "(default: the key this server signs with)",
)


def _public_key(path: Path | None):
    if path is None:
        return None
    try:
        return load_public_key(path.read_text(encoding="ascii"))
    except (CheckpointError, UnicodeError) as exc:
        raise click.BadParameter(f"{path}: {exc}", param_hint="--public-key") from None


def _report(result: VerifyResult) -> None:
    for problem in result.problems:
        click.echo(f"PROBLEM {problem}")
    status = "OK" if result.ok else "FAILED"
    checked = f"; {result.checkpoints} checkpoint(s) checked" if result.checkpoints else ""
    click.echo(f"{status}: {result.entries} entries, head {result.head_hash}{checked}")


@click.command("verify")
@click.option(
    "--checkpoints",
    "checkpoint_files",
    multiple=True,
    type=_EXISTING,
    help="a checkpoint log (JSON lines), or a folder of them, besides the fund's own "
    "(FUNDLEDGER_CHECKPOINT_LOG); may be given more than once",
)
@_PUBLIC_KEY
@click.option(
    "--incremental",
    is_flag=True,
    help="rehash the journal only after the last signed checkpoint (the rest in full); "
    "without it every row is rehashed",
)
@with_appcontext
def verify(
    checkpoint_files: tuple[Path, ...], public_key_file: Path | None, incremental: bool
) -> None:
    """Recompute the hash chains (journal and audit log), sums, numbering and balances,
    check every register row against the entries and audit events that moved it, and
    prove that the chains still extend every signed checkpoint; exit 1 on any problem
    (the same check as GET /audit/verify and the web's integrity page)."""
    public_key = _public_key(public_key_file)
    session = db.session()
    require_initialised(session)
    result = verify_books(
        session,
        OPERATOR,
        checkpoint_files=checkpoint_files,
        public_key=public_key,
        incremental=incremental,
    )
    _report(result)
    sys.exit(0 if result.ok else 1)


@click.command("checkpoint")
@click.option(
    "--public-key",
    "print_public_key",
    is_flag=True,
    help="print the public key auditors check checkpoints with, and take none",
)
@click.option("--reason", default="fundledger checkpoint", show_default=True)
@with_appcontext
@refusals_exit
def checkpoint(print_public_key: bool, reason: str) -> None:
    """Sign the heads of the journal and the audit log now, append the checkpoint to the
    log (and pipe it to FUNDLEDGER_CHECKPOINT_COMMAND), and print it."""
    signer = checkpointer()
    if print_public_key:
        public = signer.key.public_key()
        click.echo(public_key_pem(public), nl=False)
        click.echo(f"key id: {key_id(public)}", err=True)
        return
    session = db.session()
    require_initialised(session)
    heads = read_heads(session)
    session.rollback()
    try:
        taken = signer.take(heads, reason)
    except OSError as exc:
        raise click.ClickException(f"the checkpoint log could not be written: {exc}") from None
    click.echo(taken.line())
    where = signer.log_path or "no log (FUNDLEDGER_CHECKPOINT_LOG is empty)"
    click.echo(f"checkpoint of entry {heads.journal_entries} written to {where}", err=True)


@click.command("verify-statement")
@click.argument("file", type=EXISTING_FILE, required=False)
@click.option(
    "--token",
    default=None,
    help="a checkpoint token (a CSV download's X-Checkpoint header) instead of a file",
)
@_PUBLIC_KEY
@with_appcontext
def verify_statement(file: Path | None, token: str | None, public_key_file: Path | None) -> None:
    """Prove that the books statement FILE (PDF, XLSX or JSON) was built from are still the
    fund's books: its checkpoint is signed by the fund's key, and the verified chains still
    extend it. Exit 1 otherwise."""
    if (file is None) == (token is None):
        raise click.UsageError("give a statement FILE or --token, one of them")
    public_key = _public_key(public_key_file)
    try:
        signed = checkpoint_of(file) if file is not None else Checkpoint.from_token(token)
    except CheckpointError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(
        f"{signed.describe()}: journal entry {signed.journal_entries} "
        f"(head {signed.journal_head[:16]}…), audit event {signed.audit_events}, "
        f"signed by key {signed.key_id}"
    )
    session = db.session()
    require_initialised(session)
    result = verify_books(session, OPERATOR, checkpoints=[signed], public_key=public_key)
    _report(result)
    if result.ok:
        click.echo("the fund's books still extend the books this statement was built from")
    sys.exit(0 if result.ok else 1)
