"""The kinds of method the API's views are made of, each written once.

Every method of a register's resource takes the same steps: admit the role
(:func:`app.auth.requires`), parse the query string or the body
(flask-smorest), call one ledger service or read function with the request's
session and :class:`~ledger.access.Actor`, and answer with the record as the
core's read function shows it. Spelled out in every view, those steps were
the same decorator stack and body dozens of times over; a :class:`Resource`
builds them, so a view module declares only what differs: the permission,
the schemas, the service and the summary the OpenAPI document shows.

Two conventions make one method fit every register:

- the URL's variables are the service's and the read's keyword arguments
  (``/assets/<int:asset_id>/forfeit`` calls ``forfeit_asset(asset_id=…)``);
- a body schema's field names are the service's keyword arguments (a field
  the API names otherwise says so with ``data_key``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from flask_smorest import Blueprint
from marshmallow import Schema

from app import db
from app.api.common import actor
from app.api.schemas import page_request, page_schema
from app.auth import requires
from app.request_guards import accepts_files
from ledger.access import Actor, Permission
from ledger.validate import today_utc

if TYPE_CHECKING:  # the session is only passed through: no SQL here
    from sqlalchemy.orm import Session

#: ``show(session, actor, key)``: one record as the core's read function shows it.
Show = Callable[["Session", Actor, int], object]


class Resource:
    """The methods of one register's endpoints: its blueprint, its answer schema and the read
    that shows one of its records.

    Each method returns a view function to assign in a ``MethodView``
    (``post = resource.act(...)``), so the classes keep their names, and with
    them the endpoints, URL rules and OpenAPI operations they always had.
    """

    def __init__(
        self, blp: Blueprint, out: type[Schema], show: Show | None = None, key: str = "id"
    ):
        self.blp, self.out, self.show, self.key = blp, out, show, key

    def page(self, permission: Permission, args: type[Schema], read: Callable, summary: str):
        """``GET`` a list: one page of ``read``'s rows, the other query arguments its filters."""

        def get(view, query: dict):
            return read(db.session(), actor(), page_request(query), **query)

        return documented(
            get,
            summary,
            permission,
            self.blp.arguments(args, location="query"),
            self.blp.response(200, page_schema(self.out)),
        )

    def one(self, permission: Permission, summary: str):
        """``GET`` one record, named by the URL's variables."""

        def get(view, **url):
            return self.show(db.session(), actor(), **url)

        return documented(get, summary, permission, self.blp.response(200, self.out))

    def create(self, permission: Permission, body: type[Schema], step: Callable, summary: str):
        """``POST`` that makes a record: 201 with the new record as the read shows it."""
        return self._post(permission, body, step, summary, 201)

    def act(self, permission: Permission, body: type[Schema], step: Callable, summary: str):
        """``POST`` of a step on the record the URL names: 200 with the record after it."""
        return self._post(permission, body, step, summary, 200)

    def answer(
        self,
        permission: Permission,
        body: type[Schema],
        step: Callable,
        summary: str,
        status: int = 201,
    ):
        """``POST`` whose answer is what ``step(session, actor=…, **url, **body)`` returns."""

        def post(view, data: dict, **url):
            return step(db.session(), actor=actor(), **url, **data)

        return documented(
            post,
            summary,
            permission,
            self.blp.arguments(body),
            self.blp.response(status, self.out),
        )

    def _post(self, permission, body, step, summary, status):
        def shown(session: Session, *, actor: Actor, **arguments):
            record = step(session, actor=actor, **arguments)
            return self.show(session, actor, getattr(record, self.key))

        return self.answer(permission, body, shown, summary, status)


def on_today(service: Callable) -> Callable:
    """``service`` for a step dated the day it is asked for (``on=`` today, UTC)."""

    def dated(session: Session, **arguments):
        return service(session, on=today_utc(), **arguments)

    return dated


def takes_files(blp: Blueprint, *, json: type[Schema] | None = None) -> Callable:
    """Decorator: the method takes a file as multipart ``file`` (or, given ``json``, that JSON
    body instead), and the OpenAPI document says so."""
    form = {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
    content = {"multipart/form-data": {"schema": form}}
    if json is None:
        form["required"] = ["file"]
    else:
        content = {"application/json": {"schema": json}, **content}
    document = blp.doc(requestBody={"required": True, "content": content})
    return lambda method: accepts_files(document(method))


def documented(method: Callable, summary: str, permission: Permission, *decorators) -> Callable:
    """``method`` with its OpenAPI summary, under ``decorators`` (outermost first) and behind
    the role check, as ``@requires(...)`` above the decorators would put it."""
    method.__doc__ = summary
    for decorator in reversed(decorators):
        method = decorator(method)
    return requires(permission)(method)
