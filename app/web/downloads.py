"""Downloads: a statement or a filtered list, as CSV, XLSX or PDF, streamed.

A list's file is named and stamped as every statement is: slug, as-of date and
journal head in the name (``receipts_as-of-2026-12-03_1a2b3c4d.csv``), status and
head in the response headers.
"""

from __future__ import annotations

from flask import Response

from app import db
from app.streaming import statement_download
from reports.context import ReportRequest
from reports.render import render
from reports.statement import Statement
from reports.statements import build_statement

TABLE_FORMATS = ("csv", "xlsx", "pdf")


def download(statement: Statement, fmt: str) -> Response:
    """The statement as an attachment named after it, read in the request's own session."""
    return statement_download(statement, render(statement, fmt), fmt, None)


def streamed(slug: str, asked: ReportRequest, fmt: str) -> Response:
    """A statement built and streamed from its own read-only session (it outlives the
    request's), closed after the last byte: a general ledger or a journal is long. A
    refusal of the builder closes the session and is raised as it is."""
    session = db.report_session()
    try:
        statement = build_statement(session, slug, asked)
        pieces = render(statement, fmt)
    except BaseException:
        session.close()
        raise
    return statement_download(statement, pieces, fmt, session)
