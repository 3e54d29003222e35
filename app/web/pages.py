"""What every page view does the same way: render, refuse on the form, redirect when done.

- :func:`render`: a page, with status 200 or, when the form has errors, 422
  (and "Error:" before the page title, the error summary at the top).
- :func:`refused`: a refusal of the core shown on the form, status 422.
- :func:`done`: POST-redirect-GET with a success banner naming what was done.
- :func:`submit`: a form whose step is taken at once (no confirmation page), all three.
- :func:`page_request` / :func:`url_with`: the list's page and filters in the
  query string, so a filtered list can be bookmarked.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, flash, redirect, render_template, request, url_for

from app.web.forms import Form, apply_refusal
from ledger.errors import LedgerError
from ledger.reads.paging import MAX_PER_PAGE, PageRequest


def render(template: str, *, form: Form | None = None, status: int | None = None, **context):
    has_errors = form is not None and form.has_errors
    status = status or (422 if has_errors else 200)
    body = render_template(template, form=form, page_has_errors=has_errors, **context)
    return body, status


def refused(template: str, form: Form, exc: LedgerError, aliases: dict | None = None, **context):
    """The form again, with the core's refusal beside the field it names (422)."""
    apply_refusal(form, exc, aliases)
    return render(template, form=form, **context)


def done(message: str, endpoint: str, **values) -> Response:
    """The step is done: a banner saying so on the page it leads to."""
    flash(message, "success")
    return redirect(url_for(endpoint, **values), 303)


def submit(
    template: str,
    form: Form,
    act: Callable[[Form], object],
    finished: Callable[[object], Response | tuple],
    *,
    aliases: dict | None = None,
    **context,
):
    """A form whose step is taken as soon as it is sent (opening a case, adding a rate).

    The form on a GET, and again when it is invalid (422); once valid, ``act`` calls the
    one service with it, and ``finished`` turns what the service made into the response
    (usually :func:`done`). A refusal of the core is shown on the form (:func:`refused`).
    ``context`` goes to the template each time.
    """
    if request.method != "POST" or not form.validate():
        return render(template, form=form, **context)
    try:
        result = act(form)
    except LedgerError as exc:
        return refused(template, form, exc, aliases, **context)
    return finished(result)


def page_request(per_page: int = 25) -> PageRequest:
    """The page asked for in the query string; nonsense there reads as the first page."""

    def number(name: str, default: int, most: int) -> int:
        text = request.args.get(name, "")
        return int(text) if text.isdigit() and 1 <= int(text) <= most else default

    return PageRequest(number("page", 1, 1_000_000), number("per_page", per_page, MAX_PER_PAGE))


def url_with(**changes) -> str:
    """This page's URL with some query arguments changed (None removes one)."""
    args = request.args.to_dict()
    for name, value in changes.items():
        if value is None:
            args.pop(name, None)
        else:
            args[name] = value
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def page_numbers(page) -> list[int | None]:
    """The page links to show: the first, the last, and two either side of this one."""
    shown = sorted(
        {1, page.pages, *range(max(1, page.page - 2), min(page.pages, page.page + 2) + 1)}
    )
    out: list[int | None] = []
    for number in shown:
        if out and number - out[-1] > 1:
            out.append(None)
        out.append(number)
    return out
