"""Integrity check of the journal, for administrators and auditors."""

from __future__ import annotations

import json

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select

from app import db
from app.api.common import paginate
from app.api.schemas import PageArgs
from app.auth import ADMIN, AUDITOR, requires
from ledger.audit import verify_audit_log
from ledger.models import AuditEvent
from ledger.verify import verify_journal

blp = Blueprint("audit", __name__, url_prefix="/audit", description="Integrity of the books")


class VerifySchema(Schema):
    ok = fields.Boolean()
    entries = fields.Integer()
    head_hash = fields.String()
    problems = fields.List(fields.String())


@blp.route("/verify")
class Verify(MethodView):
    @requires(ADMIN, AUDITOR)
    @blp.response(200, VerifySchema)
    def get(self):
        """Recompute the hash chain, every entry's sum, the numbering and the balances."""
        session = db.session()
        result = verify_journal(session)
        result.problems.extend(verify_audit_log(session))
        return result.as_json()


class EventOut(Schema):
    id = fields.Integer()
    occurred_at = fields.DateTime()
    actor = fields.String()
    action = fields.String()
    subject_type = fields.String()
    subject_id = fields.String(allow_none=True)
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)
    prev_hash = fields.String()
    hash = fields.String()


class EventPage(Schema):
    items = fields.List(fields.Nested(EventOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class EventArgs(PageArgs):
    subject_type = fields.String()
    action = fields.String()


@blp.route("/events")
class Events(MethodView):
    @requires(ADMIN, AUDITOR)
    @blp.arguments(EventArgs, location="query")
    @blp.response(200, EventPage)
    def get(self, args):
        """The audit log, oldest first: who changed what, when, before and after."""
        query = select(AuditEvent).order_by(AuditEvent.id)
        for name in ("subject_type", "action"):
            if args.get(name):
                query = query.where(getattr(AuditEvent, name) == args[name])
        return paginate(query, args, _event_json)


def _event_json(event: AuditEvent) -> dict:
    return {
        "id": event.id,
        "occurred_at": event.occurred_at,
        "actor": event.actor,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "before": json.loads(event.before) if event.before else None,
        "after": json.loads(event.after) if event.after else None,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }
