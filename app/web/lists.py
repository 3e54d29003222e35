"""A list page: filters from the query string, a page of rows, or every row as a download.

A list view hands :func:`show_list` its filter form, its read function and how
a row reads in a file; the download (``?format=csv|xlsx|pdf`` on the same
URL) then holds exactly the rows the filters select, with totals over them.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import request

from app import db
from app.web.downloads import TABLE_FORMATS, download
from app.web.forms import FilterForm
from app.web.pages import page_request, render
from app.web.sessions import current_actor
from ledger.reads.paging import Page, PageRequest
from reports.lists import every_row, list_statement
from reports.statement import Column


def chosen(filters: FilterForm) -> dict:
    """The filters set (empty ones left out), and the sort order asked for."""
    values = {f.name: f.data for f in filters if f.data not in (None, "", [])}
    if request.args.get("sort"):
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
    filters: FilterForm,
    read: Callable[[PageRequest, dict], Page],
    *,
    slug: str,
    title: str,
    columns: list[Column],
    row: Callable[[object], dict] | None,
    totals: Callable[[list[dict]], dict] | None = None,
    per_page: int = 25,
    rows_of: Callable[[object], list[dict]] | None = None,
    **context,
):
    """The list's page, or with ``?format=`` every row it selects as a file.

    ``rows_of`` (instead of ``row``) makes several rows of the file from one item
    of the list: a journal entry is its postings.
    """
    if not filters.validate():
        return render(template, form=filters, page=None, **context)
    values = chosen(filters)
    fmt = request.args.get("format")
    if fmt in TABLE_FORMATS:
        items = every_row(lambda page: read(page, values))
        if rows_of is not None:
            rows = [line for item in items for line in rows_of(item)]
        else:
            rows = [row(item) for item in items]
        statement = list_statement(
            db.session(),
            current_actor(),
            slug=slug,
            title=title,
            columns=columns,
            rows=rows,
            filters=described(filters),
            totals=totals(rows) if totals else None,
        )
        return download(statement, fmt)
    return render(template, form=filters, page=read(page_request(per_page), values), **context)
