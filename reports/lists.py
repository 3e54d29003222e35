"""A list of the web pages as a statement: the same rows, filters and totals, to download.

A table's CSV, XLSX or PDF holds exactly the rows its filters select (every
page of them) and totals over those rows, stamped like every statement with
the fund, the time, who asked and the journal head it was read at.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlalchemy.orm import Session

from ledger.access import Actor
from ledger.reads.paging import MAX_PER_PAGE, PageRequest
from reports.context import ReportRequest, make_meta
from reports.statement import Column, Statement


def every_row(read: Callable[[PageRequest], object]) -> Iterator:
    """Every item of a paginated read function, page after page."""
    number = 1
    while True:
        page = read(PageRequest(number, MAX_PER_PAGE))
        yield from page.items
        if not page.has_next:
            return
        number += 1


def list_statement(
    session: Session,
    actor: Actor,
    *,
    slug: str,
    title: str,
    columns: list[Column],
    rows: list[dict],
    filters: str,
    totals: dict | None = None,
) -> Statement:
    """The statement of a filtered list (``filters`` says, for people, what was selected)."""
    meta = make_meta(session, ReportRequest(actor=actor), point_in_time=True)
    return Statement(
        slug=slug,
        title=title,
        subtitle=filters or None,
        meta=meta,
        columns=columns,
        rows=rows,
        row_count=len(rows),
        totals=totals,
    )
