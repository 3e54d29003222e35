"""PDF statements with reportlab: drawn row by row, so size never limits memory.

Every page repeats the header block (fund, title, period, generation, the
journal head the figures come from) and the column titles, and ends with
"Page X of Y". Rows have a fixed height, so the number of pages is known
from the row count before the first page is drawn: no second pass, no page
kept in memory. Amounts are right-aligned in the fund's locale, negatives in
brackets; long text is shortened with an ellipsis rather than overflowing.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterator
from itertools import chain
from typing import BinaryIO

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFStream
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from reports.formatting import for_people
from reports.statement import Statement

MARGIN = 14 * mm
ROW = 12.5
FONT, BOLD, SIZE = "Helvetica", "Helvetica-Bold", 8
NOTE_FONT = "Helvetica-Oblique"
HEADER_HEIGHT = 31 * mm
FOOTER_HEIGHT = 10 * mm
GREY = colors.Color(0.92, 0.92, 0.92)


def write_pdf(statement: Statement, out: BinaryIO) -> None:
    if statement.row_count is None:
        statement.counted()
    wide = sum(c.width for c in statement.columns) > 7.5
    pagesize = landscape(A4) if wide else A4
    layout = _Layout(statement, pagesize)
    closing = list(_closing_lines(statement, layout.width - 2 * MARGIN))
    lines = chain(((row.get("_style", "row"), row) for row in statement.iter_rows()), closing)
    total_lines = (statement.row_count or 0) + len(closing)
    pages = max(1, math.ceil(total_lines / layout.rows_per_page))
    canvas = Canvas(out, pagesize=pagesize, pageCompression=1)
    canvas.setTitle(f"{statement.title} — {statement.meta.fund_name}")
    canvas.setAuthor(statement.meta.generated_by)
    canvas.setSubject(f"journal head {statement.meta.head_hash}")
    for page in range(1, pages + 1):
        y = layout.start_page(canvas, page, pages)
        for _ in range(layout.rows_per_page):
            item = next(lines, None)
            if item is None:
                break
            layout.draw_line(canvas, y, *item)
            y -= ROW
        canvas.showPage()
        _compress_last_page(canvas)
    for leftover in lines:  # a row count that was too low must not lose rows silently
        raise RuntimeError(f"statement {statement.slug} had more rows than counted: {leftover}")
    canvas.save()


def _compress_last_page(canvas: Canvas) -> None:
    """Compress a finished page now rather than at ``save()``.

    reportlab keeps every page's operators as text until the document is
    saved (about 30 KiB a page here); compressed at once, a page costs a few
    KiB, so a 6,000-page journal no longer needs hundreds of MiB. This reaches
    into reportlab's document model (``_doc.Pages``), which has been stable for
    years; the tests parse every PDF back, so a change there cannot pass unseen.
    """
    page = canvas._doc.Pages.pages[-1]
    if getattr(page, "stream", None) is None:
        return
    page.Contents = PDFStream(
        PDFDictionary({"Filter": PDFArray([PDFName("FlateDecode")])}),
        zlib.compress(page.stream.encode("latin-1")),
    )
    page.stream = None


def _closing_lines(statement: Statement, width: float) -> Iterator[tuple[str, dict]]:
    """The totals row, then the notes, each wrapped to the page width (never cut)."""
    if statement.totals:
        row = dict(statement.totals)
        row.setdefault(statement.columns[0].key, "Total")
        yield "total", row
    if statement.notes:
        yield "gap", {}
    for note in statement.notes:
        for line in simpleSplit(note, NOTE_FONT, SIZE, width):
            yield "note", {"text": line}


class _Layout:
    def __init__(self, statement: Statement, pagesize: tuple[float, float]):
        self.statement = statement
        self.width, self.height = pagesize
        usable = self.width - 2 * MARGIN
        total = sum(c.width for c in statement.columns)
        self.widths = [usable * c.width / total for c in statement.columns]
        self.xs = [MARGIN + sum(self.widths[:i]) for i in range(len(self.widths))]
        table_top = self.height - MARGIN - HEADER_HEIGHT
        self.rows_per_page = int((table_top - ROW - MARGIN - FOOTER_HEIGHT) // ROW)

    def start_page(self, canvas: Canvas, page: int, pages: int) -> float:
        meta, statement = self.statement.meta, self.statement
        top = self.height - MARGIN
        canvas.setFont(BOLD, 11)
        canvas.drawString(MARGIN, top - 10, meta.fund_name)
        canvas.setFont(BOLD, 14)
        title = statement.title + (f" — {statement.subtitle}" if statement.subtitle else "")
        canvas.drawString(MARGIN, top - 28, _fit(title, BOLD, 14, self.width - 2 * MARGIN))
        canvas.setFont(FONT, 9)
        canvas.drawString(
            MARGIN,
            top - 42,
            f"{meta.period_label} · amounts in {meta.functional_currency} unless marked",
        )
        canvas.drawString(
            MARGIN,
            top - 54,
            f"Generated {meta.generated_at.strftime('%Y-%m-%d %H:%M UTC')} by {meta.generated_by}"
            f" · built from {meta.entries} journal entries",
        )
        canvas.setFont("Courier", 7)
        canvas.drawString(MARGIN, top - 66, f"Journal head hash {meta.head_hash}")
        canvas.setStrokeColor(colors.black)
        canvas.line(MARGIN, top - 72, self.width - MARGIN, top - 72)
        y = self.height - MARGIN - HEADER_HEIGHT
        canvas.setFillColor(GREY)
        canvas.rect(MARGIN, y - 3, self.width - 2 * MARGIN, ROW, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        for column, x, width in zip(statement.columns, self.xs, self.widths, strict=True):
            self._cell(canvas, x, y, width, column.title, BOLD, right=column.is_amount)
        canvas.setFont(FONT, 7)
        canvas.drawString(MARGIN, MARGIN, "fundledger · figures from the hash-chained journal")
        canvas.drawRightString(self.width - MARGIN, MARGIN, f"Page {page} of {pages}")
        return y - ROW

    def draw_line(self, canvas: Canvas, y: float, style: str, row: dict) -> None:
        if style == "gap":
            return
        if style == "note":
            canvas.setFont(NOTE_FONT, SIZE)
            canvas.drawString(MARGIN, y, row["text"])  # already wrapped to the width
            return
        font = BOLD if style in ("heading", "subtotal", "total") else FONT
        if style == "heading":  # a section title spans the row
            first = self.statement.columns[0].key
            canvas.setFont(BOLD, SIZE)
            canvas.drawString(
                MARGIN + 3, y, _fit(str(row.get(first, "")), BOLD, SIZE, self.width - 2 * MARGIN)
            )
            row = {k: v for k, v in row.items() if k != first}
        if style in ("subtotal", "total"):
            canvas.setLineWidth(0.5)
            canvas.line(MARGIN, y + ROW - 3, self.width - MARGIN, y + ROW - 3)
        if style == "total":
            canvas.line(MARGIN, y - 4, self.width - MARGIN, y - 4)
            canvas.line(MARGIN, y - 5.5, self.width - MARGIN, y - 5.5)
        meta = self.statement.meta
        for column, x, width in zip(self.statement.columns, self.xs, self.widths, strict=True):
            text = for_people(column, row, meta) if column.key in row else ""
            self._cell(canvas, x, y, width, text, font, right=column.is_amount)

    @staticmethod
    def _cell(
        canvas: Canvas, x: float, y: float, width: float, text: str, font: str, right: bool
    ) -> None:
        canvas.setFont(font, SIZE)
        text = _fit(text, font, SIZE, width - 6)
        if right:
            canvas.drawRightString(x + width - 3, y, text)
        else:
            canvas.drawString(x + 3, y, text)


def _fit(text: str, font: str, size: float, width: float) -> str:
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"
