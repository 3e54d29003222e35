"""Integrity check of the journal, for administrators and auditors."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from app import db
from app.auth import ADMIN, AUDITOR, requires
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
        return verify_journal(db.session()).as_json()
