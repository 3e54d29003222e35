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
from app.api.endpoints import takes_files
from app.auth import requires
from app.errors import problem
from app.uploads import read_upload
from ledger import access
from ledger.imports import read_table, run_import

blp = Blueprint("imports", __name__, url_prefix="/awards/import", description="Imports")


class AwardsImportOut(Schema):
    imported = fields.Integer()
    ids = fields.List(fields.Integer())


@blp.route("")
class AwardsImport(MethodView):
    @requires(access.REGISTER_AWARDS)
    @takes_files(blp)
    @blp.response(201, AwardsImportOut)
    def post(self):
        """Register every award of a spreadsheet (columns: case_reference, victim_code,
        order_reference, ordered_on, amount, currency), or none of them."""
        upload = request.files.get("file")
        frame = read_table(read_upload(upload), upload.filename or "")
        result = run_import(db.session(), "awards", frame, actor=actor())
        if not result.ok:
            return problem(
                422,
                "Invalid input",
                f"nothing imported: {len(result.problems)} problem(s) in the file",
                {f"row {p.row}.{p.column}": [p.message] for p in result.problems},
                extra={"rows": [p.as_json() for p in result.problems]},
            )
        return {"imported": len(result.ids), "ids": result.ids}
