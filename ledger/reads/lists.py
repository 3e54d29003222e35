"""What every list read is made of besides its page (:mod:`ledger.reads.paging`): filters that
narrow its query, and rows copied from its records.

A filter is given or left out. Left out is ``None``, or an empty string (a
form's empty field): such a filter narrows nothing, the same way for every
list and every door.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import date
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import Session

R = TypeVar("R")


def given(value: object) -> bool:
    """Whether a filter was given at all (``0`` and ``False`` are given; ``""`` is not)."""
    return value is not None and value != ""


def filtered(query: Select, *filters: tuple[Any, object]) -> Select:
    """``query`` narrowed to ``column == value`` for each given ``(column, value)``."""
    for column, value in filters:
        if given(value):
            query = query.where(column == value)
    return query


def dated(query: Select, column, date_from: date | None, date_to: date | None) -> Select:
    """``query`` narrowed to ``date_from <= column <= date_to``; an end left out is open."""
    if date_from is not None:
        query = query.where(column >= date_from)
    if date_to is not None:
        query = query.where(column <= date_to)
    return query


def row_of(row_type: type[R], record: object, **derived: object) -> R:
    """A ``row_type`` (a dataclass) of ``record``: each field the ``derived`` values do not
    give is the record's attribute of the same name.

    So a row spells out only what it computes (money from minor units and a
    currency, a joined name, a count); what it shows as stored, it takes by name.
    """
    copied = {name: getattr(record, name) for name in _field_names(row_type) if name not in derived}
    return row_type(**copied, **derived)


def one_row(session: Session, query: Select, to_rows: Callable[[Session, Sequence], list[R]]) -> R:
    """The record ``query`` finds, as its list shows it (``to_rows`` builds a page's rows)."""
    return to_rows(session, [session.execute(query).one()])[0]


@cache
def _field_names(row_type: type) -> tuple[str, ...]:
    return tuple(field.name for field in fields(row_type))
