"""CSV and XLSX, written a row at a time (never a frame of the whole statement).

Both have the same columns: the statement's own, with the currency of every
amount said in it. A ``money`` column is in the fund's functional currency,
which its title names (``Carrying value (EUR)``, unless it does already:
``Value in EUR``); a ``money_in`` column (an
award's own currency) has a column right beside it holding each amount's
currency (``Amount currency``), so that THB 1,250,000 is never read as
1,250,000 of the currency printed elsewhere.

CSV: the first line is the header row, then one line per row of the statement,
its structure rows (headings, subtotals, a paragraph of the notes) included,
since a financial statement's lines are its data. Amounts are exact decimal
strings (``1234.50``), dates ISO 8601. The **closing totals are left out of
the CSV**: a totals line would be summed along with the lines it totals and
would put a word in a numeric column, and the JSON, the XLSX and the PDF
carry them. The stamp (fund, period, DRAFT or FINAL, head hash) is in the file
name and the response headers (:meth:`Statement.filename`, :meth:`Statement.headers`).
``pandas.read_csv`` reads the file with its defaults.

XLSX (openpyxl's write-only workbook, streamed to disk as it is written):
sheet "Statement" holds the column titles and the rows (headings, subtotals and
totals bold); sheet "Totals" the closing lines (one per currency when there are
several), apart so that a SUM over a column of "Statement" counts every line
once; sheet "About" the stamp, the notes, what the columns mean and, for a
financial statement, the signature block. Amounts are numeric cells with the
currency's number format (``#,##0.00``; ``#,##0`` for JPY; ``#,##0.000`` for
KWD; negatives in brackets), dates are date cells (``yyyy-mm-dd``), whole
numbers are numbers. A spreadsheet number is a binary float: exact for a
decimal of at most 15 significant digits. An amount beyond that is written as
its exact decimal text instead (a SUM skips it), and "About" says how many.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from copy import copy
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from itertools import islice
from typing import BinaryIO

from ledger.errors import Invalid
from ledger.money import exponent
from reports.statement import Column, Statement

#: Rows written to the CSV per piece of the stream.
CHUNK = 2000
#: Row styles printed bold.
STRUCTURE = frozenset({"heading", "subtotal", "total"})
#: Significant digits a spreadsheet number (an IEEE double) holds exactly.
FLOAT_DIGITS = 15

SIGNATURE = ("Prepared by", "Approved by", "Date")


def amount_text(minor: int, digits: int) -> str:
    """The exact decimal string of ``minor`` units with ``digits`` decimals (``-1234.50``)."""
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), 10**digits)
    return f"{sign}{whole}.{frac:0{digits}d}" if digits else f"{sign}{whole}"


def fits_a_float(minor: int) -> bool:
    """Whether the amount has at most 15 significant digits (a double holds it exactly)."""
    return len(str(abs(minor)).rstrip("0")) <= FLOAT_DIGITS


@dataclass(frozen=True)
class OutColumn:
    """A column of the CSV and the XLSX: a statement column, or the currency beside one."""

    title: str
    column: Column
    #: ``value`` (the column's own cell) or ``currency`` (the currency of its amount).
    part: str = "value"


def beside_title(title: str) -> str:
    """The title of the currency beside an amount: ``Amount currency`` (``In its currency
    (code)`` for a title that says "currency" already)."""
    return f"{title} (code)" if "currency" in title.lower() else f"{title} currency"


def out_columns(statement: Statement) -> list[OutColumn]:
    functional = statement.meta.functional_currency
    out = []
    for column in statement.columns:
        if column.kind == "money":
            named = functional in column.title.split()  # "Value in EUR" says it already
            title = column.title if named else f"{column.title} ({functional})"
            out.append(OutColumn(title, column))
        elif column.kind == "money_in":
            out.append(OutColumn(column.title, column))
            out.append(OutColumn(beside_title(column.title), column, "currency"))
        else:
            out.append(OutColumn(column.title, column))
    return out


def _currency_of(column: Column, row: dict, functional: str) -> str:
    return functional if column.kind == "money" else row[column.currency_key]


# -- CSV ---------------------------------------------------------------------------------


#: A currency's number of decimals, looked up once per currency (not per cell).
_digits = cache(exponent)


def row_keys(statement: Statement) -> tuple[str, ...]:
    """The keys whose values make a row's tuple: the statement's :attr:`~Statement.record_keys`,
    or its columns' keys and the currency keys beside them."""
    if statement.record_keys is not None:
        return statement.record_keys
    keys = [column.key for column in statement.columns]
    beside = [c.currency_key for c in statement.columns if c.currency_key]
    keys += [key for key in dict.fromkeys(beside) if key not in keys]
    return tuple(keys)


def csv_field(value: str) -> str:
    """One cell as ``csv.writer`` writes it (quoted and its quotes doubled, if it must be)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([value])
    return buffer.getvalue()[:-1]


#: The characters that make ``csv.writer`` quote a field (the excel dialect with "\n" line
#: ends: a comma, a double quote, "\n"; and "\r" on the Pythons that quote it), asked of
#: ``csv.writer`` itself. A cell without any is written as it is.
_SPECIAL = re.compile(
    "[" + "".join(re.escape(c) for c in '\n\r",' if csv_field(f"a{c}") != f"a{c}") + "]"
)


def _fields(cells: list) -> list:
    """Text cells as fields of a CSV line, as ``csv.writer`` writes them: most have nothing
    to quote (one scan of the chunk's column says so); the others are put in double quotes,
    theirs doubled."""
    if not _SPECIAL.search("".join(cells)):
        return cells
    special = _SPECIAL.search
    return ['"' + cell.replace('"', '""') + '"' if special(cell) else cell for cell in cells]


def plain_text(value: object) -> str:
    """The CSV text of a cell that is not an amount: ISO 8601 for dates and times."""
    if value is None:
        return ""
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def amounts_text(values: Iterable, digits: int) -> list:
    """:func:`amount_text` of each value (``""`` for ``None``), the arithmetic inline: a
    column of a chunk at a time, no function call per cell."""
    if not set(map(type, values)) <= {int, type(None)}:
        values = [None if v is None else int(v) for v in values]
    if not digits:
        return ["" if v is None else str(v) for v in values]
    scale, pattern = 10**digits, f"%d.%0{digits}d"
    return [
        ""
        if v is None
        else (pattern % divmod(v, scale) if v >= 0 else "-" + pattern % divmod(-v, scale))
        for v in values
    ]


def _csv_column(out: OutColumn, functional: str, at: dict[str, int]):
    """A function from a chunk's columns (the values of each of :func:`row_keys`, in order) to
    ``out``'s cells: the decisions taken once per column, the cells made a column at a time."""
    column = out.column
    i = at[column.key]
    if out.part == "currency":
        c = at[column.currency_key]
        return lambda cols: _fields(
            ["" if v is None else k for v, k in zip(cols[i], cols[c], strict=True)]
        )
    if column.kind == "money":
        digits = _digits(functional)
        return lambda cols: amounts_text(cols[i], digits)
    if column.kind == "money_in":
        c = at[column.currency_key]

        def money_in(cols) -> list:
            values, currencies = cols[i], cols[c]
            try:  # the chunk's currencies (EUR, USD, THB…) most often share their decimals
                places = {_digits(k) for k in set(currencies) if k is not None}
            except Invalid:
                places = set()  # a code beside no amount is not read: see each cell
            if len(places) == 1:
                return amounts_text(values, places.pop())
            cells = [""] * len(values)
            used = {k for v, k in zip(values, currencies, strict=True) if v is not None}
            for currency in used:  # each currency's amounts at once, put back in their places
                at_ = [
                    j for j, k in enumerate(currencies) if k == currency and values[j] is not None
                ]
                texts = amounts_text([values[j] for j in at_], _digits(currency))
                for j, text in zip(at_, texts, strict=True):
                    cells[j] = text
            return cells

        return money_in

    def plain(cols):
        values = cols[i]
        types = set(map(type, values))
        if types == {str}:
            return _fields(list(values))
        if types <= {str, type(None)}:
            return _fields(["" if v is None else v for v in values])
        if types <= {int, type(None)}:
            return ["" if v is None else str(v) for v in values]
        if types == {date}:
            return list(map(date.isoformat, values))
        if types <= {date, type(None)}:
            return ["" if v is None else v.isoformat() for v in values]
        if types == {datetime}:
            return list(map(datetime.isoformat, values))
        return _fields([plain_text(v) for v in values])

    return plain


def csv_lines(statement: Statement) -> Iterator[str]:
    """The CSV's lines after its header row, as text, :data:`CHUNK` rows at a time.

    One path for every statement: a dict row becomes the tuple of its :func:`row_keys`
    values (a streamed statement's plain rows are such tuples already); each chunk is turned
    into columns, each output column's cells made from them at once (amounts, dates and
    codes have nothing to quote; text is quoted as ``csv.writer`` quotes it), and the lines
    joined back."""
    keys = row_keys(statement)
    at = {key: i for i, key in enumerate(keys)}
    functional = statement.meta.functional_currency
    makers = [_csv_column(out, functional, at) for out in out_columns(statement)]
    records = statement.iter_records()
    while chunk := list(islice(records, CHUNK)):
        if set(map(type, chunk)) != {tuple}:  # dict rows among them (structure, or all)
            chunk = [
                row if type(row) is tuple else tuple(row.get(key) for key in keys) for row in chunk
            ]
        cols = list(zip(*chunk, strict=True))
        cells = [make(cols) for make in makers]
        if len(cells) == 1:  # a line of one empty field is written '""'
            cells = [[cell or '""' for cell in cells[0]]]
        yield "\n".join(map(",".join, zip(*cells, strict=True))) + "\n"


def stream_csv(statement: Statement) -> Iterator[str]:
    """CSV text, a chunk of rows at a time: the header row first, then the rows (no totals)."""
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow([out.title for out in out_columns(statement)])
    yield header.getvalue()
    yield from csv_lines(statement)


# -- XLSX --------------------------------------------------------------------------------


def number_format(digits: int) -> str:
    """``#,##0.00;(#,##0.00)``: grouped, the currency's decimals, negatives in brackets."""
    body = "#,##0" + ("." + "0" * digits if digits else "")
    return f"{body};({body})"


class _Cells:
    """Styled write-only cells, their styles made once and copied (a style per cell,
    looked up in the workbook each time, would cost more than writing the cell)."""

    def __init__(self, sheet) -> None:
        from openpyxl.cell import WriteOnlyCell

        self._sheet = sheet
        self._make = WriteOnlyCell
        self._styles: dict[tuple, object] = {}
        #: Amounts written as text because a spreadsheet number would not hold them exactly.
        self.as_text = 0

    def _style(self, kind: str, digits: int, bold: bool):
        key = (kind, digits, bold)
        style = self._styles.get(key)
        if style is None:
            from openpyxl.styles import Alignment, Font

            cell = self._make(self._sheet)
            if bold:
                cell.font = Font(bold=True)
            if kind == "money":
                cell.number_format = number_format(digits)
            elif kind == "money_text":
                cell.alignment = Alignment(horizontal="right")
            elif kind == "date":
                cell.number_format = "yyyy-mm-dd"
            elif kind == "datetime":
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
            elif kind == "wrap":
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            style = self._styles[key] = cell._style
        return style

    def cell(self, value, kind: str = "text", digits: int = 0, bold: bool = False):
        cell = self._make(self._sheet, value)
        cell._style = copy(self._style(kind, digits, bold))
        return cell

    def amount(self, minor: int, currency: str, bold: bool = False):
        digits = exponent(currency)
        if fits_a_float(minor):
            # The one float of the ledger: a spreadsheet number, exact at <= 15 digits.
            return self.cell(minor / 10**digits if digits else minor, "money", digits, bold)
        self.as_text += 1
        return self.cell(amount_text(minor, digits), "money_text", 0, bold)


def _when(value, kind: str):
    """A date or date-time cell value (Excel has no time zones: an aware time goes to UTC)."""
    if isinstance(value, str):
        try:
            value = (
                datetime.fromisoformat(value) if kind == "datetime" else date.fromisoformat(value)
            )
        except ValueError:
            return value
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _xlsx_row(cells: _Cells, columns: list[OutColumn], row: dict, functional: str, bold: bool):
    out = []
    for oc in columns:
        column = oc.column
        value = row.get(column.key)
        if value is None:
            out.append(None)
        elif oc.part == "currency":
            currency = row[column.currency_key]
            out.append(cells.cell(currency, bold=True) if bold else currency)
        elif column.is_amount:
            out.append(cells.amount(int(value), _currency_of(column, row, functional), bold))
        elif column.kind in ("date", "datetime"):
            value = _when(value, column.kind)
            if isinstance(value, date) and not isinstance(value, datetime) and not bold:
                out.append(value)  # openpyxl gives a plain date its yyyy-mm-dd format itself
                continue
            kind = "datetime" if isinstance(value, datetime) else "date"
            out.append(cells.cell(value, kind if isinstance(value, date) else "text", bold=bold))
        elif column.kind == "int" and isinstance(value, str) and value.lstrip("-").isdigit():
            out.append(cells.cell(int(value), bold=bold) if bold else int(value))
        else:
            out.append(cells.cell(value, bold=bold) if bold else value)
    return out


def _widths(sheet, columns: list[OutColumn]) -> None:
    from openpyxl.utils import get_column_letter

    for j, oc in enumerate(columns, start=1):
        if oc.part == "currency":
            width = 10
        elif oc.column.is_amount:
            width = max(16, len(oc.title) + 2)
        else:
            width = max(10, min(60, 14 * oc.column.width), len(oc.title) + 2)
        sheet.column_dimensions[get_column_letter(j)].width = width


def write_xlsx(statement: Statement, out: BinaryIO) -> None:
    """The workbook, written to ``out``; rows go to a temporary file as they come, so a
    statement of any length takes the same memory."""
    from openpyxl import Workbook

    meta = statement.meta
    functional = meta.functional_currency
    columns = out_columns(statement)
    totals = statement.total_rows()

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Statement")
    totals_sheet = book.create_sheet("Totals") if totals else None
    about = book.create_sheet("About")

    cells = _Cells(sheet)
    _widths(sheet, columns)
    sheet.freeze_panes = "A2"
    sheet.oddHeader.center.text = f"{statement.title} — {meta.status_label}"
    sheet.oddFooter.center.text = "Page &P of &N"
    sheet.append([cells.cell(oc.title, bold=True) for oc in columns])
    first = statement.columns[0].key
    for row in statement.iter_rows():
        style = row.get("_style")
        if style == "text":
            sheet.append([cells.cell(row.get(first), "wrap")])
            continue
        sheet.append(_xlsx_row(cells, columns, row, functional, style in STRUCTURE))

    if totals_sheet is not None:
        total_cells = _Cells(totals_sheet)
        _widths(totals_sheet, columns)
        totals_sheet.append([total_cells.cell(oc.title, bold=True) for oc in columns])
        for line in totals:
            line = dict(line)
            line.setdefault(first, "Total")
            totals_sheet.append(_xlsx_row(total_cells, columns, line, functional, True))
        cells.as_text += total_cells.as_text

    _write_about(about, statement, totals_sheet is not None, cells.as_text)
    book.save(out)


def _write_about(sheet, statement: Statement, has_totals: bool, as_text: int) -> None:
    from openpyxl.styles import Alignment, Border, Side
    from openpyxl.utils import get_column_letter

    cells = _Cells(sheet)

    sheet.column_dimensions[get_column_letter(1)].width = 22
    sheet.column_dimensions[get_column_letter(2)].width = 100
    wrap = Alignment(wrap_text=True, vertical="top")

    def line(key: str, value: str = "") -> None:
        text = cells.cell(value)
        text.alignment = wrap
        sheet.append([cells.cell(key, bold=True), text])

    for key, value in statement.about():
        line(key, value)
    functional = statement.meta.functional_currency
    line(
        "Amounts",
        f"Columns titled ({functional}) are in the functional currency, {functional}; every "
        "other amount column has its currency in the column beside it. Amounts are numbers "
        "with their currency's decimals; negatives are shown in brackets.",
    )
    if has_totals:
        line(
            "Totals",
            "The closing totals are on the Totals sheet (one line per currency when there are "
            "several), so that a SUM over a column of the Statement sheet counts each line once.",
        )
    if as_text:
        line(
            "Exact as text",
            f"{as_text} amount(s) have more than {FLOAT_DIGITS} significant digits, more than a "
            "spreadsheet number holds exactly: they are written as their exact decimal text, "
            "which a SUM does not add.",
        )
    if statement.signature:
        sheet.append([])
        underline = Border(bottom=Side(style="thin"))
        for key in SIGNATURE:
            sheet.append([])
            blank = cells.cell("")
            blank.border = underline
            sheet.append([cells.cell(key, bold=True), blank])
