"""CSV, written a row at a time (never a frame of the whole statement), and the columns
every tabular format shares.

The columns are: the statement's own, with the currency of every
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

The XLSX writer (:mod:`reports.xlsx`) uses the same columns.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from itertools import islice

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


def currency_of(column: Column, row: dict, functional: str) -> str:
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
