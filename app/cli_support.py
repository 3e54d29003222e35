"""What every ``fundledger`` command shares: who it acts as, and how it refuses."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps

import click

from ledger.access import Actor
from ledger.errors import LedgerError
from ledger.models import Fund

#: Who the command line acts as: the operator, with an administrator's rights.
OPERATOR = Actor.system()


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
