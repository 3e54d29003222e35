"""PDF statements: drawn page by page and written as they go, so size never limits memory.

Nothing is ever cut. Every cell's text wraps inside its column (the row grows to its
tallest cell; a word too long for its column breaks between characters), column titles
wrap, notes and ``text`` rows are paragraphs across the page; column widths come from the
content and wide statements go landscape (:mod:`reports.pdf.layout`). Letters beyond
WinAnsi are set in an embedded DejaVu Sans (:mod:`reports.pdf.fonts`).

Rows of the same :attr:`~reports.statement.Statement.group_key` (a journal entry's
postings) are kept on one page when they fit on one: :func:`blocks` looks ahead one group
at a time (at most :data:`GROUP_LIMIT` rows), so memory stays bounded. Every page carries
the stamp with the status DRAFT/FINAL and "Page X of Y" (:mod:`reports.pdf.pages`); the
PDF's metadata say the status too; financial statements end with a signature block
(prepared by, approved by) kept on one page. Amounts are right-aligned in the fund's
locale, negatives in brackets, an amount in another currency with its ISO code in front:
no currency symbol.

The file is written object by object as each page is finished (:mod:`reports.pdf.
document`): reportlab supplies the font metrics and the TrueType files' tables, not the
document, whose ``save()`` used to format everything in memory at the end.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain, islice
from typing import BinaryIO

from reports.pdf.document import PdfFile
from reports.pdf.fonts import NOTE_FONT, wrap
from reports.pdf.layout import Layout, total_row
from reports.pdf.pages import PageWriter
from reports.pdf.style import LEADING
from reports.statement import Statement

__all__ = ["GROUP_LIMIT", "SAMPLE", "blocks", "wrap", "write_pdf"]

#: Rows of a streamed statement measured for the column widths.
SAMPLE = 2000
#: Rows of one group looked ahead at most (a larger group may break across pages).
GROUP_LIMIT = 400


def write_pdf(statement: Statement, out: BinaryIO) -> None:
    rows = iter(statement.iter_rows())
    sample = list(islice(rows, SAMPLE)) if not isinstance(statement.rows, list) else None
    measured = statement.rows if sample is None else sample
    layout = Layout(statement, measured, complete=sample is None)
    writer = PageWriter(statement, layout, PdfFile(out))
    every = chain(sample, rows) if sample is not None else iter(statement.rows)
    del sample, measured  # measured: the rows are not kept beyond their page
    for block in blocks(every, statement.group_key):
        writer.block([layout.prepare(row) for row in block])
    totals = [layout.prepare(total_row(statement, t)) for t in statement.total_rows()]
    if totals:
        writer.block(totals)
    if statement.notes:
        writer.gap(LEADING)
        for note in statement.notes:
            writer.block([layout.paragraph(note, NOTE_FONT)])
    if statement.signature:
        writer.signature()
    writer.finish()


def blocks(rows: Iterable[dict], group_key: str | None) -> Iterator[list[dict]]:
    """Rows in the groups to keep on one page: a group's rows share ``group_key``'s value
    (at most :data:`GROUP_LIMIT` of them); a heading goes with what follows it."""
    group: list[dict] = []
    current: object = None
    for row in rows:
        key = row.get(group_key) if group_key else None
        style = row.get("_style")
        if (
            group
            and (
                key is None
                or key != current
                or len(group) >= GROUP_LIMIT
                or (style == "heading" and group[-1].get("_style") != "heading")
            )
            and any(r.get("_style") != "heading" for r in group)
        ):
            yield group
            group = []
        group.append(row)
        current = key
    if group:
        yield group
