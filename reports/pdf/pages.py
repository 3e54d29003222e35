"""Pages, one at a time: the stamp and column titles on each, rows until it is full.

Every page carries the stamp (fund, title, period, status DRAFT/FINAL in a box,
generation, journal head), drawn once into a content stream that every page's content
begins with. Since rows differ in height, the page count is known only at the end: each
page's content ends with one small shared stream, written last, that prints the "Y" of
"Page X of Y". A page's operators are written out (compressed) as soon as it is full and
then forgotten (:mod:`reports.pdf.document`), so memory does not grow with the pages.

Rows are drawn as two PDF operators per line (a text matrix and a show) into one text
object per page, the font changed only when it changes; rules and boxes go into the
page's graphics before it.
"""

from __future__ import annotations

from reports.pdf.document import Fonts, PdfFile, pdf_date, text_string
from reports.pdf.fonts import BOLD, FONT, MONO, font_for, width, wrap
from reports.pdf.layout import Layout, Prepared
from reports.pdf.style import (
    ASCENT,
    DRAFT_RED,
    FINAL_GREEN,
    FOOTER_HEIGHT,
    GREY,
    LEADING,
    MARGIN,
    PAD_X,
    PAD_Y,
    SIZE,
    TOTAL_RULE_GAP,
    height,
)
from reports.statement import Statement

#: Characters a PDF literal string escapes.
_ESCAPED = frozenset("()\\")


def _rgb(color: tuple[float, float, float], operator: str) -> str:
    return " ".join(f"{level:.3g}" for level in color) + f" {operator}"


class PageWriter:
    """Draws a statement's rows onto pages and writes each page when it is full."""

    def __init__(self, statement: Statement, layout: Layout, file: PdfFile):
        self.statement, self.layout, self.file = statement, layout, file
        self.width, self.height = layout.pagesize
        self.fonts = Fonts(file)
        self.pages_tree = file.reserve()
        self.page_numbers: list[int] = []  # object numbers of the pages, in order
        self.stamp = file.reserve()  # what every page repeats
        self.page_total = file.reserve()  # the "Y" of "Page X of Y"
        self.title = statement.title + (f" — {statement.subtitle}" if statement.subtitle else "")
        self.page_x = self.width - MARGIN - 30
        self.header = self._header_lines()
        self.header_height = sum(leading for _, _, _, leading in self.header) + 10
        self.titles_height = max(len(lines) for _, lines in layout.titles) * LEADING + 2 * PAD_Y
        self.bottom = MARGIN + FOOTER_HEIGHT
        self.capacity = self._table_top() - self.bottom
        self.page = 0
        self.graphics: list[str] = []
        self.text: list[str] = []
        self.font: str | None = None
        self.y = 0.0
        #: The style of the row drawn last (consecutive closing lines share their rules).
        self.last_style: str | None = None
        self.empty = True
        self._new_page()

    # The stamp

    def _header_lines(self) -> list[tuple[str, float, str, float]]:
        meta = self.statement.meta
        full = self.width - 2 * MARGIN
        status_width = width(meta.status_label, BOLD, 10) + 14
        lines = []
        for text, bold, size, leading, room in (
            (meta.fund_name, True, 11, 14, full - status_width - 12),
            (self.title, True, 14, 17, full),
            (
                f"{meta.period_label} · amounts in {meta.functional_currency} unless marked",
                False,
                9,
                12,
                full,
            ),
            (
                f"Generated {meta.generated_at.strftime('%Y-%m-%d %H:%M UTC')} by "
                f"{meta.generated_by} · built from {meta.entries} journal entries",
                False,
                9,
                12,
                full,
            ),
        ):
            font = font_for(text, BOLD if bold else FONT)
            lines += [(font, size, line, leading) for line in wrap(text, font, room, size)]
        lines.append((MONO, 7, f"Journal head hash {meta.head_hash}", 10))
        if meta.checkpoint is not None:
            signed = meta.checkpoint
            lines.append(
                (
                    MONO,
                    7,
                    f"Checkpoint {signed.taken_at}, key {signed.key_id}, "
                    f"signature {signed.signature[:32]}…",
                    10,
                )
            )
        return lines

    def _table_top(self) -> float:
        return self.height - MARGIN - self.header_height - self.titles_height

    def _show(self, out: list[str], font: str, size: float, x: float, y: float, text: str):
        out.append(f"{self.fonts.name(font)} {size} Tf 1 0 0 1 {x:.2f} {y:.2f} Tm")
        out.append(self.fonts.show(font, text))

    def _write_stamp(self) -> None:
        """What every page repeats (the stamp, the column titles, the footer), once."""
        layout, ops = self.layout, ["q"]
        top = self.height - MARGIN
        titles_top = top - self.header_height
        meta = self.statement.meta
        label = meta.status_label
        box = width(label, BOLD, 10) + 12
        x = self.width - MARGIN - box
        color = FINAL_GREEN if meta.is_final else DRAFT_RED
        rule = top - self.header_height + 4
        ops += [
            _rgb(color, "RG"),
            "1.2 w",
            f"{x:.2f} {top - 14:.2f} {box:.2f} 15 re S",  # on the fund's line only
            "0 0 0 RG 0.8 w",
            f"{MARGIN:.2f} {rule:.2f} m {self.width - MARGIN:.2f} {rule:.2f} l S",
            _rgb(GREY, "rg"),
            f"{MARGIN:.2f} {titles_top - self.titles_height:.2f} "
            f"{self.width - 2 * MARGIN:.2f} {self.titles_height:.2f} re f",
            "BT",
            _rgb(color, "rg"),
        ]
        self._show(ops, BOLD, 10, x + 6, top - 10, label)
        ops.append("0 0 0 rg")
        y = top
        for font, size, text, leading in self.header:
            y -= leading
            self._show(ops, font, size, MARGIN, y + (leading - size) * 0.5, text)
        for i, (font, lines) in enumerate(layout.titles):
            for n, line in enumerate(lines):
                baseline = titles_top - PAD_Y - ASCENT - n * LEADING
                if layout.right[i]:
                    right = layout.xs[i] + layout.widths[i] - PAD_X
                    x = right - width(line, font)
                else:
                    x = layout.xs[i] + PAD_X
                self._show(ops, font, SIZE, x, baseline, line)
        footer = "fundledger · figures from the hash-chained journal"
        self._show(ops, FONT, 7, MARGIN, MARGIN, footer)
        ops += ["ET", "Q"]
        self.file.stream(self.stamp, "\n".join(ops).encode("latin-1"))

    # Pages

    def _new_page(self) -> None:
        if self.page:
            self._end_page()
        self.page += 1
        if self.page == 1:
            self._write_stamp()
        self.graphics, self.text = [], ["BT"]
        label = f"Page {self.page} of"
        self._show(self.text, FONT, 7, self.page_x - width(label, FONT, 7), MARGIN, label)
        self.font = None
        self.y = self._table_top()
        self.empty = True

    def _end_page(self) -> None:
        content, page = self.file.reserve(), self.file.reserve()
        self.text.append("ET")
        data = "\n".join(self.graphics + self.text).encode("latin-1")
        self.file.stream(content, data)
        self.file.object(
            page,
            f"<< /Type /Page /Parent {self.pages_tree} 0 R "
            f"/MediaBox [0 0 {self.width:.2f} {self.height:.2f}] "
            f"/Resources {self.fonts.resources} 0 R "
            f"/Contents [{self.stamp} 0 R {content} 0 R {self.page_total} 0 R] >>",
        )
        self.page_numbers.append(page)
        self.graphics, self.text = [], []

    # Rows

    def block(self, rows: list[Prepared]) -> None:
        """Rows kept on one page if they fit on one (else as they come)."""
        needed = sum(height(lines) for lines, _, _ in rows)
        if needed > self.y - self.bottom and needed <= self.capacity and not self.empty:
            self._new_page()
        for row in rows:
            self._row(*row)

    def gap(self, room: float) -> None:
        if not self.empty:
            self.y -= room

    def _row(self, lines: int, cells: list, style: str) -> None:
        room = self.y - self.bottom
        if height(lines) > room and (height(lines) <= self.capacity or room < height(1)):
            self._new_page()
        first = 0
        while first < lines:  # a row taller than a page goes on over several
            fit = max(1, int((self.y - self.bottom - 2 * PAD_Y) // LEADING))
            last = min(lines, first + fit)
            self._draw(cells, first, last, style)
            first = last
            if first < lines:
                self._new_page()

    def _rule(self, y: float) -> None:
        self.graphics.append(f"{MARGIN:.2f} {y:.2f} m {self.width - MARGIN:.2f} {y:.2f} l S")

    def _draw(self, cells: list, first: int, last: int, style: str) -> None:
        follows_total = style == "total" and self.last_style == "total" and not self.empty
        if follows_total:  # below the double rule of the closing line above, not through it
            self.y -= 2 * TOTAL_RULE_GAP
        top = self.y
        tall = height(last - first)
        self.last_style = style
        if style in ("subtotal", "total"):
            self.graphics.append("0.5 w")
            if not follows_total:
                self._rule(top)
            if style == "total":
                self._rule(top - tall)
                self._rule(top - tall - TOTAL_RULE_GAP)
        append = self.text.append
        fonts = self.fonts
        baselines = [f"{top - PAD_Y - ASCENT:.2f} Tm "]
        for font, placed in cells:
            if font != self.font:
                append(f"{fonts.name(font)} {SIZE} Tf")
                self.font = font
            if first or last < len(placed):
                placed = placed[first:last]
            while len(baselines) < len(placed):
                baselines.append(f"{top - PAD_Y - ASCENT - len(baselines) * LEADING:.2f} Tm ")
            standard = font not in fonts.codes  # embedded fonts: codes of our own
            for (x, line), y in zip(placed, baselines, strict=False):
                if standard and line.isascii() and not _ESCAPED.intersection(line):
                    append(f"1 0 0 1 {x:.2f} {y}({line}) Tj")
                else:
                    append(f"1 0 0 1 {x:.2f} {y}{fonts.show(font, line)}")
        self.y = top - tall
        self.empty = False

    def signature(self) -> None:
        """Prepared by / approved by, each with name, signature and date lines, on one page."""
        if self.y - self.bottom < 110:
            self._new_page()
        top = self.y - 24
        column = (self.width - 2 * MARGIN) / 2
        self.graphics.append("0.5 w")
        for n, heading in enumerate(("Prepared by", "Approved by")):
            x = MARGIN + n * column
            self._show(self.text, BOLD, 9, x, top, heading)
            for k, label in enumerate(("Name", "Signature", "Date")):
                y = top - 24 - k * 24
                self._show(self.text, FONT, SIZE, x, y, label)
                self.graphics.append(
                    f"{x + 48:.2f} {y - 2:.2f} m {x + column - 24:.2f} {y - 2:.2f} l S"
                )
        self.font = None
        self.y = top - 24 * 3 - 10
        self.empty = False

    def finish(self) -> None:
        """The last page, then what only the end knows: the page count, the page tree, the
        fonts, the catalogue and metadata, the cross-reference table."""
        self._end_page()
        file, meta = self.file, self.statement.meta
        total = f"BT {self.fonts.name(FONT)} 7 Tf 1 0 0 1 {self.page_x + 2.5:.2f} "
        file.stream(self.page_total, f"{total}{MARGIN:.2f} Tm ({self.page}) Tj ET".encode())
        kids = " ".join(f"{n} 0 R" for n in self.page_numbers)
        file.object(
            self.pages_tree,
            f"<< /Type /Pages /Count {len(self.page_numbers)} /Kids [{kids}] >>",
        )
        self.fonts.write()
        catalog, info = file.reserve(), file.reserve()
        file.object(catalog, f"<< /Type /Catalog /Pages {self.pages_tree} 0 R >>")
        fields = {
            "Title": f"{self.title} — {meta.fund_name}",
            "Author": meta.generated_by,
            "Subject": f"{meta.status_label} · {meta.period_label}",
            "Keywords": f"status: {meta.status_label}; period: {meta.period_label}; "
            f"journal head: {meta.head_hash}; entries: {meta.entries}",
            "Creator": "fundledger",
            "Producer": "fundledger (reports.pdf)",
        }
        if meta.checkpoint is not None:
            # Whole, for `fundledger verify-statement` (base64: no escaping, ASCII).
            fields["FundledgerCheckpoint"] = meta.checkpoint.token()
        entries = " ".join(f"/{key} {text_string(value)}" for key, value in fields.items())
        moment = pdf_date(meta.generated_at)
        file.object(info, f"<< {entries} /CreationDate {moment} /ModDate {moment} >>")
        file.close(catalog, info, f"{meta.head_hash} {meta.generated_at} {self.title}")
