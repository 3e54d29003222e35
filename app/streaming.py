"""Streaming a download from a read-only session, closing the session after the last byte."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from flask import Response, stream_with_context
from sqlalchemy.orm import Session


def stream_then_close(pieces: Iterable, session: Session) -> Iterator[bytes]:
    """Yield ``pieces`` as bytes (text is UTF-8 encoded); close ``session`` however it ends."""
    try:
        for piece in pieces:
            yield piece.encode("utf-8") if isinstance(piece, str) else piece
    finally:
        session.close()


def download(
    pieces: Iterable, session: Session, media_type: str, filename: str | None = None
) -> Response:
    """A streamed response of ``pieces``, an attachment named ``filename`` when given."""
    response = Response(stream_with_context(stream_then_close(pieces, session)))
    response.headers["Content-Type"] = media_type
    if filename is not None:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
