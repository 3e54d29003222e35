"""Schemas shared by several resources: money, pages, problems, empty bodies, downloads."""

from __future__ import annotations

from collections.abc import Iterable

from marshmallow import Schema, fields, validate

from ledger.reads.paging import MAX_PER_PAGE, PageRequest


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
