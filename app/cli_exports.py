"""``fundledger export-journal``: the journal for auditors' own tools (hledger, Beancount)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("export-journal")
@with_appcontext
def export_journal() -> None:
    """Write the journal in Ledger/hledger or Beancount format (not yet implemented)."""
    raise click.ClickException("export-journal is not implemented yet")
