"""The shared ways a check compares a row and states what it found.

A finding names the record and the entry or audit event, never personal data
nor free text: amounts, days, numbers, codes and field names only.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.audit import _plain
from ledger.verify_registers.books import Books, Entry, loads


def rows(session: Session, model) -> Iterable:
    """Every row of a register table, in key order, streamed as plain rows."""
    table = model.__table__
    key = next(iter(table.primary_key.columns))
    return session.execute(select(table).order_by(key))


def numbers(entries: Iterable) -> str:
    """Entry numbers (or entries) as a finding names them: ``entries 3, 7``."""
    found = sorted(e if isinstance(e, int) else e.number for e in entries)
    if not found:
        return "no entries"
    word = "entry" if len(found) == 1 else "entries"
    return f"{word} {', '.join(map(str, found))}"


def compare_snapshot(books: Books, what: str, subject, row, fields, skip=frozenset()) -> list[str]:
    """The row's fields against the ``after`` of the last audit event on it."""
    last = books.last.get(subject)
    if last is None:
        return [f"{what}: no audit event records it (deleted from the audit log?)"]
    event_id, action, after = last
    recorded = loads(after)
    problems = []
    for name in fields:
        if name in skip or name not in recorded:
            continue
        if _plain(getattr(row, name)) != recorded[name]:
            problems.append(
                f"{what}: {name} differs from what audit event {event_id} ({action}) recorded"
            )
    return problems


def first_actor(books: Books, what: str, subject, column: str, value) -> list[str]:
    """The row's creator column against the actor of the first audit event on it."""
    first = books.first.get(subject)
    if first is not None and first[1] != value:
        return [f"{what}: {column} is not who took its first step (audit event {first[0]})"]
    return []


def dated(what: str, label: str, day, entry: Entry, its: str) -> list[str]:
    """The row's day of a step against the value date of the entry that step posted."""
    if entry.value_date != day:
        return [f"{what}: {label} {day} but {its} {entry.number} is dated {entry.value_date}"]
    return []


def set_in_states(what: str, state: str, row, fields: dict[str, tuple[str, ...]]) -> list[str]:
    """Each field a step fills is set exactly in the states that step leads to."""
    problems = []
    for name, states in fields.items():
        value = getattr(row, name)
        if (value is not None) != (state in states):
            problems.append(f"{what}: {state} but {name} is {value or 'empty'}")
    return problems
