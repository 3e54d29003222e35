"""The journal: entries with their postings, hashes and links; manual entries and reversals."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.api.endpoints import Resource
from app.api.fields import Day, Id, Text
from app.api.schemas import PageArgs, answer_schema
from ledger import access
from ledger.adjustments import post_adjustment, reverse_manual_entry
from ledger.reads import journal as reads

blp = Blueprint("journal", __name__, url_prefix="/journal", description="The journal")


PostingSchema = answer_schema(
    reads.PostingRow,
    "PostingSchema",
    "line account debit credit original case_id victim_id victim award_id asset_id",
    victim=fields.String(allow_none=True, metadata={"description": "the victim's code"}),
)
EntrySchema = answer_schema(
    reads.EntryRow, "EntrySchema", postings=fields.List(fields.Nested(PostingSchema))
)


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
    value_date = Day(data_key="date", required=True)
    memo = Text(500, required=True)
    postings = fields.List(
        fields.Nested(ManualPostingIn), required=True, validate=validate.Length(min=2, max=200)
    )


class ReverseIn(Schema):
    value_date = Day(data_key="date", required=True)
    memo = Text(500, required=True)


resource = Resource(blp, EntrySchema, show=reads.get_entry, key="number")


@blp.route("", methods=["GET"])
class Journal(MethodView):
    get = resource.page(
        access.READ_BOOKS,
        JournalArgs,
        reads.list_entries,
        "Entries in number order, a page at a time; filtered by date, account or event.",
    )


@blp.route("/<int:number>")
class JournalEntryView(MethodView):
    get = resource.one(
        access.READ_BOOKS, "One entry with its postings and both links of a reversal."
    )


@blp.route("", methods=["POST"])
class ManualEntry(MethodView):
    post = resource.create(
        access.MANAGE_BOOKS,
        ManualEntryIn,
        post_adjustment,
        "A manual adjustment; amounts are in each account's currency.",
    )


@blp.route("/<int:number>/reverse")
class Reverse(MethodView):
    post = resource.create(
        access.MANAGE_BOOKS,
        ReverseIn,
        reverse_manual_entry,
        "Post the mirror image of a manual entry; both entries link to each other.",
    )
