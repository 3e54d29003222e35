"""The PostgreSQL role the application connects as: least privilege (SPEC §2, issue 10).

The schema's owner runs the migrations and owns every table, trigger and
function. The application connects as another role, which:

- may SELECT and INSERT on the append-only tables (the journal, its postings,
  the closed periods and the audit log), and nothing else there: no UPDATE,
  DELETE or TRUNCATE, so the database refuses an edit even with the triggers
  gone;
- may SELECT, INSERT and UPDATE the registers, balances and head row (the
  services move their state), never DELETE (no service deletes anything);
- may only read ``alembic_version``, and use (not reset) the sequences;
- owns nothing and is no superuser: ``ALTER TABLE … DISABLE TRIGGER`` needs
  ownership and ``SET session_replication_role`` needs superuser, so it can
  switch no guard off.

:func:`configure_app_role` creates the role or brings an existing one back to
exactly these grants (every grant is revoked and given again in one
transaction). The append-only tables are the ones the migrations guard with
``fundledger_refuse_change`` triggers, plus :data:`APPEND_ONLY` in case a
trigger was dropped: the grants can only be stricter than the triggers.

A password is sent as a SCRAM verifier computed by libpq on this side, so the
clear text never reaches the server (nor its statement log).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from ledger.errors import Conflict, Invalid
from ledger.models import Base

#: Tables whose rows are never changed nor removed once written.
APPEND_ONLY = frozenset({"journal_entries", "postings", "periods", "audit_events"})
#: Read by nobody but the migrations; the application may look, never write.
READ_ONLY = frozenset({"alembic_version"})
_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


@dataclass
class RoleGrants:
    """What :func:`configure_app_role` did."""

    name: str
    created: bool
    password_set: bool
    append_only: list[str] = field(default_factory=list)
    read_write: list[str] = field(default_factory=list)
    read_only: list[str] = field(default_factory=list)
    sequences: int = 0


def configure_app_role(
    connection: Connection, name: str, *, password: str | None = None
) -> RoleGrants:
    """Create role ``name`` (LOGIN) or update it; grant exactly what the application needs.

    Runs in the caller's transaction, as the schema's owner (or a superuser);
    refuses a role that owns tables, is a superuser or a member of their owner.
    """
    if connection.dialect.name != "postgresql":
        raise Invalid.field(
            "app_role", "an application role exists only on PostgreSQL (SQLite has no roles)"
        )
    if not _NAME.fullmatch(name):
        raise Invalid.field(
            "app_role",
            "a role name is 1-63 lower-case letters, digits and underscores, "
            "not starting with a digit",
        )
    schema = connection.scalar(text("SELECT current_schema()"))
    tables = _tables(connection, schema)
    _require_owner(connection, tables)
    created = not connection.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name})
    if not created:
        _refuse_privileged(connection, name, schema)
    # Naming SUPERUSER, REPLICATION or BYPASSRLS at all in ALTER ROLE takes a superuser:
    # an existing role has been checked to have none of them instead.
    attributes = "LOGIN NOCREATEDB NOCREATEROLE"
    if created:
        attributes += " NOSUPERUSER NOREPLICATION NOBYPASSRLS"
    if password is not None:
        attributes += f" PASSWORD '{_verifier(connection, name, password)}'"
    verb = "CREATE" if created else "ALTER"
    try:
        connection.exec_driver_sql(f'{verb} ROLE "{name}" WITH {attributes}')
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) != "42501":  # insufficient_privilege
            raise
        raise Conflict(
            f"the schema's owner may not {verb.lower()} role {name}: give it CREATEROLE "
            "(as a superuser: ALTER ROLE <owner> CREATEROLE), or run this as a superuser"
        ) from None

    quote = connection.dialect.identifier_preparer.quote_identifier  # doubles any '"'
    role, where = quote(name), quote(schema)
    database = connection.scalar(text("SELECT current_database()"))
    connection.exec_driver_sql(f"GRANT CONNECT ON DATABASE {quote(database)} TO {role}")
    connection.exec_driver_sql(f"GRANT USAGE ON SCHEMA {where} TO {role}")
    # A role that could create objects here could shadow the fund's tables.
    connection.exec_driver_sql(f"REVOKE CREATE ON SCHEMA {where} FROM {role}")
    connection.exec_driver_sql(f"REVOKE ALL ON ALL TABLES IN SCHEMA {where} FROM {role}")
    connection.exec_driver_sql(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {where} FROM {role}")

    grants = RoleGrants(name=name, created=created, password_set=password is not None)
    guarded = APPEND_ONLY | _guarded_tables(connection, schema)
    for table in sorted(tables):
        if table in READ_ONLY:
            privileges, kept = "SELECT", grants.read_only
        elif table in guarded:
            privileges, kept = "SELECT, INSERT", grants.append_only
        elif table in Base.metadata.tables:
            privileges, kept = "SELECT, INSERT, UPDATE", grants.read_write
        else:
            continue  # not the fund's: none of the application's business
        connection.exec_driver_sql(f"GRANT {privileges} ON {where}.{quote(table)} TO {role}")
        kept.append(table)
    for sequence in connection.scalars(
        text("SELECT sequencename FROM pg_sequences WHERE schemaname = :s ORDER BY 1"),
        {"s": schema},
    ):
        # USAGE lets INSERT draw the next number; setval (UPDATE) would let it reuse one.
        qualified = f"{where}.{quote(sequence)}"
        connection.exec_driver_sql(f"GRANT USAGE, SELECT ON SEQUENCE {qualified} TO {role}")
        grants.sequences += 1
    return grants


def app_roles(connection: Connection) -> list[str]:
    """The roles other than the owner that may post to the journal: the app roles to
    keep on the same grants when a migration adds a table. Empty on SQLite."""
    if connection.dialect.name != "postgresql":
        return []
    return list(
        connection.scalars(
            text(
                "SELECT DISTINCT r.rolname FROM pg_class c "
                "CROSS JOIN LATERAL aclexplode(c.relacl) a "
                "JOIN pg_roles r ON r.oid = a.grantee "
                "WHERE c.oid = to_regclass('journal_entries') AND a.privilege_type = 'INSERT' "
                "AND a.grantee <> c.relowner AND NOT r.rolsuper ORDER BY 1"
            )
        )
    )


def reapply_app_roles(connection: Connection, *, except_for: str | None = None) -> list[RoleGrants]:
    """Give every existing app role its grants again (a migration may have added a table).

    Nothing when the connected role is not the tables' owner (or a superuser): an app
    role running ``init`` on a current schema changes no grants.
    """
    if connection.dialect.name != "postgresql" or not _may_grant(connection):
        return []
    return [
        configure_app_role(connection, name) for name in app_roles(connection) if name != except_for
    ]


def lacks_app_role(connection: Connection) -> bool:
    """True on PostgreSQL when the tables' owner runs and no app role exists yet: the
    application would then connect as the owner, who can switch every guard off."""
    if connection.dialect.name != "postgresql":
        return False
    return _may_grant(connection) and not app_roles(connection)


def _may_grant(connection: Connection) -> bool:
    return bool(
        connection.scalar(
            text(
                "SELECT r.rolsuper OR c.relowner = r.oid FROM pg_roles r, pg_class c "
                "WHERE r.rolname = current_user AND c.oid = to_regclass('journal_entries')"
            )
        )
    )


def _tables(connection: Connection, schema: str) -> dict[str, str]:
    """The schema's tables and their owners."""
    rows = connection.execute(
        text("SELECT tablename, tableowner FROM pg_tables WHERE schemaname = :s"), {"s": schema}
    )
    return dict(rows.all())


def _guarded_tables(connection: Connection, schema: str) -> set[str]:
    """Tables with a trigger refusing UPDATE, DELETE or TRUNCATE (the migrations' guards)."""
    return set(
        connection.scalars(
            text(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "JOIN pg_proc p ON p.oid = t.tgfoid "
                "WHERE n.nspname = :s AND p.proname = 'fundledger_refuse_change' "
                "AND NOT t.tgisinternal"
            ),
            {"s": schema},
        )
    )


def _require_owner(connection: Connection, tables: dict[str, str]) -> None:
    if "journal_entries" not in tables:
        raise Conflict("the database is not initialised: run `fundledger init`")
    me = connection.execute(
        text("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
    ).one()
    if not me.rolsuper and tables["journal_entries"] != me.current_user:
        raise Conflict(
            f"{me.current_user} does not own the fund's tables: run `fundledger init "
            "--app-role` connected as their owner"
        )


def _refuse_privileged(connection: Connection, name: str, schema: str) -> None:
    """An existing role must not be able to undo its own restrictions: refuse one that is,
    or may become (``SET ROLE``), a superuser, a REPLICATION or BYPASSRLS role, the owner
    of a table here or of the database, or a member of ``pg_write_all_data``."""
    if connection.scalar(text("SELECT :n = current_user"), {"n": name}):
        raise Invalid.field(
            "app_role", f"{name} is the role running init (the owner): give the app another role"
        )
    powerful = connection.scalars(
        text(
            "SELECT r.rolname FROM pg_roles r WHERE pg_has_role(:n, r.oid, 'MEMBER') AND ("
            "r.rolsuper OR r.rolreplication OR r.rolbypassrls OR r.rolname = 'pg_write_all_data' "
            "OR r.oid = (SELECT datdba FROM pg_database WHERE datname = current_database()) "
            "OR EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace "
            "WHERE s.nspname = :s AND c.relowner = r.oid)) ORDER BY 1"
        ),
        {"n": name, "s": schema},
    ).all()
    if powerful:
        who = f"{name} is" if name in powerful else f"{name} may act as {', '.join(powerful)},"
        raise Invalid.field(
            "app_role",
            f"{who} a superuser, a replication or row-security-bypassing role, an owner of "
            "the fund's database or tables, or a writer of all data: give the app a role "
            "that owns nothing",
        )


def _verifier(connection: Connection, name: str, password: str) -> str:
    """The password as the server stores it (SCRAM-SHA-256 or md5), computed here."""
    if not password:
        raise Invalid.field("app_role_password", "the password is empty")
    algorithm = connection.scalar(text("SHOW password_encryption"))
    pgconn = connection.connection.dbapi_connection.pgconn
    verifier = pgconn.encrypt_password(
        password.encode("utf-8"), name.encode("utf-8"), algorithm.encode("ascii")
    ).decode("ascii")
    if "'" in verifier or "%" in verifier:  # never for SCRAM nor md5; refuse rather than quote
        raise Invalid.field("app_role_password", "the server's password encryption is unknown")
    return verifier
