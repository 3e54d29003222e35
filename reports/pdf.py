"""PDF statements with reportlab: drawn page by page, so size never limits memory.

Nothing is ever cut. Every cell's text wraps inside its column (the row grows
to its tallest cell; a word too long for its column breaks between
characters), column titles wrap, notes and ``text`` rows are paragraphs
across the page. Column widths come from the content: a statement whose rows
are a list is measured whole; a streamed one (a journal of 200,000 postings)
is measured on its first :data:`SAMPLE` rows, with amount columns widened to
what their totals need (no debit exceeds the total of its column), and a
later cell wider than its column wraps like any text (an amount in another
currency breaks after its ISO code). A statement whose columns do not fit
portrait A4 is laid out landscape.

Rows of the same :attr:`~reports.statement.Statement.group_key` (a journal
entry's postings) are kept on one page when they fit on one: the renderer
looks ahead one group at a time (at most :data:`GROUP_LIMIT` rows), so memory
stays bounded. Since rows differ in height, the page count is known only at
the end: each page's content ends by referring to one small shared content
stream, written last, that prints the "Y" of "Page X of Y"; pages are
compressed as soon as they are finished and never kept as text.

Every page carries the stamp (fund, title, period, status DRAFT/FINAL in a
box, generation, journal head) and the PDF's metadata say it too; financial
statements end with a signature block (prepared by, approved by) kept on one
page. Amounts are right-aligned in the fund's locale, negatives in brackets,
an amount in another currency with its ISO code in front: no currency symbol.

Speed: formatters are built once per column (:func:`reports.formatting.
people_formatter`), each cell is measured at most once (from a table of glyph widths and a cache,
``stringWidth``) and drawn as two PDF operators into one text object per page,
without reportlab's per-call text objects or per-cell font changes.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from typing import BinaryIO

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFStream
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from reports.formatting import people_formatter
from reports.statement import Column, Statement

MARGIN = 14 * mm
FONT, BOLD, SIZE = "Helvetica", "Helvetica-Bold", 8
NOTE_FONT = "Helvetica-Oblique"
LEADING = 9.4  # between the lines of one cell
PAD_X, PAD_Y = 3.0, 1.8  # inside a cell
ASCENT = 6.0  # from a line's top to its baseline, at SIZE
FOOTER_HEIGHT = 10 * mm
GREY = colors.Color(0.92, 0.92, 0.92)
DRAFT_RED = colors.Color(0.7, 0.05, 0.05)
FINAL_GREEN = colors.Color(0.0, 0.4, 0.15)
#: Rows of a streamed statement measured for the column widths.
SAMPLE = 2000
#: Rows of one group looked ahead at most (a larger group may break across pages).
GROUP_LIMIT = 400
#: A text column is not made narrower than this (points) while the page has room.
TEXT_FLOOR = 56.0
#: Portrait only if every text column can have at least this much (or all it asks for).
TEXT_COMFORT = 140.0
STRUCTURE = ("heading", "subtotal", "total")

#: A row ready to draw: its number of lines, its cells (font, [(x, line), ...]), its style.
Prepared = tuple[int, list, str]


def write_pdf(statement: Statement, out: BinaryIO) -> None:
    rows = iter(statement.iter_rows())
    sample = list(islice(rows, SAMPLE)) if not isinstance(statement.rows, list) else None
    measured = statement.rows if sample is None else sample
    layout = _Layout(statement, measured, complete=sample is None)
    writer = _Writer(statement, layout, out)
    every = chain(sample, rows) if sample is not None else iter(statement.rows)
    for block in _blocks(every, statement.group_key):
        writer.block([layout.prepare(row) for row in block])
    totals = [layout.prepare(_total_row(statement, t)) for t in statement.total_rows()]
    if totals:
        writer.block(totals)
    if statement.notes:
        writer.gap(LEADING)
        for note in statement.notes:
            writer.block([layout.paragraph(note, NOTE_FONT)])
    if statement.signature:
        writer.signature()
    writer.finish()


def _total_row(statement: Statement, totals: dict) -> dict:
    """A closing line, called "Total" unless it names itself (a text cell of its own)."""
    row = {"_style": "total", **totals}
    if not any(c.kind == "text" and row.get(c.key) for c in statement.columns):
        row.setdefault(statement.columns[0].key, "Total")
    return row


def _blocks(rows: Iterable[dict], group_key: str | None) -> Iterator[list[dict]]:
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


# -- Text: measured once, wrapped, never cut ---------------------------------------------


class _Metrics:
    """String widths in one font and size, as reportlab computes them (the sum of the glyphs'
    widths in thousandths of the size, no kerning), from a table of the printable ASCII
    glyphs and a cache of the strings already measured. reportlab's own ``stringWidth`` is
    pure Python where its C accelerator is not installed: several microseconds a cell."""

    LIMIT = 50_000  # strings remembered (a few MiB); forgotten all at once beyond

    def __init__(self, font: str, size: float):
        self.font, self.size = font, size
        self.glyphs = {chr(c): round(stringWidth(chr(c), font, 1000)) for c in range(32, 127)}
        self.known: dict[str, float] = {}

    def __call__(self, text: str) -> float:
        width = self.known.get(text)
        if width is None:
            try:
                width = sum(map(self.glyphs.__getitem__, text)) * 0.001 * self.size
            except KeyError:  # beyond ASCII: reportlab knows the font's encoding
                width = stringWidth(text, self.font, self.size)
            if len(self.known) >= self.LIMIT:
                self.known.clear()
            self.known[text] = width
        return width


_METRICS: dict[tuple[str, float], _Metrics] = {}


def _metrics(font: str, size: float = SIZE) -> _Metrics:
    metrics = _METRICS.get((font, size))
    if metrics is None:
        metrics = _METRICS[(font, size)] = _Metrics(font, size)
    return metrics


def _width(text: str, font: str, size: float = SIZE) -> float:
    return _metrics(font, size)(text)


def wrap(text: str, font: str, width: float, size: float = SIZE) -> list[str]:
    """``text`` in lines no wider than ``width``: broken at spaces, a word too long for a
    line between characters; line breaks in the text are kept. Every character is kept."""
    if "\n" not in text and _width(text, font, size) <= width:
        return [text]
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if _width(candidate, font, size) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            while _width(word, font, size) > width and len(word) > 1:
                cut = _fitting_prefix(word, font, size, width)
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


def _fitting_prefix(word: str, font: str, size: float, width: float) -> int:
    """The longest prefix of ``word`` (at least one character) no wider than ``width``."""
    low, high = 1, len(word)
    while low < high:
        middle = (low + high + 1) // 2
        if _width(word[:middle], font, size) <= width:
            low = middle
        else:
            high = middle - 1
    return low


def _longest_word(text: str, font: str) -> float:
    return max((_width(word, font) for word in text.split()), default=0.0)


# -- Layout: page size, column widths, rows made ready to draw ---------------------------


class _Layout:
    """Where every column goes, decided once from the content (see the module docstring)."""

    def __init__(self, statement: Statement, rows: list[dict], *, complete: bool):
        self.statement = statement
        columns = statement.columns
        self.formats: list[Callable[[dict], str]] = [
            people_formatter(c, statement.meta) for c in columns
        ]
        self.keys = [c.key for c in columns]
        self.right = [c.is_amount or c.kind == "int" for c in columns]
        wants, floors = self._wants(columns, rows, complete)
        portrait = A4[0] - 2 * MARGIN
        comfortable = [
            min(want, TEXT_COMFORT) if column.kind == "text" else floor
            for column, want, floor in zip(columns, wants, floors, strict=True)
        ]
        self.pagesize = A4 if sum(comfortable) <= portrait else landscape(A4)
        self.usable = self.pagesize[0] - 2 * MARGIN
        self.widths = _allocate(wants, floors, [c.kind == "text" for c in columns], self.usable)
        self.xs = [MARGIN + sum(self.widths[:i]) for i in range(len(columns))]
        self.inner = [w - 2 * PAD_X for w in self.widths]
        self.titles = [wrap(c.title, BOLD, w) for c, w in zip(columns, self.inner, strict=True)]
        #: Per column: formatter, right-aligned, where a line starts or ends, room for text.
        self.slots = [
            (fmt, right, x + PAD_X, x + w - PAD_X, w - 2 * PAD_X)
            for fmt, right, x, w in zip(self.formats, self.right, self.xs, self.widths, strict=True)
        ]

    def _wants(
        self, columns: list[Column], rows: list[dict], complete: bool
    ) -> tuple[list[float], list[float]]:
        """Per column, the width its content asks for and the least it may be given."""
        first = columns[0].key
        natural = [0.0] * len(columns)
        for row in rows:
            style = row.get("_style")
            font = BOLD if style in STRUCTURE else FONT
            for i, (key, fmt) in enumerate(zip(self.keys, self.formats, strict=True)):
                if key not in row or (key == first and style in ("heading", "text")):
                    continue
                width = _width(fmt(row), font)
                if width > natural[i]:
                    natural[i] = width
        for total in self.statement.total_rows():
            row = _total_row(self.statement, total)
            for i, fmt in enumerate(self.formats):
                natural[i] = max(natural[i], _width(fmt(row), BOLD))
        if not complete:
            totalled = {k for row in self.statement.total_rows() for k, v in row.items() if v}
            bound = self._amount_bound()
            for i, column in enumerate(columns):
                if column.kind == "money" and column.key not in totalled:
                    natural[i] = max(natural[i], _width(f"({bound})", BOLD))
                elif column.kind == "date":
                    natural[i] = max(natural[i], _width("0000-00-00", FONT))
                elif column.kind == "datetime":
                    natural[i] = max(natural[i], _width("0000-00-00 00:00", FONT))
                elif column.kind == "int":
                    digits = len(
                        str(max(self.statement.row_count or 0, self.statement.meta.entries))
                    )
                    natural[i] = max(natural[i], _width("0" * (digits + 1), FONT))
        wants, floors = [], []
        for column, width in zip(columns, natural, strict=True):
            title_word = _longest_word(column.title, BOLD)
            want = max(width, title_word) + 2 * PAD_X
            wants.append(want)
            if column.kind == "text":
                floors.append(max(title_word + 2 * PAD_X, min(want, TEXT_FLOOR)))
            else:
                floors.append(want)
        return wants, floors

    def _amount_bound(self) -> str:
        """The widest amount a streamed statement's money column without a total may print
        (a running balance): every total and every summary figure added together (opening
        balance plus all movements). A column with a total is bounded by it (no debit exceeds
        the debits' total); amounts in other currencies are measured on the sample, and one
        wider later breaks after its ISO code."""
        meta = self.statement.meta
        total = 0
        for row in self.statement.total_rows():
            for column in self.statement.columns:
                value = row.get(column.key)
                if column.kind == "money" and isinstance(value, int):
                    total += abs(value)
        for value in self.statement.summary.values():
            if getattr(value, "currency", None) == meta.functional_currency:
                total += abs(value.minor)
        fmt = people_formatter(Column("x", "x", "money"), meta)
        return fmt({"x": total})

    # A row made ready is (lines, cells, style), a cell (font, [(x, text) per line]).

    def prepare(self, row: dict) -> Prepared:
        style = row.get("_style")
        if style == "text":
            return self.paragraph(str(row.get(self.keys[0], "")), FONT)
        font = BOLD if style in STRUCTURE else FONT
        cells, height = [], 1
        span_from = 0
        if style == "heading":  # the section's title runs on until the next figure
            first = row.get(self.keys[0])
            span_to = next(
                (i for i in range(1, len(self.keys)) if row.get(self.keys[i]) is not None),
                len(self.keys),
            )
            if first is not None:
                width = sum(self.widths[:span_to]) - 2 * PAD_X
                lines = wrap(str(first), BOLD, width)
                cells.append((BOLD, [(MARGIN + PAD_X, line) for line in lines]))
                height = len(lines)
            span_from = span_to
        metrics = _metrics(font)
        known = metrics.known
        for fmt, right, left, edge, inner in self.slots[span_from:]:
            text = fmt(row)
            if not text:
                continue
            width = known.get(text) or metrics(text)
            if width <= inner:
                cells.append((font, ((edge - width if right else left, text),)))
                continue
            lines = wrap(text, font, inner)
            if right:
                placed = [(edge - metrics(line), line) for line in lines]
            else:
                placed = [(left, line) for line in lines]
            cells.append((font, placed))
            if len(lines) > height:
                height = len(lines)
        return height, cells, style

    def paragraph(self, text: str, font: str) -> Prepared:
        lines = wrap(text, font, self.usable - 2 * PAD_X)
        return len(lines), [(font, [(MARGIN + PAD_X, line) for line in lines])], "text"


def _allocate(
    wants: list[float], floors: list[float], text: list[bool], usable: float
) -> list[float]:
    """Column widths that add up to ``usable``: every column what it wants if the page has
    room (the room left goes to the widest text column), else the text columns share what the
    others leave, the narrowest wants first (never under their floor while it fits)."""
    fixed = sum(w for w, t in zip(wants, text, strict=True) if not t)
    if not any(text) or fixed + sum(f for f, t in zip(floors, text, strict=True) if t) > usable:
        scale = usable / sum(wants)  # nothing else fits: everything shrinks alike, and wraps
        return [w * scale for w in wants]
    room = usable - fixed
    widths = list(wants)
    flexible = [i for i, t in enumerate(text) if t]
    if sum(wants[i] for i in flexible) <= room:
        widest = max(flexible, key=lambda i: wants[i])  # the description, the memo
        widths[widest] += room - sum(wants[i] for i in flexible)
        return widths
    pending = sorted(flexible, key=lambda i: wants[i])
    while pending:
        share = room / len(pending)
        i = pending[0]
        if wants[i] <= share:
            widths[i] = wants[i]
        else:  # the rest share alike, each at least its floor
            floor_total = sum(floors[j] for j in pending)
            spare = room - floor_total
            over = sum(wants[j] - floors[j] for j in pending)
            for j in pending:
                widths[j] = floors[j] + spare * (wants[j] - floors[j]) / over
            break
        room -= widths[i]
        pending.pop(0)
    return widths


# -- Pages --------------------------------------------------------------------------------


def _pdf_string(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


class _Writer:
    """Pages, one at a time: the stamp and column titles on each, rows until it is full."""

    def __init__(self, statement: Statement, layout: _Layout, out: BinaryIO):
        self.statement, self.layout = statement, layout
        self.width, self.height = layout.pagesize
        meta = statement.meta
        canvas = Canvas(out, pagesize=layout.pagesize, pageCompression=1)
        title = statement.title + (f" — {statement.subtitle}" if statement.subtitle else "")
        canvas.setTitle(f"{title} — {meta.fund_name}")
        canvas.setAuthor(meta.generated_by)
        canvas.setSubject(f"{meta.status_label} · {meta.period_label}")
        canvas.setKeywords(
            f"status: {meta.status_label}; period: {meta.period_label}; "
            f"journal head: {meta.head_hash}; entries: {meta.entries}"
        )
        canvas.setCreator("fundledger")
        self.canvas = canvas
        # "Y" of "Page X of Y": one stream every page refers to, written at the end.
        self.page_total = PDFStream(PDFDictionary({}), b"")
        self.page_total_ref = canvas._doc.Reference(self.page_total, "FundledgerPageTotal")
        # What every page repeats: drawn once, on the first page (see _stamp).
        self.stamp = PDFStream(PDFDictionary({"Filter": PDFArray([PDFName("FlateDecode")])}), b"")
        self.stamp_ref = canvas._doc.Reference(self.stamp, "FundledgerStamp")
        self.page_x = self.width - MARGIN - 30
        self.header = self._header_lines(title)
        self.header_height = sum(leading for _, _, _, leading in self.header) + 10
        self.titles_height = max(len(t) for t in layout.titles) * LEADING + 2 * PAD_Y
        self.bottom = MARGIN + FOOTER_HEIGHT
        self.capacity = self._table_top() - self.bottom
        self.page = 0
        self.text = None
        self.font = None
        self.y = 0.0
        self.empty = True
        self._new_page()

    # The stamp

    def _header_lines(self, title: str) -> list[tuple[str, float, str, float]]:
        meta = self.statement.meta
        full = self.width - 2 * MARGIN
        status_width = _width(meta.status_label, BOLD, 10) + 14
        lines = [
            (BOLD, 11, line, 14)
            for line in wrap(meta.fund_name, BOLD, full - status_width - 12, 11)
        ]
        lines += [(BOLD, 14, line, 17) for line in wrap(title, BOLD, full, 14)]
        info = [
            f"{meta.period_label} · amounts in {meta.functional_currency} unless marked",
            f"Generated {meta.generated_at.strftime('%Y-%m-%d %H:%M UTC')} by {meta.generated_by}"
            f" · built from {meta.entries} journal entries",
        ]
        for text in info:
            lines += [(FONT, 9, line, 12) for line in wrap(text, FONT, full, 9)]
        lines.append(("Courier", 7, f"Journal head hash {meta.head_hash}", 10))
        return lines

    def _table_top(self) -> float:
        return self.height - MARGIN - self.header_height - self.titles_height

    def _new_page(self) -> None:
        if self.page:
            self._end_page()
        self.page += 1
        if self.page == 1:
            self._stamp()
        self.text = self.canvas.beginText()
        self.text.setFont(FONT, 7)
        label = f"Page {self.page} of"
        x = self.page_x - _width(label, FONT, 7)
        self.text._code.append(f"1 0 0 1 {x:.2f} {MARGIN:.2f} Tm {_pdf_string(label)} Tj")
        self.font = None
        self.y = self._table_top()
        self.empty = True

    def _stamp(self) -> None:
        """Draw what every page repeats (the stamp, the column titles, the footer) once, into
        one content stream that every page's content begins with."""
        canvas, layout = self.canvas, self.layout
        mark = len(canvas._code)
        top = self.height - MARGIN
        y = top
        for font, size, text, leading in self.header:
            y -= leading
            canvas.setFont(font, size)
            canvas.drawString(MARGIN, y + (leading - size) * 0.5, text)
        self._status_box(top)
        rule = top - self.header_height + 4
        canvas.setStrokeColor(colors.black)
        canvas.setLineWidth(0.8)
        canvas.line(MARGIN, rule, self.width - MARGIN, rule)
        titles_top = self.height - MARGIN - self.header_height
        canvas.setFillColor(GREY)
        canvas.rect(
            MARGIN,
            titles_top - self.titles_height,
            self.width - 2 * MARGIN,
            self.titles_height,
            stroke=0,
            fill=1,
        )
        canvas.setFillColor(colors.black)
        canvas.setFont(BOLD, SIZE)
        for i, lines in enumerate(layout.titles):
            for n, line in enumerate(lines):
                baseline = titles_top - PAD_Y - ASCENT - n * LEADING
                if layout.right[i]:
                    right = layout.xs[i] + layout.widths[i] - PAD_X
                    canvas.drawRightString(right, baseline, line)
                else:
                    canvas.drawString(layout.xs[i] + PAD_X, baseline, line)
        canvas.setFont(FONT, 7)
        canvas.drawString(MARGIN, MARGIN, "fundledger · figures from the hash-chained journal")
        canvas.setLineWidth(0.5)
        operators = "\n".join(["q", *canvas._code[mark:], "Q"])
        del canvas._code[mark:]
        self.stamp.content = zlib.compress(operators.encode("latin-1"))

    def _status_box(self, top: float) -> None:
        canvas, meta = self.canvas, self.statement.meta
        label = meta.status_label
        width = _width(label, BOLD, 10) + 12
        x = self.width - MARGIN - width
        color = FINAL_GREEN if meta.is_final else DRAFT_RED
        canvas.setStrokeColor(color)
        canvas.setFillColor(color)
        canvas.setLineWidth(1.2)
        canvas.rect(x, top - 14, width, 15, stroke=1, fill=0)  # on the fund's line only
        canvas.setFont(BOLD, 10)
        canvas.drawString(x + 6, top - 10, label)
        canvas.setFillColor(colors.black)
        canvas.setStrokeColor(colors.black)

    def _end_page(self) -> None:
        self.canvas.drawText(self.text)
        self.canvas.showPage()
        page = self.canvas._doc.Pages.pages[-1]
        _compress_last_page(self.canvas)
        own = self.canvas._doc.Reference(page.Contents)
        page.Contents = PDFArray([self.stamp_ref, own, self.page_total_ref])

    # Rows

    def block(self, rows: list[Prepared]) -> None:
        """Rows kept on one page if they fit on one (else as they come)."""
        needed = sum(_height(lines) for lines, _, _ in rows)
        if needed > self.y - self.bottom and needed <= self.capacity and not self.empty:
            self._new_page()
        for row in rows:
            self._row(*row)

    def gap(self, height: float) -> None:
        if not self.empty:
            self.y -= height

    def _row(self, lines: int, cells: list, style: str) -> None:
        room = self.y - self.bottom
        if _height(lines) > room and (_height(lines) <= self.capacity or room < _height(1)):
            self._new_page()
        first = 0
        while first < lines:  # a row taller than a page goes on over several
            fit = max(1, int((self.y - self.bottom - 2 * PAD_Y) // LEADING))
            last = min(lines, first + fit)
            self._draw(cells, first, last, style)
            first = last
            if first < lines:
                self._new_page()

    def _draw(self, cells: list, first: int, last: int, style: str) -> None:
        top = self.y
        height = _height(last - first)
        if style in ("subtotal", "total"):
            self.canvas.setLineWidth(0.5)
            self.canvas.line(MARGIN, top, self.width - MARGIN, top)
            if style == "total":
                self.canvas.line(MARGIN, top - height, self.width - MARGIN, top - height)
                self.canvas.line(
                    MARGIN, top - height - 1.5, self.width - MARGIN, top - height - 1.5
                )
        text = self.text
        append = text._code.append
        baselines = [f"{top - PAD_Y - ASCENT:.2f} Tm "]
        for font, placed in cells:
            if font != self.font:
                text.setFont(font, SIZE)
                self.font = font
            if first or last < len(placed):
                placed = placed[first:last]
            while len(baselines) < len(placed):
                baselines.append(f"{top - PAD_Y - ASCENT - len(baselines) * LEADING:.2f} Tm ")
            for (x, line), y in zip(placed, baselines, strict=False):
                if not line.isascii():
                    append(f"1 0 0 1 {x:.2f} {y}{text._formatText(line)}")
                elif "(" in line or ")" in line or "\\" in line:
                    append(f"1 0 0 1 {x:.2f} {y}{_pdf_string(line)} Tj")
                else:
                    append(f"1 0 0 1 {x:.2f} {y}({line}) Tj")
        self.y = top - height
        self.empty = False

    def signature(self) -> None:
        """Prepared by / approved by, each with name, signature and date lines, on one page."""
        height = 110
        if self.y - self.bottom < height:
            self._new_page()
        canvas = self.canvas
        top = self.y - 24
        column = (self.width - 2 * MARGIN) / 2
        canvas.setLineWidth(0.5)
        for n, heading in enumerate(("Prepared by", "Approved by")):
            x = MARGIN + n * column
            canvas.setFont(BOLD, 9)
            canvas.drawString(x, top, heading)
            canvas.setFont(FONT, 8)
            for k, label in enumerate(("Name", "Signature", "Date")):
                y = top - 24 - k * 24
                canvas.drawString(x, y, label)
                canvas.line(x + 48, y - 2, x + column - 24, y - 2)
        self.y = top - 24 * 3 - 10
        self.empty = False

    def finish(self) -> None:
        self._end_page()
        font = self.canvas._doc.getInternalFontName(FONT)
        self.page_total.content = (
            f"BT {font} 7 Tf 1 0 0 1 {self.page_x + 2.5:.2f} {MARGIN:.2f} Tm ({self.page}) Tj ET"
        ).encode("latin-1")
        self.canvas.save()


def _height(lines: int) -> float:
    return lines * LEADING + 2 * PAD_Y


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
