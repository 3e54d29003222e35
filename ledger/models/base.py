"""Declarative base shared by every table.

The naming convention makes constraint names deterministic, so Alembic's
autogenerate sees named CHECKs and the drift test compares like with like.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Naive UTC now, to the microsecond: both engines store and return it unchanged.

    A callable (never ``datetime.now()`` evaluated at import) so each row gets its own time.
    """
    return datetime.now(UTC).replace(tzinfo=None)


def summed(column):
    """``SUM(column)`` as a 64-bit integer, 0 when there are no rows.

    PostgreSQL's SUM over BIGINT is NUMERIC, which psycopg hands back as a
    Decimal; amounts must stay ints, so the cast happens in SQL on both engines.
    """
    from sqlalchemy import BigInteger, cast, func

    return cast(func.coalesce(func.sum(column), 0), BigInteger)
