"""``fundledger export-journal``: the journal for auditors' own tools (hledger, Beancount)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from app import db
from app.cli_support import DAY
from ledger.access import Actor
from ledger.errors import LedgerError
from reports.journal_export import FORMATS
from reports.journal_export import export_journal as export_text


@click.command("export-journal")
@click.option(
    "--format",
    "fmt",
    required=True,
    type=click.Choice(list(FORMATS)),
    help="ledger: hledger/Ledger journal; beancount: Beancount ledger",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    help="file to write (written as FILE.partial, renamed when complete)",
)
@click.option(
    "--from",
    "date_from",
    type=DAY,
    default=None,
    help="first value date (opening balances before it)",
)
@click.option("--to", "date_to", type=DAY, default=None, help="last value date")
@with_appcontext
def export_journal(fmt: str, output: Path, date_from, date_to) -> None:
    """Write the journal in Ledger/hledger or Beancount format, so auditors can recompute
    every balance with their own tools (``hledger -f FILE balance``, ``bean-check FILE``).

    Amounts are in the functional currency; the file ends with balance assertions
    taken from the fund's trial balance, which those tools check.
    """
    session = db.report_session()
    partial = output.with_name(output.name + ".partial")
    try:
        pieces = export_text(
            session,
            Actor.system(),
            fmt,
            date_from=date_from.date() if date_from else None,
            date_to=date_to.date() if date_to else None,
        )
        with partial.open("w", encoding="utf-8", newline="\n") as out:
            for piece in pieces:
                out.write(piece)
        partial.replace(output)  # never leave half a journal under the real name
    except LedgerError as exc:
        click.echo(f"error: {exc.detail}", err=True)
        sys.exit(1)
    except OSError as exc:
        click.echo(f"error: cannot write {output}: {exc.strerror or exc}", err=True)
        sys.exit(1)
    finally:
        partial.unlink(missing_ok=True)
        session.close()
    click.echo(f"journal written to {output} ({fmt} format)")
