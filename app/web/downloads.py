"""Downloads: a statement or a filtered list, as CSV, XLSX or PDF, streamed."""

from __future__ import annotations

from flask import Response

from reports.render import FORMATS, render
from reports.statement import Statement

TABLE_FORMATS = ("csv", "xlsx", "pdf")


def download(statement: Statement, fmt: str) -> Response:
    """The statement as an attachment named after it (``awards.csv``)."""
    response = Response(render(statement, fmt), mimetype=FORMATS[fmt].split(";")[0])
    response.headers["Content-Type"] = FORMATS[fmt]
    response.headers["Content-Disposition"] = f'attachment; filename="{statement.slug}.{fmt}"'
    return response
