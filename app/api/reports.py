"""Statements for download: ``GET /reports/{slug}?format=pdf|csv|xlsx|json``.

Administrators and auditors may have every statement; a court only the
awards register, restricted to the awards it registered. The statement is
built from one read-only session (the reporting replica when configured) and
streamed, so a large general ledger never sits whole in memory.
"""

from __future__ import annotations

from flask import Response, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app import db
from app.api.fields import QueryId
from app.auth import ADMIN, AUDITOR, COURT, current_user, requires
from ledger.errors import Forbidden
from reports.context import ReportRequest
from reports.render import FORMATS, render
from reports.statements import BUILDERS, build_statement

blp = Blueprint("reports", __name__, url_prefix="/reports", description="Statements")

COURT_STATEMENTS = frozenset({"awards-register"})


class ReportArgs(Schema):
    format = fields.String(load_default="json", validate=validate.OneOf(list(FORMATS)))
    as_of = fields.Date(load_default=None)
    date_from = fields.Date(data_key="from", load_default=None)
    date_to = fields.Date(data_key="to", load_default=None)
    account = fields.String(load_default=None, validate=validate.Length(min=1, max=10))
    victim_id = QueryId(load_default=None)
    case_id = QueryId(load_default=None)


@blp.route("/<slug>")
class Report(MethodView):
    @requires(ADMIN, AUDITOR, COURT)
    @blp.arguments(ReportArgs, location="query")
    @blp.response(200, description=f"The statement; slugs: {', '.join(BUILDERS)}")
    def get(self, args, slug: str):
        """Download a statement of SPEC §6."""
        user = current_user()
        if user.role == COURT and slug not in COURT_STATEMENTS:
            raise Forbidden("a court may download the awards register of its own awards")
        fmt = args.pop("format")
        request = ReportRequest(
            generated_by=user.name,
            court_user_id=user.id if user.role == COURT else None,
            locale=_locale(),
            **args,
        )
        session = db.report_session()
        try:
            statement = build_statement(session, slug, request)
            if fmt in ("pdf", "xlsx"):
                body = b"".join(render(statement, fmt))
                session.close()
                return _download(iter([body]), slug, fmt)
        except BaseException:
            session.close()
            raise
        return _download(stream_with_context(_closing(render(statement, fmt), session)), slug, fmt)


def _closing(pieces, session):
    try:
        yield from pieces
    finally:
        session.close()


def _download(body, slug: str, fmt: str) -> Response:
    response = Response(body, mimetype=FORMATS[fmt].split(";")[0])
    if fmt != "json":
        response.headers["Content-Disposition"] = f'attachment; filename="{slug}.{fmt}"'
    if fmt == "csv":
        response.headers["Content-Type"] = FORMATS["csv"]
    return response


def _locale() -> str:
    from flask import current_app

    return current_app.config.get("LOCALE", "en_GB")
