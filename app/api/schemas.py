"""Schemas shared by several resources: answers, money, pages, problems, empty bodies,
downloads."""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Iterable
from datetime import date, datetime

from marshmallow import Schema, fields, validate

from app.api.fields import Day, MoneyField, Text, Timestamp
from ledger.money import Money
from ledger.reads.paging import MAX_PER_PAGE, PageRequest

#: The field that shows each type a read row's attribute may have.
ANSWER_FIELDS: dict[type, Callable[..., fields.Field]] = {
    int: fields.Integer,
    str: fields.String,
    bool: fields.Boolean,
    date: fields.Date,
    datetime: Timestamp,
    Money: MoneyField,
    dict: fields.Raw,
}


def answer_schema(
    row: type, name: str, only: str | None = None, **declared: fields.Field
) -> type[Schema]:
    """The schema ``name`` of an answer that shows ``row`` (a read function's dataclass).

    One field per attribute named in ``only`` (space-separated, in the document's order;
    by default every field of the dataclass), typed as the row declares it (``X | None``:
    may be null), so that the answer says what the read returns without restating it.
    ``declared`` gives an attribute's field outright: a description, a nested list.
    """
    names = only.split() if only else [field.name for field in dataclasses.fields(row)]
    if unknown := set(declared) - set(names):
        raise TypeError(f"{name}: {sorted(unknown)} declared but not shown")
    hints = typing.get_type_hints(row)
    return Schema.from_dict(
        {n: declared[n] if n in declared else _answer_field(row, hints, n) for n in names},
        name=name,
    )


def _answer_field(row: type, hints: dict, attribute: str) -> fields.Field:
    """The field of ``row.attribute``: of its annotation, or of a property's return type."""
    hint = hints.get(attribute) or typing.get_type_hints(getattr(row, attribute).fget)["return"]
    kinds = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    known = [kind for kind in kinds if kind is not type(None)]
    if len(known) != 1 or known[0] not in ANSWER_FIELDS:
        raise TypeError(f"{row.__name__}.{attribute} ({hint}): declare its field")
    return ANSWER_FIELDS[known[0]](allow_none=True) if len(kinds) > 1 else ANSWER_FIELDS[known[0]]()


def dated_reason(name: str, day: str, **more: fields.Field) -> type[Schema]:
    """The body ``name`` of a step that says when it took effect and why (a release, a
    return, a cancellation): the date ``day`` and a ``reason``, both required, then ``more``."""
    return Schema.from_dict(
        {day: Day(required=True), "reason": Text(500, required=True), **more}, name=name
    )


class MoneySchema(Schema):
    """``{"amount": "1234.50", "currency": "EUR"}``: the amount is a decimal string."""

    amount = fields.String(required=True, metadata={"example": "1234.50"})
    currency = fields.String(required=True, metadata={"example": "EUR"})


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


def page_request(args: dict) -> PageRequest:
    """The page asked for; the other arguments stay in ``args`` as the list's filters."""
    return PageRequest(args.pop("page"), args.pop("per_page"))


def page_schema(item: type[Schema]) -> type[Schema]:
    """The schema of one page of ``item``: ``items``, ``total``, ``page``, ``per_page``."""
    name = item.__name__.removesuffix("Out").removesuffix("Schema") + "Page"
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item)),
            "total": fields.Integer(),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
        },
        name=name,
    )


class ProblemSchema(Schema):
    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class NoBody(Schema):
    """An action that takes no input: an empty body (or ``{}``), nothing else."""


def download_response(description: str, media_types: Iterable[str]) -> dict:
    """How a download's success is documented: each media type it may have, so that a
    contract tool checks the type answered (``@blp.response`` alone documents none).

    Used as ``@blp.doc(responses={"200": download_response(...)})``. A JSON download
    is an object; the others are bytes (``text/csv; charset=utf-8`` is ``text/csv``).
    """
    content = {}
    for media_type in media_types:
        bare = media_type.split(";")[0].strip()
        schema = {"type": "object"} if bare == "application/json" else BINARY
        content[bare] = {"schema": schema}
    return {"description": description, "content": content}


BINARY = {"type": "string", "format": "binary"}
