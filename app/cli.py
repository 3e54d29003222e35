"""The ``fundledger`` command: a Flask CLI group.

Every command runs one ledger step in one transaction and commits it, or
prints the refusal and exits non-zero without writing anything.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from app import db
from app.cli_backup import backup_command, restore_command
from app.cli_exports import export_journal
from app.cli_imports import import_group
from app.cli_integrity import checkpoint, verify, verify_statement
from app.cli_support import DAY, EXISTING_FILE, OPERATOR, OUTPUT_FILE, refusals_exit
from ledger.access import ROLES, Actor
from ledger.chart import seed_chart
from ledger.fund import initialise_fund
from ledger.fx import import_ecb_csv
from ledger.sign_in import create_setup_link
from ledger.users import ROLES_HELP, create_token, create_user


def main() -> None:
    from app import create_app

    FlaskGroup(create_app=lambda: create_app(), help="fundledger: the fund's books.")(
        prog_name="fundledger"
    )


def init_app(app: Flask) -> None:
    for command in (
        init,
        create_user_command,
        create_token_command,
        verify,
        checkpoint,
        verify_statement,
        backup_command,
        restore_command,
        import_rates,
        demo,
        rotate_pii_key,
        report,
        export_journal,
        import_group,
    ):
        app.cli.add_command(command)


@click.command("init")
@click.option(
    "--app-role",
    metavar="NAME",
    default=None,
    help="PostgreSQL: create or update the LOGIN role the application connects as "
    "(may only read and append to the journal and audit log; docs/operations.md).",
)
@click.option(
    "--app-role-password-stdin",
    is_flag=True,
    help="Read the app role's password from stdin (prompted twice on a terminal).",
)
@with_appcontext
@refusals_exit
def init(app_role: str | None, app_role_password_stdin: bool) -> None:
    """Create or upgrade the schema and seed the fund and its accounts (idempotent).

    Run it as the schema's owner. With --app-role, it also gives the application's
    own role exactly its grants; later runs keep every such role's grants up to date.
    """
    from sqlalchemy.exc import DBAPIError

    from ledger.database_roles import configure_app_role, lacks_app_role, reapply_app_roles
    from migrations import current_revision, upgrade

    engine = db.engine()
    if (app_role or app_role_password_stdin) and engine.dialect.name != "postgresql":
        click.echo(
            "error: --app-role needs PostgreSQL: SQLite has no roles (protect the database "
            "file with the file system's permissions instead)",
            err=True,
        )
        sys.exit(1)
    if app_role_password_stdin and not app_role:
        raise click.UsageError("--app-role-password-stdin needs --app-role NAME")
    password = None
    if app_role_password_stdin and sys.stdin.isatty():
        password = click.prompt("App role's password", hide_input=True, confirmation_prompt=True)
    elif app_role_password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    before = current_revision(engine)
    try:
        upgrade(engine)
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) != "42501":  # insufficient_privilege
            raise
        click.echo(
            f"error: {engine.url.username or 'this user'} may not change the schema: run "
            "`fundledger init` with FUNDLEDGER_DATABASE_URL set to the owner's URL",
            err=True,
        )
        sys.exit(1)
    after = current_revision(engine)
    session = db.session()
    config = current_app.config
    initialise_fund(
        session, name=config["FUND_NAME"], functional_currency=config["FUNCTIONAL_CURRENCY"]
    )
    added = seed_chart(session, config["FUNCTIONAL_CURRENCY"])
    secret = create_setup_link(session)
    roles = reapply_app_roles(session.connection(), except_for=app_role)
    if app_role:
        roles.append(configure_app_role(session.connection(), app_role, password=password))
    without_app_role = lacks_app_role(session.connection())
    db.commit()
    schema = (
        f"schema upgraded {before or 'empty'} -> {after}"
        if before != after
        else (f"schema at {after}, nothing to upgrade")
    )
    click.echo(
        f"{schema}; {added} account(s) added; functional currency {config['FUNCTIONAL_CURRENCY']}"
    )
    for grants in roles:
        click.echo(
            f"app role {grants.name} {'created' if grants.created else 'updated'}: "
            f"SELECT, INSERT on {', '.join(grants.append_only)}; "
            f"SELECT, INSERT, UPDATE on {len(grants.read_write)} register table(s); "
            f"USAGE on {grants.sequences} sequence(s); no DELETE, TRUNCATE nor ownership"
        )
        if grants.created and not grants.password_set:
            click.echo(
                f"  {grants.name} has no password: set one with --app-role-password-stdin, "
                "or let pg_hba.conf admit it by peer or certificate",
            )
    if without_app_role:
        click.echo(
            "Note: no app role yet, so the application would connect as the schema's owner, "
            "who can switch the database's guards off: create one with `fundledger init "
            "--app-role NAME` (docs/operations.md)."
        )
    if secret is not None:
        click.echo(
            "No user yet. To create the first administrator, open this link within an hour "
            f"(it works once):\n  {config['PUBLIC_URL'].rstrip('/')}/setup/{secret}\n"
            "(or use `fundledger create-user NAME --role administrator`)."
        )


@click.command("create-user")
@with_appcontext
@click.argument("name")
@click.option(
    "--role",
    required=True,
    type=click.Choice(ROLES),
    help=ROLES_HELP,
)
@refusals_exit
def create_user_command(name: str, role: str) -> None:
    """Create a user; the password is read from stdin, or prompted twice on a terminal."""
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    user = create_user(db.session(), OPERATOR, name, role, password)
    db.commit()
    click.echo(f"user {user.name} created with role {user.role}")


@click.command("create-token")
@with_appcontext
@click.argument("name")
@refusals_exit
def create_token_command(name: str) -> None:
    """Print a new API token for user NAME. It is shown once: only its hash is kept."""
    token = create_token(db.session(), OPERATOR, name)
    db.commit()
    click.echo(f"API token for {name} (store it now, it will not be shown again):", err=True)
    click.echo(token)


@click.command("import-rates")
@with_appcontext
@click.argument("file", type=EXISTING_FILE)
@refusals_exit
def import_rates(file: Path) -> None:
    """Import exchange rates from an ECB reference-rate CSV."""
    session = db.session()
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.ClickException(f"{file} is not a UTF-8 text file") from None
    added, changed = import_ecb_csv(session, OPERATOR, text, source=file.name)
    db.commit()
    click.echo(f"{added} rate(s) added, {changed} corrected, from {file.name}")


@click.command("demo")
@with_appcontext
@refusals_exit
def demo() -> None:
    """Fill an empty fund with a realistic demo: cases, assets, victims, awards, payments."""
    from app.pii import cipher
    from ledger.demo import build_demo
    from ledger.validate import today_utc

    summary = build_demo(db.session(), OPERATOR, cipher(), today=today_utc())
    db.commit()
    click.echo(
        f"demo fund built: {summary['entries']} journal entries, {summary['victims']} victims, "
        f"{summary['awards']} awards"
    )
    if summary["passwords"]:
        click.echo("Sign in to the web pages as one of (passwords shown this once):")
        for name, password in summary["passwords"].items():
            click.echo(f"  {name:15} {password}")
    click.echo("An API token for any of them: `fundledger create-token NAME`.")


@click.command("rotate-pii-key")
@with_appcontext
@refusals_exit
def rotate_pii_key() -> None:
    """Re-encrypt victims' personal data under the first key of FUNDLEDGER_PII_KEY."""
    from app.pii import cipher
    from ledger.pii import rotate

    count = rotate(db.session(), OPERATOR, cipher())
    db.commit()
    click.echo(f"{count} victim record(s) re-encrypted under key {cipher().current_key_id}")


@click.command("report")
@click.argument("slug")
@click.option(
    "--format",
    "fmt",
    default="pdf",
    show_default=True,
    type=click.Choice(["pdf", "csv", "xlsx", "json"]),
)
@click.option("--as-of", type=DAY, default=None)
@click.option("--from", "date_from", type=DAY, default=None)
@click.option("--to", "date_to", type=DAY, default=None)
@click.option("--account", default=None, help="account code (general-ledger)")
@click.option("--victim-id", type=click.IntRange(min=1), default=None)
@click.option("--case-id", type=click.IntRange(min=1), default=None)
@click.option("-o", "--output", type=OUTPUT_FILE, required=True)
@click.option("--by", default="cli", show_default=True, help="name printed as 'generated by'")
@with_appcontext
@refusals_exit
def report(slug, fmt, as_of, date_from, date_to, account, victim_id, case_id, output, by):
    """Write statement SLUG (trial-balance, journal, general-ledger, …) to a file."""
    from app.statements import report_request
    from reports.render import render
    from reports.statements import build_statement

    request = report_request(
        Actor.system(by),
        as_of=as_of.date() if as_of else None,
        date_from=date_from.date() if date_from else None,
        date_to=date_to.date() if date_to else None,
        account=account,
        victim_id=victim_id,
        case_id=case_id,
    )
    session = db.report_session()
    partial = output.with_name(output.name + ".partial")
    try:
        statement = build_statement(session, slug, request)
        with partial.open("wb") as out:
            for piece in render(statement, fmt):
                out.write(piece)
        partial.replace(output)  # never leave half a statement under the real name
    finally:
        partial.unlink(missing_ok=True)
        session.close()
    click.echo(f"{statement.title} written to {output}")
    click.echo(f"{statement.meta.status_label}; suggested file name: {statement.filename(fmt)}")
