"""A download's resources are released however its response ends: read to the last byte,
or dropped before the first (a failed commit answered instead, a client gone)."""

from __future__ import annotations

import io

from app.streaming import download
from reports.render import _Pieces


class Recorded:
    """Stands for a report's read-only session: only ``close`` is called here."""

    def __init__(self):
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


def spooled(data: bytes) -> _Pieces:
    return _Pieces(io.BytesIO(data))


def test_a_response_dropped_before_its_first_byte_releases_session_and_spool(app):
    session, pieces = Recorded(), spooled(b"%PDF-1.4 body")
    with app.test_request_context():
        response = download(pieces, session, "application/pdf", "x.pdf")
        response.close()  # never iterated
    assert session.closed >= 1
    assert pieces.spool.closed


def test_a_response_read_to_the_end_releases_them_too(app):
    session, pieces = Recorded(), spooled(b"a" * 200_000)
    with app.test_request_context():
        response = download(pieces, session, "application/pdf", "x.pdf")
        body = b"".join(response.response)
        response.close()
    assert body == b"a" * 200_000
    assert session.closed >= 1 and pieces.spool.closed
