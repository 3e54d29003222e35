"""Journal exports for auditors' own tools, as downloads.

``GET /exports/journal?format=ledger|beancount&from=&to=``: the journal in
Ledger/hledger or Beancount format (see :mod:`reports.journal_export`), for
administrators and auditors. It is read from one read-only session (the
reporting replica when configured) and streamed, so the whole journal never
sits in memory; the session is closed when the last byte has been sent.
"""

from __future__ import annotations

from flask import Response, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app import db
from app.auth import ADMIN, AUDITOR, requires
from reports.journal_export import FORMATS, export_journal

blp = Blueprint("exports", __name__, url_prefix="/exports", description="Journal exports")


class JournalExportArgs(Schema):
    format = fields.String(required=True, validate=validate.OneOf(list(FORMATS)))
    date_from = fields.Date(data_key="from", load_default=None)
    date_to = fields.Date(data_key="to", load_default=None)


@blp.route("/journal")
class JournalExport(MethodView):
    @requires(ADMIN, AUDITOR)
    @blp.arguments(JournalExportArgs, location="query")
    @blp.response(
        200,
        description="The journal as a Ledger/hledger journal or a Beancount file "
        "(text/plain, UTF-8, an attachment), amounts in the functional currency",
    )
    def get(self, args):
        """Download the journal for hledger, Ledger or Beancount (SPEC §6)."""
        fmt = args["format"]
        session = db.report_session()
        try:
            pieces = export_journal(
                session, fmt, date_from=args["date_from"], date_to=args["date_to"]
            )
        except BaseException:
            session.close()
            raise
        media_type, extension = FORMATS[fmt]
        response = Response(
            stream_with_context(_encoded_then_closed(pieces, session)),
            mimetype=media_type,
        )
        response.headers["Content-Type"] = f"{media_type}; charset=utf-8"
        response.headers["Content-Disposition"] = f'attachment; filename="journal.{extension}"'
        return response


def _encoded_then_closed(pieces, session):
    try:
        for piece in pieces:
            yield piece.encode("utf-8")
    finally:
        session.close()
