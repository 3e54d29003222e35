"""Integrity check of the books and the audit log, for administrators and auditors."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from app import db
from app.api.common import actor
from app.api.endpoints import Resource
from app.api.schemas import PageArgs, answer_schema
from app.auth import requires
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
    @requires(access.READ_BOOKS)
    @blp.response(200, VerifySchema)
    def get(self):
        """Recompute the hash chains, every entry's sum, the numbering and the balances, and
        check every register row (awards, payments, assets, receipts…) against the entries
        and audit events that moved it, and prove the chains still extend every signed
        checkpoint of the fund's log: the same check as ``fundledger verify``."""
        return verify_books(db.session(), actor()).as_json()


@blp.route("/events")
class Events(MethodView):
    get = Resource(blp, EventOut).page(
        access.READ_BOOKS,
        EventArgs,
        books.list_events,
        "The audit log, oldest first: who changed what, when, before and after.",
    )
