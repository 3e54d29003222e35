"""Downloads: a statement or a filtered list, as CSV, XLSX or PDF, streamed.

A list's file is named and stamped as every statement is: slug, as-of date and
journal head in the name (``receipts_as-of-2026-12-03_1a2b3c4d.csv``), status and
head in the response headers.
"""

from __future__ import annotations

from flask import Response

from app.streaming import statement_download
from reports.render import render
from reports.statement import Statement

TABLE_FORMATS = ("csv", "xlsx", "pdf")


def download(statement: Statement, fmt: str) -> Response:
    """The statement as an attachment named after it, read in the request's own session."""
    return statement_download(statement, render(statement, fmt), fmt, None)
