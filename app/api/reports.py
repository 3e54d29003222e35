"""Statements for download: ``GET /reports/{slug}?format=pdf|csv|xlsx|json``.

Who may have which statement is the core's rule (:func:`reports.statements.build_statement`
checks the actor: administrators and auditors every statement, a court only the
awards register of its own awards). The statement is built from one read-only
session (the reporting replica when configured) and streamed, named after its
slug, period and journal head (``awards-register_as-of-2026-12-03_1a2b3c4d.pdf``),
its status (DRAFT or FINAL) and head in the ``X-Statement-*`` and
``X-Journal-*`` response headers.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.api.common import actor
from app.api.fields import Day, QueryId
from app.api.schemas import download_response
from app.auth import requires
from app.statements import report_request
from app.streaming import streamed_statement
from ledger import access
from reports.render import FORMATS
from reports.statements import BUILDERS

_DESCRIPTION = f"The statement; slugs: {', '.join(BUILDERS)}"

blp = Blueprint("reports", __name__, url_prefix="/reports", description="Statements")


class ReportArgs(Schema):
    format = fields.String(load_default="json", validate=validate.OneOf(list(FORMATS)))
    as_of = Day(load_default=None)
    date_from = Day(data_key="from", load_default=None)
    date_to = Day(data_key="to", load_default=None)
    account = fields.String(load_default=None, validate=validate.Length(min=1, max=10))
    victim_id = QueryId(load_default=None)
    case_id = QueryId(load_default=None)


@blp.route("/<slug>")
class Report(MethodView):
    @requires(access.READ_STATEMENTS)
    @blp.arguments(ReportArgs, location="query")
    @blp.response(200, description=_DESCRIPTION)
    @blp.doc(responses={"200": download_response(_DESCRIPTION, FORMATS.values())})
    def get(self, args, slug: str):
        """Download a statement of SPEC §6."""
        fmt = args.pop("format")
        return streamed_statement(slug, report_request(actor(), **args), fmt)
