"""XLSX, written a row at a time, with the columns of :mod:`reports.tabular`.

openpyxl's write-only workbook, streamed to disk as it is written:
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

from copy import copy
from datetime import UTC, date, datetime
from typing import BinaryIO

from ledger.money import exponent
from reports.statement import Statement
from reports.tabular import (
    FLOAT_DIGITS,
    SIGNATURE,
    STRUCTURE,
    OutColumn,
    amount_text,
    currency_of,
    fits_a_float,
    out_columns,
)

#: Rows written to the CSV per piece of the stream.


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
            out.append(cells.amount(int(value), currency_of(column, row, functional), bold))
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
