"""Reading the journal: entries with their postings, hashes and links."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from app import db
from app.api.common import actor
from app.api.fields import Id, Text
from app.api.schemas import MoneySchema, PageArgs, page_of
from app.auth import ADMIN, AUDITOR, requires
from ledger.adjustments import post_adjustment
from ledger.errors import Conflict
from ledger.fund import functional_currency
from ledger.journal import get_entry, reverse_entry
from ledger.models import JournalEntry, Victim
from ledger.money import Money

blp = Blueprint("journal", __name__, url_prefix="/journal", description="The journal")


class PostingSchema(Schema):
    line = fields.Integer()
    account = fields.String()
    debit = fields.Nested(MoneySchema, allow_none=True)
    credit = fields.Nested(MoneySchema, allow_none=True)
    original = fields.Nested(MoneySchema)
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


class EntryPageSchema(Schema):
    items = fields.List(fields.Nested(EntrySchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


def victim_codes(entries: list[JournalEntry]) -> dict[int, str]:
    """The codes of the victims the entries' postings name, in one query."""
    ids = {p.victim_id for e in entries for p in e.postings if p.victim_id is not None}
    if not ids:
        return {}
    return dict(
        db.session().execute(select(Victim.id, Victim.code).where(Victim.id.in_(ids))).all()
    )


def entry_json(entry: JournalEntry, functional: str, codes: dict[int, str] | None = None) -> dict:
    if codes is None:
        codes = victim_codes([entry])
    return {
        "number": entry.number,
        "value_date": entry.value_date,
        "posted_at": entry.posted_at,
        "memo": entry.memo,
        "event": entry.event,
        "source_type": entry.source_type,
        "source_id": entry.source_id,
        "reverses": entry.reverses,
        "reversed_by": entry.reversed_by.number if entry.reversed_by else None,
        "created_by": entry.created_by,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
        "postings": [
            {
                "line": p.line,
                "account": p.account.code,
                "debit": Money(p.amount, functional).as_json() if p.amount > 0 else None,
                "credit": Money(-p.amount, functional).as_json() if p.amount < 0 else None,
                "original": Money(p.original_amount, p.currency).as_json(),
                "case_id": p.case_id,
                "victim_id": p.victim_id,
                "victim": codes.get(p.victim_id),
                "award_id": p.award_id,
                "asset_id": p.asset_id,
            }
            for p in entry.postings
        ],
    }


@blp.route("", methods=["GET"])
class Journal(MethodView):
    @requires(ADMIN, AUDITOR)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, EntryPageSchema)
    def get(self, args):
        """Entries in number order, a page at a time."""
        session = db.session()
        functional = functional_currency(session)
        page, per_page = args["page"], args["per_page"]
        total = session.scalar(select(func.count()).select_from(JournalEntry))
        entries = list(
            session.scalars(
                select(JournalEntry)
                .order_by(JournalEntry.number)
                .offset((page - 1) * per_page)
                .limit(per_page)
            )
        )
        codes = victim_codes(entries)
        return page_of([entry_json(e, functional, codes) for e in entries], total, page, per_page)


@blp.route("/<int:number>")
class JournalEntryView(MethodView):
    @requires(ADMIN, AUDITOR)
    @blp.response(200, EntrySchema)
    def get(self, number: int):
        """One entry with its postings and both links of a reversal."""
        session = db.session()
        return entry_json(get_entry(session, number), functional_currency(session))


class ManualPostingIn(Schema):
    account = fields.String(required=True, validate=validate.Length(min=1, max=10))
    debit = fields.String(load_default=None)
    credit = fields.String(load_default=None)
    case_id = Id(load_default=None)
    victim_id = Id(load_default=None)
    award_id = Id(load_default=None)
    asset_id = Id(load_default=None)


class ManualEntryIn(Schema):
    date = fields.Date(required=True)
    memo = Text(500, required=True)
    postings = fields.List(
        fields.Nested(ManualPostingIn), required=True, validate=validate.Length(min=2, max=200)
    )


class ReverseIn(Schema):
    date = fields.Date(required=True)
    memo = Text(500, required=True)


@blp.route("", methods=["POST"])
class ManualEntry(MethodView):
    @requires(ADMIN)
    @blp.arguments(ManualEntryIn)
    @blp.response(201, EntrySchema)
    def post(self, body):
        """A manual adjustment; amounts are in each account's currency."""
        session = db.session()
        entry = post_adjustment(
            session,
            actor=actor(),
            value_date=body["date"],
            memo=body["memo"],
            postings=body["postings"],
        )
        return entry_json(entry, functional_currency(session))


@blp.route("/<int:number>/reverse")
class Reverse(MethodView):
    @requires(ADMIN)
    @blp.arguments(ReverseIn)
    @blp.response(201, EntrySchema)
    def post(self, body, number: int):
        """Post the mirror image of entry ``number``; both entries link to each other."""
        session = db.session()
        _refuse_register_entries(session, number)
        entry = reverse_entry(
            session, number, value_date=body["date"], memo=body["memo"], created_by=actor()
        )
        return entry_json(entry, functional_currency(session))


def _refuse_register_entries(session, number: int) -> None:
    """Entries a register posted are undone through the register, which keeps its state right."""
    entry = get_entry(session, number)
    if entry.source_type is not None:
        raise Conflict(
            f"entry {number} was posted by {entry.source_type} {entry.source_id}; "
            "undo it through that record (cancel the award, return the payment, …)"
        )
