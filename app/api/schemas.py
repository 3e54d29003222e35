"""Schemas shared by several resources: money, pagination, problems."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class MoneySchema(Schema):
    """``{"amount": "1234.50", "currency": "EUR"}``: the amount is a decimal string."""

    amount = fields.String(required=True, metadata={"example": "1234.50"})
    currency = fields.String(required=True, metadata={"example": "EUR"})


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class ProblemSchema(Schema):
    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


def page_of(items: list, total: int, page: int, per_page: int) -> dict:
    return {"items": items, "total": total, "page": page, "per_page": per_page}


class NoBody(Schema):
    """An action that takes no input: an empty body (or ``{}``), nothing else."""
