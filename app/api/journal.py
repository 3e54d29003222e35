"""The journal: entries with their postings, hashes and links; manual entries and reversals."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app import db
from app.api.common import actor
from app.api.fields import Day, Id, MoneyField, Text
from app.api.schemas import PageArgs, page_request, page_schema
from app.auth import requires
from ledger import access
from ledger.adjustments import post_adjustment, reverse_manual_entry
from ledger.reads import journal as reads

blp = Blueprint("journal", __name__, url_prefix="/journal", description="The journal")


class PostingSchema(Schema):
    line = fields.Integer()
    account = fields.String()
    debit = MoneyField(allow_none=True)
    credit = MoneyField(allow_none=True)
    original = MoneyField()
    case_id = fields.Integer(allow_none=True)
    victim_id = fields.Integer(allow_none=True)
    victim = fields.String(allow_none=True, metadata={"description": "the victim's code"})
    award_id = fields.Integer(allow_none=True)
    asset_id = fields.Integer(allow_none=True)


class EntrySchema(Schema):
    number = fields.Integer()
    value_date = fields.Date()
    posted_at = fields.DateTime()
    memo = fields.String()
    event = fields.String()
    source_type = fields.String(allow_none=True)
    source_id = fields.Integer(allow_none=True)
    reverses = fields.Integer(allow_none=True)
    reversed_by = fields.Integer(allow_none=True)
    created_by = fields.String()
    prev_hash = fields.String()
    hash = fields.String()
    postings = fields.List(fields.Nested(PostingSchema))


class JournalArgs(PageArgs):
    date_from = Day(data_key="from", load_default=None)
    date_to = Day(data_key="to", load_default=None)
    account = fields.String(validate=validate.Length(min=1, max=10))
    event = fields.String(validate=validate.Length(min=1, max=64))


class ManualPostingIn(Schema):
    account = fields.String(required=True, validate=validate.Length(min=1, max=10))
    debit = fields.String(load_default=None)
    credit = fields.String(load_default=None)
    case_id = Id(load_default=None)
    victim_id = Id(load_default=None)
    award_id = Id(load_default=None)
    asset_id = Id(load_default=None)


class ManualEntryIn(Schema):
    date = Day(required=True)
    memo = Text(500, required=True)
    postings = fields.List(
        fields.Nested(ManualPostingIn), required=True, validate=validate.Length(min=2, max=200)
    )


class ReverseIn(Schema):
    date = Day(required=True)
    memo = Text(500, required=True)


@blp.route("", methods=["GET"])
class Journal(MethodView):
    @requires(access.READ_BOOKS)
    @blp.arguments(JournalArgs, location="query")
    @blp.response(200, page_schema(EntrySchema))
    def get(self, args):
        """Entries in number order, a page at a time; filtered by date, account or event."""
        return reads.list_entries(db.session(), actor(), page_request(args), **args)


@blp.route("/<int:number>")
class JournalEntryView(MethodView):
    @requires(access.READ_BOOKS)
    @blp.response(200, EntrySchema)
    def get(self, number: int):
        """One entry with its postings and both links of a reversal."""
        return reads.get_entry(db.session(), actor(), number)


@blp.route("", methods=["POST"])
class ManualEntry(MethodView):
    @requires(access.MANAGE_BOOKS)
    @blp.arguments(ManualEntryIn)
    @blp.response(201, EntrySchema)
    def post(self, body):
        """A manual adjustment; amounts are in each account's currency."""
        session = db.session()
        entry = post_adjustment(session, actor=actor(), value_date=body.pop("date"), **body)
        return reads.get_entry(session, actor(), entry.number)


@blp.route("/<int:number>/reverse")
class Reverse(MethodView):
    @requires(access.MANAGE_BOOKS)
    @blp.arguments(ReverseIn)
    @blp.response(201, EntrySchema)
    def post(self, body, number: int):
        """Post the mirror image of a manual entry; both entries link to each other."""
        session = db.session()
        entry = reverse_manual_entry(
            session, actor=actor(), number=number, value_date=body["date"], memo=body["memo"]
        )
        return reads.get_entry(session, actor(), entry.number)
