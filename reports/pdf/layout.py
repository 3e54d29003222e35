"""Where every column goes, decided once from the content, and rows made ready to draw.

A statement whose rows are a list is measured whole; a streamed one (a journal of
200,000 postings) is measured on its first rows (the caller's sample), with amount
columns widened to what their totals need (no debit exceeds the total of its column); a
later cell wider than its column wraps like any text (an amount in another currency
breaks after its ISO code). A statement whose columns do not fit portrait A4 is laid out
landscape. Each cell is formatted and measured once: its width serves both the fit and
the right alignment, and a cell that fits is placed without wrapping.
"""

from __future__ import annotations

from collections.abc import Callable

from reports.formatting import people_formatter
from reports.pdf.fonts import BOLD, FONT, font_for, longest_word, metrics, width, wrap
from reports.pdf.style import LANDSCAPE, MARGIN, PAD_X, PORTRAIT, STRUCTURE
from reports.statement import Column, Statement

#: A text column is not made narrower than this (points) while the page has room.
TEXT_FLOOR = 56.0
#: Portrait only if every text column can have at least this much (or all it asks for).
TEXT_COMFORT = 140.0

#: A row ready to draw: its number of lines, its cells (font, [(x, line), ...]), its style.
Prepared = tuple[int, list, str]


def total_row(statement: Statement, totals: dict) -> dict:
    """A closing line, called "Total" unless it names itself (a text cell of its own)."""
    row = {"_style": "total", **totals}
    if not any(c.kind == "text" and row.get(c.key) for c in statement.columns):
        row.setdefault(statement.columns[0].key, "Total")
    return row


def spans(row: dict, keys: list[str]) -> bool:
    """Whether the row's first cell runs on over the empty cells after it: a heading's title,
    or a closing line's label ("Total EUR") with nothing beside it, which an entry-number
    column would otherwise have to be as wide as."""
    style = row.get("_style")
    if style == "heading":
        return True
    return (
        style in ("subtotal", "total")
        and isinstance(row.get(keys[0]), str)
        and len(keys) > 1
        and row.get(keys[1]) is None
    )


def _measure(text: str, font: str) -> float:
    return width(text, font_for(text, font))


class Layout:
    """The page size, the column widths and titles, and :meth:`prepare` for each row."""

    def __init__(self, statement: Statement, rows: list[dict], *, complete: bool):
        self.statement = statement
        columns = statement.columns
        self.formats: list[Callable[[dict], str]] = [
            people_formatter(c, statement.meta) for c in columns
        ]
        self.keys = [c.key for c in columns]
        self.right = [c.is_amount or c.kind == "int" for c in columns]
        wants, floors = self._wants(columns, rows, complete)
        portrait = PORTRAIT[0] - 2 * MARGIN
        comfortable = [
            min(want, TEXT_COMFORT) if column.kind == "text" else floor
            for column, want, floor in zip(columns, wants, floors, strict=True)
        ]
        self.pagesize = PORTRAIT if sum(comfortable) <= portrait else LANDSCAPE
        self.usable = self.pagesize[0] - 2 * MARGIN
        self.widths = allocate(wants, floors, [c.kind == "text" for c in columns], self.usable)
        self.xs = [MARGIN + sum(self.widths[:i]) for i in range(len(columns))]
        self.inner = [w - 2 * PAD_X for w in self.widths]
        #: Per column: its title's font and lines.
        self.titles = [
            (font_for(c.title, BOLD), wrap(c.title, font_for(c.title, BOLD), w))
            for c, w in zip(columns, self.inner, strict=True)
        ]
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
        closing = [total_row(self.statement, total) for total in self.statement.total_rows()]
        for row in [*rows, *closing]:
            style = row.get("_style")
            font = BOLD if style in STRUCTURE else FONT
            for i, (key, fmt) in enumerate(zip(self.keys, self.formats, strict=True)):
                if key not in row:
                    continue
                if key == first and (style == "text" or spans(row, self.keys)):
                    continue
                measured = _measure(fmt(row), font)
                if measured > natural[i]:
                    natural[i] = measured
        if not complete:
            self._streamed(columns, natural)
        wants, floors = [], []
        for column, measured in zip(columns, natural, strict=True):
            title_word = longest_word(column.title, BOLD)
            want = max(measured, title_word) + 2 * PAD_X
            wants.append(want)
            if column.kind == "text":
                floors.append(max(title_word + 2 * PAD_X, min(want, TEXT_FLOOR)))
            else:
                floors.append(want)
        return wants, floors

    def _streamed(self, columns: list[Column], natural: list[float]) -> None:
        """Widen what rows beyond the sample may need more of: running balances, dates,
        entry numbers."""
        statement = self.statement
        totalled = {k for row in statement.total_rows() for k, v in row.items() if v}
        bound = self._amount_bound()
        digits = len(str(max(statement.row_count or 0, statement.meta.entries)))
        for i, column in enumerate(columns):
            if column.kind == "money" and column.key not in totalled:
                natural[i] = max(natural[i], width(f"({bound})", BOLD))
            elif column.kind == "date":
                natural[i] = max(natural[i], width("0000-00-00", FONT))
            elif column.kind == "datetime":
                natural[i] = max(natural[i], width("0000-00-00 00:00", FONT))
            elif column.kind == "int":
                natural[i] = max(natural[i], width("0" * (digits + 1), FONT))

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

    def prepare(self, row: dict) -> Prepared:
        style = row.get("_style")
        if style == "text":
            return self.paragraph(str(row.get(self.keys[0], "")), FONT)
        font = BOLD if style in STRUCTURE else FONT
        cells, height = [], 1
        span_from = 0
        if spans(row, self.keys):  # a title or a closing label runs on until the next figure
            first = row.get(self.keys[0])
            span_to = next(
                (i for i in range(1, len(self.keys)) if row.get(self.keys[i]) is not None),
                len(self.keys),
            )
            if first is not None:
                heading_font = font_for(str(first), BOLD)
                room = sum(self.widths[:span_to]) - 2 * PAD_X
                lines = wrap(str(first), heading_font, room)
                cells.append((heading_font, [(MARGIN + PAD_X, line) for line in lines]))
                height = len(lines)
            span_from = span_to
        plain = metrics(font)
        known = plain.known
        for fmt, right, left, edge, inner in self.slots[span_from:]:
            text = fmt(row)
            if not text:
                continue
            cell_font, measure = font, plain
            if not text.isascii():
                cell_font = font_for(text, font)
                measure = metrics(cell_font)
            measured = (known.get(text) if measure is plain else None) or measure(text)
            if measured <= inner:
                cells.append((cell_font, ((edge - measured if right else left, text),)))
                continue
            lines = wrap(text, cell_font, inner)
            if right:
                placed = [(edge - measure(line), line) for line in lines]
            else:
                placed = [(left, line) for line in lines]
            cells.append((cell_font, placed))
            if len(lines) > height:
                height = len(lines)
        return height, cells, style

    def paragraph(self, text: str, font: str) -> Prepared:
        font = font_for(text, font)
        lines = wrap(text, font, self.usable - 2 * PAD_X)
        return len(lines), [(font, [(MARGIN + PAD_X, line) for line in lines])], "text"


def allocate(
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
