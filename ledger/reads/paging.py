"""One way to cut a list into pages: ``page``/``per_page`` in, ``items``/``total`` out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ledger.errors import Invalid

T = TypeVar("T")
P = TypeVar("P", bound="Page")
MAX_PER_PAGE = 500


@dataclass(frozen=True)
class PageRequest:
    page: int = 1
    per_page: int = 50

    def __post_init__(self) -> None:
        if not isinstance(self.page, int) or not 1 <= self.page <= 1_000_000:
            raise Invalid.field("page", "must be a whole number from 1 to 1000000")
        if not isinstance(self.per_page, int) or not 1 <= self.per_page <= MAX_PER_PAGE:
            raise Invalid.field("per_page", f"must be a whole number from 1 to {MAX_PER_PAGE}")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def paginate(
    session: Session,
    query: Select,
    request: PageRequest,
    to_rows: Callable[[Sequence], list[T]],
) -> Page[T]:
    """Count ``query``, fetch one page of it, and turn that page into rows in one go.

    ``to_rows`` gets the whole page (so it can look up what every row needs
    in one query, never one per row).
    """
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = session.execute(query.offset(request.offset).limit(request.per_page)).all()
    return Page(to_rows(page), total, request.page, request.per_page)


def extended(page_type: type[P], found: Page, **extra: object) -> P:
    """``found`` as a ``page_type``: a :class:`Page` that carries more (its totals, say),
    given by ``extra``, beside the rows and the counts of the page it extends."""
    return page_type(found.items, found.total, found.page, found.per_page, **extra)


def page_of_list(items: Sequence[T], request: PageRequest) -> Page[T]:
    """A page of a list computed in memory (the months of the books, say)."""
    chunk = list(items[request.offset : request.offset + request.per_page])
    return Page(chunk, len(items), request.page, request.per_page)


def ordering(sort: str | None, columns: dict, default: str) -> list:
    """ORDER BY clauses for ``sort`` (a key of ``columns``, ``-`` in front for descending).

    Each value of ``columns`` is a column or a tuple of columns (ties broken by
    the later ones), so that a page never depends on the database's whim.
    """
    key = sort or default
    descending = key.startswith("-")
    name = key.removeprefix("-")
    if name not in columns:
        choices = ", ".join(f"{k}, -{k}" for k in columns)
        raise Invalid.field("sort", f"must be one of {choices}")
    chosen = columns[name] if isinstance(columns[name], tuple) else (columns[name],)
    return [column.desc() if descending else column.asc() for column in chosen]
