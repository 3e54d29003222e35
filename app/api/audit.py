"""Integrity check of the books and the audit log, for administrators and auditors."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from app.api.endpoints import Resource
from app.api.schemas import PageArgs, answer_schema
from ledger import access
from ledger.reads import books
from ledger.verify import verify_books

blp = Blueprint("audit", __name__, url_prefix="/audit", description="Integrity of the books")


class VerifySchema(Schema):
    ok = fields.Boolean()
    entries = fields.Integer()
    head_hash = fields.String()
    #: How many signed checkpoints (the fund's own log) the chains were proved to extend.
    checkpoints = fields.Integer()
    problems = fields.List(fields.String())


EventOut = answer_schema(books.EventRow, "EventOut")


class EventArgs(PageArgs):
    subject_type = fields.String()
    action = fields.String()


@blp.route("/verify")
class Verify(MethodView):
    get = Resource(blp, VerifySchema, show=verify_books).one(
        access.READ_BOOKS,
        "Recompute the hash chains, every entry's sum, the numbering and the balances, and\n"
        "check every register row (awards, payments, assets, receipts…) against the entries\n"
        "and audit events that moved it, and prove the chains still extend every signed\n"
        "checkpoint of the fund's log: the same check as ``fundledger verify``.",
    )


@blp.route("/events")
class Events(MethodView):
    get = Resource(blp, EventOut).page(
        access.READ_BOOKS,
        EventArgs,
        books.list_events,
        "The audit log, oldest first: who changed what, when, before and after.",
    )
