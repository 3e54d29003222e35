"""What every ``fundledger`` command shares: who it acts as, how it refuses, and the
kinds of argument several commands take."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path

import click

from ledger.access import Actor
from ledger.errors import LedgerError
from ledger.models import Fund

#: Who the command line acts as: the operator, with an administrator's rights.
OPERATOR = Actor.system()

#: A file the command reads: it must exist and not be a folder.
EXISTING_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
#: A file the command writes.
OUTPUT_FILE = click.Path(dir_okay=False, path_type=Path)
#: A day written ``YYYY-MM-DD``.
DAY = click.DateTime(formats=["%Y-%m-%d"])


def require_initialised(session) -> None:
    """A clear word instead of a traceback when the schema or the fund is missing."""
    from sqlalchemy import inspect

    if not inspect(session.connection()).has_table("fund") or session.get(Fund, 1) is None:
        session.rollback()
        click.echo("error: the database is not initialised: run `fundledger init`", err=True)
        sys.exit(1)


def refusals_exit(command: Callable) -> Callable:
    """Turn a domain refusal into a message on stderr and exit status 1."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except LedgerError as exc:
            click.echo(f"error: {exc.detail}", err=True)
            sys.exit(1)

    return wrapper
