"""``fundledger import awards|receipts|expenses FILE``: spreadsheets through the same services.

All or nothing: every row is checked and every problem printed (row, column,
message); one bad row and nothing of the file is kept.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from app import db
from app.cli_support import EXISTING_FILE
from ledger.access import Actor
from ledger.errors import LedgerError, NotFound
from ledger.imports import LAYOUTS, read_table, run_import
from ledger.models import User


@click.command("import")
@click.argument("kind", type=click.Choice(sorted(LAYOUTS)))
@click.argument("file", type=EXISTING_FILE)
@click.option(
    "--by",
    default=None,
    help="the user the records are by (a court's awards are then its own); default: the operator",
)
@with_appcontext
def import_group(kind: str, file: Path, by: str | None) -> None:
    """Import KIND (awards, receipts or expenses) from a CSV or XLSX FILE."""
    session = db.session()
    try:
        frame = read_table(file.read_bytes(), file.name)
        result = run_import(session, kind, frame, actor=_actor(session, by))
    except LedgerError as exc:
        session.rollback()
        click.echo(f"error: {exc.detail}", err=True)
        sys.exit(1)
    if not result.ok:
        session.rollback()
        click.echo(f"{file.name}: nothing imported; {len(result.problems)} problem(s):", err=True)
        for problem in result.problems:
            click.echo(f"  row {problem.row}, {problem.column or '-'}: {problem.message}", err=True)
        sys.exit(1)
    db.commit()
    click.echo(f"{len(result.ids)} {kind} imported from {file.name}")


def _actor(session, name: str | None) -> Actor:
    if name is None:
        return Actor.system()
    user = session.scalar(select(User).where(User.name == name, User.active.is_(True)))
    if user is None:
        raise NotFound(f"user {name} does not exist")
    return Actor.of(user)
