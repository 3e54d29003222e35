"""Render a statement in one of the four formats, to a stream of bytes.

CSV and JSON are written as the rows are read. A PDF or an XLSX is only
readable once finished (page counts, a zip's directory): it is written to a
spooled temporary file (in memory up to :data:`SPOOL_IN_MEMORY`, then on disk)
and sent from there in pieces of :data:`PIECE`, so that no finished file of a
long statement is held whole in memory.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from ledger import validate
from ledger.money import Money
from reports.formatting import for_json
from reports.pdf import write_pdf
from reports.statement import Statement
from reports.tabular import stream_csv
from reports.xlsx import write_xlsx

FORMATS = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


#: A finished PDF or XLSX stays in memory up to this size, then goes to a temporary file.
SPOOL_IN_MEMORY = 8 * 1024 * 1024
#: The size of each piece a finished file is sent in.
PIECE = 64 * 1024


def render(statement: Statement, fmt: str) -> Iterable[bytes]:
    """The statement as bytes, in pieces: CSV and JSON stream; XLSX and PDF are written
    (now, so that a refusal comes before the first byte) to a spooled file, then read out."""
    validate.one_of("format", fmt, FORMATS)
    if fmt == "csv":
        return (piece.encode("utf-8") for piece in stream_csv(statement))
    if fmt == "json":
        return (piece.encode("utf-8") for piece in stream_json(statement))
    return spooled(write_pdf if fmt == "pdf" else write_xlsx, statement)


def spooled(write: Callable[[Statement, BinaryIO], None], statement: Statement) -> Iterable[bytes]:
    """``write`` the statement into a spooled temporary file; its bytes, piece by piece."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 (closed by _Pieces)
    try:
        write(statement, spool)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return _Pieces(spool)


class _Pieces:
    """The spooled file's bytes, piece by piece; closed after the last piece, or by
    ``close()`` when the response is dropped before it is read (a generator that never
    started would not run its clean-up)."""

    def __init__(self, spool):
        self.spool = spool

    def __iter__(self) -> Iterator[bytes]:
        try:
            while piece := self.spool.read(PIECE):
                yield piece
        finally:
            self.close()

    def close(self) -> None:
        self.spool.close()


def stream_json(statement: Statement) -> Iterator[str]:
    """``{meta…, "lines": [...], "totals": {...}}`` written line by line."""
    meta = statement.meta
    head = {
        "statement": statement.slug,
        "title": statement.title,
        "subtitle": statement.subtitle,
        "subject": statement.subject,
        "fund": meta.fund_name,
        "currency": meta.functional_currency,
        "as_of": meta.as_of.isoformat() if meta.as_of else None,
        "from": meta.date_from.isoformat() if meta.date_from else None,
        "to": meta.date_to.isoformat() if meta.date_to else None,
        "generated_at": meta.generated_at.isoformat() + "Z",
        "generated_by": meta.generated_by,
        "head_hash": meta.head_hash,
        "entries": meta.entries,
        "status": meta.status_label,
        "final": meta.is_final,
        "open_months": list(meta.open_months),
        "checkpoint": meta.checkpoint.as_json() if meta.checkpoint else None,
        "columns": [{"key": c.key, "title": c.title, "kind": c.kind} for c in statement.columns],
    }
    head.update(_summary(statement))
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "lines": ['
    for i, row in enumerate(statement.iter_rows()):
        line = {c.key: for_json(c, row, meta) for c in statement.columns if c.key in row}
        if "_style" in row:
            line["style"] = row["_style"]
        yield ("," if i else "") + "\n" + json.dumps(line, ensure_ascii=False)
    lines = [
        {c.key: for_json(c, total, meta) for c in statement.columns if c.key in total}
        for total in statement.total_rows()
    ]
    # One closing line is ``totals`` itself (as clients have always read it); several (one
    # per currency) are a list. ``total_lines`` is always the list.
    totals = lines[0] if len(lines) == 1 else (lines or None)
    tail = {"totals": totals, "total_lines": lines, "notes": statement.notes}
    yield "\n], " + json.dumps(tail, ensure_ascii=False)[1:]


def _summary(statement: Statement) -> dict:
    """Summary facts, every :class:`Money` among them (however nested) as an amount object."""
    return {key: _plain(value) for key, value in statement.summary.items()}


def _plain(value):
    if isinstance(value, Money):
        return value.as_json()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value
