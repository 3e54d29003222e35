"""Fetching a register row by id, with the right refusal.

A missing id in the URL is 404; a missing id referenced from a request body
(``case_id`` of a new award) is 422 naming that field.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ledger.errors import Invalid, NotFound


def fetch(
    session: Session,
    model,
    record_id: object,
    what: str,
    field: str | None = None,
    *,
    fresh: bool = False,
    options=(),
):
    """The row, or the refusal; ``fresh`` re-reads it (after the books are locked, another
    request may have changed it since this session last saw it); ``options`` are loader
    options (``lazyload`` a relationship the step does not need)."""
    row = None
    if isinstance(record_id, int) and not isinstance(record_id, bool) and 0 < record_id < 2**31:
        row = session.get(model, record_id, populate_existing=fresh, options=list(options))
    if row is None:
        if field is not None:
            raise Invalid.field(field, f"{what} {record_id} does not exist")
        raise NotFound(f"{what} {record_id} does not exist")
    return row
