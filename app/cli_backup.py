"""``fundledger backup -o FILE`` and ``fundledger restore FILE`` (SPEC §7).

Both work on ``FUNDLEDGER_DATABASE_URL``. The backup is signed (a checkpoint of
what the file holds, in the checkpoint log and in ``FILE.checkpoint``); the
restore goes into an empty database and exits 1 unless the restored books verify
and end exactly where that checkpoint says.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app import db
from app.backup import BackupError, backup, checkpoint_path, restore
from app.checkpoints import checkpointer
from app.cli_support import EXISTING_FILE, OPERATOR, OUTPUT_FILE, require_initialised
from ledger.checkpoint_log import read_checkpoints
from ledger.verify import verify_books


@click.command("backup")
@click.option("-o", "--output", type=OUTPUT_FILE, required=True)
@with_appcontext
def backup_command(output: Path) -> None:
    """Copy the database to FILE (SQLite's online backup; pg_dump -Fc on PostgreSQL) while
    the fund keeps working, and sign a checkpoint of exactly what the copy holds."""
    require_initialised(db.session())
    db.session().rollback()
    try:
        made = backup(current_app.config["DATABASE_URL"], output, checkpointer())
    except (BackupError, OSError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    signed = made.checkpoint
    click.echo(f"backup written to {made.path}")
    click.echo(
        f"it holds {signed.journal_entries} journal entries (head {signed.journal_head}) and "
        f"{signed.audit_events} audit events; checkpoint in {checkpoint_path(made.path)}"
    )


@click.command("restore")
@click.argument("file", type=EXISTING_FILE)
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=EXISTING_FILE,
    default=None,
    help="the backup's checkpoint (default: FILE.checkpoint)",
)
@with_appcontext
def restore_command(file: Path, checkpoint_file: Path | None) -> None:
    """Restore backup FILE into the empty database FUNDLEDGER_DATABASE_URL, then verify it
    against the backup's checkpoint: the whole check, and the same heads."""
    source = checkpoint_file or checkpoint_path(file)
    if not source.exists():
        click.echo(f"error: {source} is missing: give the backup's checkpoint", err=True)
        sys.exit(1)
    found, unreadable = read_checkpoints(source)
    if unreadable or len(found) != 1:
        click.echo(f"error: {source} does not hold one checkpoint: {unreadable}", err=True)
        sys.exit(1)
    expected = found[0]
    try:
        heads = restore(file, current_app.config["DATABASE_URL"])
    except (BackupError, OSError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"restored {file} ({heads.journal_entries} journal entries)")
    result = verify_books(db.session(), OPERATOR, checkpoints=[expected])
    if heads != expected.heads:
        result.problems.append(
            f"the restored books end at journal entry {heads.journal_entries} "
            f"(head {heads.journal_head[:16]}…) and audit event {heads.audit_events}, "
            f"but the backup's {expected.describe()} says entry {expected.journal_entries} "
            f"(head {expected.journal_head[:16]}…) and event {expected.audit_events}"
        )
    for problem in result.problems:
        click.echo(f"PROBLEM {problem}")
    if result.problems:
        click.echo("FAILED: the restored database is not the backed-up books")
        sys.exit(1)
    click.echo(f"OK: verified, head {heads.journal_head}, the same as the backup's checkpoint")
    if current_app.config["DATABASE_URL"].startswith("postgresql"):
        click.echo("The app role's grants are not in a backup: fundledger init --app-role NAME")
