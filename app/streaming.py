"""Streaming a download from a read-only session, closing the session after the last byte."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from flask import Response, stream_with_context
from sqlalchemy.orm import Session

from app import db
from reports.context import ReportRequest
from reports.render import FORMATS, render
from reports.statement import Statement
from reports.statements import build_statement


def stream_then_close(pieces: Iterable, session: Session) -> Iterator[bytes]:
    """Yield ``pieces`` as bytes (text is UTF-8 encoded); close ``session`` however it ends."""
    try:
        for piece in pieces:
            yield piece.encode("utf-8") if isinstance(piece, str) else piece
    finally:
        session.close()


def download(
    pieces: Iterable,
    session: Session | None,
    media_type: str,
    filename: str | None = None,
    headers: dict[str, str] | None = None,
    *,
    inline: bool = False,
) -> Response:
    """A streamed response of ``pieces``, an attachment named ``filename`` when given (shown
    in the browser, still with that name, when ``inline``), with ``headers`` besides.
    ``session`` is read to the last byte, then closed. None: ``pieces`` need no session
    (a list's rows, already read), nor the request they were asked in."""
    if session is None:
        response = Response(pieces)
    else:
        response = Response(stream_with_context(stream_then_close(pieces, session)))
        # A response dropped before its first byte (a failed commit answered instead, a
        # client gone) never runs the generator's ``finally``: close its resources then too.
        response.call_on_close(session.close)
    if callable(getattr(pieces, "close", None)):
        response.call_on_close(pieces.close)
    response.headers["Content-Type"] = media_type
    if filename is not None:
        disposition = "inline" if inline else "attachment"
        response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def statement_download(
    statement: Statement, pieces: Iterable, fmt: str, session: Session | None
) -> Response:
    """A rendered statement: named ``statement.filename(fmt)`` (slug, period, head) and
    stamped with ``statement.headers()`` (status DRAFT or FINAL, journal head), which the
    CSV has no room for. JSON is shown rather than saved, under the same name."""
    return download(
        pieces,
        session,
        FORMATS[fmt],
        statement.filename(fmt),
        statement.headers(),
        inline=fmt == "json",
    )


def streamed_statement(slug: str, asked: ReportRequest, fmt: str) -> Response:
    """Statement ``slug`` built and streamed from its own read-only session (the replica when
    configured; it outlives the request's), closed after the last byte: a general ledger or
    a journal is long. A refusal of the builder closes the session and is raised as it is.
    The API's downloads and the web pages' both come through here."""
    session = db.report_session()
    try:
        statement = build_statement(session, slug, asked)
        pieces = render(statement, fmt)
    except BaseException:
        session.close()
        raise
    return statement_download(statement, pieces, fmt, session)
