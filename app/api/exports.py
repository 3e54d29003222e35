"""Journal exports for auditors' own tools, as downloads.

``GET /exports/journal?format=ledger|beancount&from=&to=``: the journal in
Ledger/hledger or Beancount format (see :mod:`reports.journal_export`), for
administrators and auditors. It is read from one read-only session (the
reporting replica when configured) and streamed, so the whole journal never
sits in memory; the session is closed when the last byte has been sent.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app import db
from app.api.common import actor
from app.api.fields import Day
from app.api.schemas import download_response
from app.auth import requires
from app.streaming import download
from ledger import access
from reports.journal_export import FORMATS, export_journal

blp = Blueprint("exports", __name__, url_prefix="/exports", description="Journal exports")


class JournalExportArgs(Schema):
    format = fields.String(required=True, validate=validate.OneOf(list(FORMATS)))
    date_from = Day(data_key="from", load_default=None)
    date_to = Day(data_key="to", load_default=None)


_DESCRIPTION = (
    "The journal as a Ledger/hledger journal or a Beancount file "
    "(text/plain, UTF-8, an attachment), amounts in the functional currency"
)


@blp.route("/journal")
class JournalExport(MethodView):
    @requires(access.READ_BOOKS)
    @blp.arguments(JournalExportArgs, location="query")
    @blp.response(200, description=_DESCRIPTION)
    @blp.doc(
        responses={"200": download_response(_DESCRIPTION, {media for media, _ in FORMATS.values()})}
    )
    def get(self, args):
        """Download the journal for hledger, Ledger or Beancount (SPEC §6)."""
        fmt = args.pop("format")
        session = db.report_session()
        try:
            pieces = export_journal(session, actor(), fmt, **args)
        except BaseException:
            session.close()
            raise
        media_type, extension = FORMATS[fmt]
        return download(pieces, session, f"{media_type}; charset=utf-8", f"journal.{extension}")
