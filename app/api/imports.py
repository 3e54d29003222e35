"""``POST /awards/import``: a court's spreadsheet of awards, all or nothing.

The file (CSV or XLSX) comes as multipart ``file``. Any problem answers 422
with the row-by-row report in ``rows`` (row, column, message) and in
``errors`` keyed ``row N.column``; nothing is kept.
"""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from app import db
from app.api.common import actor
from app.auth import ADMIN, COURT, current_user, requires
from app.errors import problem
from ledger.errors import Invalid
from ledger.imports import read_table, run_import

blp = Blueprint("imports", __name__, url_prefix="/awards/import", description="Imports")

MAX_UPLOAD = 5 * 1024 * 1024
UPLOAD = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        }
    },
}


class AwardsImportOut(Schema):
    imported = fields.Integer()
    ids = fields.List(fields.Integer())


@blp.route("")
class AwardsImport(MethodView):
    @requires(ADMIN, COURT)
    @blp.doc(requestBody=UPLOAD)
    @blp.response(201, AwardsImportOut)
    def post(self):
        """Register every award of a spreadsheet (columns: case_reference, victim_code,
        order_reference, ordered_on, amount, currency), or none of them."""
        upload = request.files.get("file")
        if upload is None:
            raise Invalid.field("file", "upload the spreadsheet as multipart field 'file'")
        data = upload.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise Invalid.field("file", "is larger than 5 MB")
        user = current_user()
        session = db.session()
        result = run_import(
            session,
            "awards",
            read_table(data, upload.filename or ""),
            actor=actor(),
            court_user_id=user.id if user.role == COURT else None,
        )
        if not result.ok:
            session.rollback()
            response = problem(
                422,
                "Invalid input",
                f"nothing imported: {len(result.problems)} problem(s) in the file",
                {f"row {p.row}.{p.column}": [p.message] for p in result.problems},
            )
            body = response.get_json()
            body["rows"] = [p.as_json() for p in result.problems]
            response.set_data(__import__("json").dumps(body))
            return response
        return {"imported": len(result.ids), "ids": result.ids}
