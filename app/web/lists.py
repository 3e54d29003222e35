"""A list page: filters from the query string, a page of rows, or every row as a download.

A list view hands :func:`show_list` its filter form's class, the core's read
function and its :class:`ListFile` (how the list reads as a file); the
download (``?format=csv|xlsx|pdf`` on the same URL) then holds exactly the
rows the filters select, with totals over them. Where a statement lists the
same things, the list takes its columns from the statement (:func:`columns_of`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import request

from app import db
from app.web.downloads import TABLE_FORMATS, download
from app.web.forms import FilterForm
from app.web.pages import page_request, render
from app.web.sessions import current_actor
from ledger.reads.paging import Page, PageRequest
from reports.lists import every_row, list_statement
from reports.statement import Column


@dataclass(frozen=True)
class ListFile:
    """How a list reads as a file: its name and title, its columns, and its rows."""

    slug: str
    title: str
    columns: list[Column]
    #: The file's row of one item of the list.
    row: Callable[[object], dict] | None = None
    #: The totals over the file's rows (none when None).
    totals: Callable[[list[dict]], dict] | None = None
    #: Instead of ``row``: several rows of the file from one item (an entry's postings).
    rows_of: Callable[[object], list[dict]] | None = None

    def rows(self, items) -> list[dict]:
        if self.rows_of is not None:
            return [line for item in items for line in self.rows_of(item)]
        return [self.row(item) for item in items]


def columns_of(columns: list[Column], *keys: str) -> list[Column]:
    """The columns of a statement that a list shows too, in the list's order: each column is
    defined once, where the statement is, and a list and its statement never drift apart."""
    by_key = {column.key: column for column in columns}
    return [by_key[key] for key in keys]


def chosen(filters: FilterForm) -> dict:
    """The filters set (empty ones left out), and the sort order asked for (where the list's
    read function takes one)."""
    values = {f.name: f.data for f in filters if f.data not in (None, "", [])}
    if filters.sortable and request.args.get("sort"):
        values["sort"] = request.args["sort"]
    return values


def described(filters: FilterForm) -> str:
    """The filters in words, for the file's subtitle ("Status: Paid, Case: CR-2026-014")."""
    parts = []
    for f in filters:
        if f.data in (None, "", []):
            continue
        # A choice is a SelectChoice, which unpacks as (value, label, render_kw, optgroup).
        labels = {value: text for value, text, *_ in getattr(f, "choices", None) or []}
        shown = labels.get(f.data, f.data)
        parts.append(f"{f.label.text}: {shown}")
    return ", ".join(parts)


def show_list(
    template: str,
    filters: type[FilterForm],
    read: Callable[..., Page],
    listed: ListFile,
    *,
    per_page: int = 25,
    **context,
):
    """The list's page, or with ``?format=`` every row it selects as a file.

    ``filters`` is read from the query string, with the choices it offers from the books
    (:meth:`~app.web.forms.FilterForm.offer`); ``read`` is the core's read function, called
    as ``read(session, actor, page, **filters)``. ``context`` goes to the template.
    """
    session, actor = db.session(), current_actor()
    form = filters(request.args)
    form.offer(session, actor)
    if not form.validate():
        return render(template, form=form, page=None, **context)
    values = chosen(form)

    def page_of(page: PageRequest) -> Page:
        return read(session, actor, page, **values)

    fmt = request.args.get("format")
    if fmt in TABLE_FORMATS:
        rows = listed.rows(every_row(page_of))
        statement = list_statement(
            session,
            actor,
            slug=listed.slug,
            title=listed.title,
            columns=listed.columns,
            rows=rows,
            filters=described(form),
            totals=listed.totals(rows) if listed.totals else None,
        )
        return download(statement, fmt)
    return render(template, form=form, page=page_of(page_request(per_page)), **context)
