"""Render a statement in one of the four formats, to a stream of bytes."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

from ledger import validate
from ledger.money import Money
from reports.formatting import for_json
from reports.pdf import write_pdf
from reports.statement import Statement
from reports.tabular import stream_csv, write_xlsx

FORMATS = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def render(statement: Statement, fmt: str) -> Iterator[bytes]:
    """The statement as bytes, in pieces: CSV and JSON stream, XLSX and PDF are built whole."""
    validate.one_of("format", fmt, FORMATS)
    if fmt == "csv":
        return (piece.encode("utf-8") for piece in stream_csv(statement))
    if fmt == "json":
        return (piece.encode("utf-8") for piece in stream_json(statement))
    buffer = io.BytesIO()
    (write_pdf if fmt == "pdf" else write_xlsx)(statement, buffer)
    return iter([buffer.getvalue()])


def stream_json(statement: Statement) -> Iterator[str]:
    """``{meta…, "lines": [...], "totals": {...}}`` written line by line."""
    meta = statement.meta
    head = {
        "statement": statement.slug,
        "title": statement.title,
        "subtitle": statement.subtitle,
        "fund": meta.fund_name,
        "currency": meta.functional_currency,
        "as_of": meta.as_of.isoformat() if meta.as_of else None,
        "from": meta.date_from.isoformat() if meta.date_from else None,
        "to": meta.date_to.isoformat() if meta.date_to else None,
        "generated_at": meta.generated_at.isoformat() + "Z",
        "generated_by": meta.generated_by,
        "head_hash": meta.head_hash,
        "entries": meta.entries,
        "columns": [{"key": c.key, "title": c.title, "kind": c.kind} for c in statement.columns],
    }
    head.update(_summary(statement))
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "lines": ['
    for i, row in enumerate(statement.iter_rows()):
        line = {c.key: for_json(c, row, meta) for c in statement.columns if c.key in row}
        if "_style" in row:
            line["style"] = row["_style"]
        yield ("," if i else "") + "\n" + json.dumps(line, ensure_ascii=False)
    totals = None
    if statement.totals is not None:
        totals = {
            c.key: for_json(c, statement.totals, meta)
            for c in statement.columns
            if c.key in statement.totals
        }
    yield "\n], " + json.dumps({"totals": totals, "notes": statement.notes})[1:]


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
