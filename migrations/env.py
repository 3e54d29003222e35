"""Alembic environment: one chain of migrations for SQLite and PostgreSQL.

The engine comes from ``config.attributes["engine"]`` (set by
:func:`migrations.upgrade`) or, for the ``alembic`` command line, from
``FUNDLEDGER_DATABASE_URL``.
"""

from __future__ import annotations

import os

from alembic import context

from ledger.database import make_engine
from ledger.models import Base

target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = context.config.attributes.get("engine")
    if engine is None:
        engine = make_engine(
            os.environ.get("FUNDLEDGER_DATABASE_URL", "sqlite:///instance/fundledger.db")
        )
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
