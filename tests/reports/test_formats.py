"""Spreadsheets that work, and every file named and bounded (issue 9, deliverables 5 and 7).

Every statement of the demo fund is downloaded in every format, as an
administrator and as an auditor, and read back with the tools a user has:
``pandas.read_csv`` with its defaults, openpyxl, pypdf. Each CSV and XLSX
amount is compared with the JSON's exact decimal string and its currency; the
awards register's outstanding column sums, per currency, to the JSON's total.
"""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
import zipfile
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal

import pandas as pd
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from ledger.money import exponent
from reports.render import PIECE, render, stream_json
from reports.statement import Column, Meta, Statement
from reports.statements import BUILDERS
from reports.tabular import beside_title, stream_csv
from reports.xlsx import number_format, write_xlsx
from tests.conftest import auth
from tests.reports.test_registers import PII, SLUGS, demo  # noqa: F401 (the demo fixture)

FORMATS = ("json", "csv", "xlsx", "pdf")


def titles_of(document: dict) -> list[tuple[str, dict, str]]:
    """The CSV/XLSX columns the JSON's columns make: (title, JSON column, part)."""
    currency = document["currency"]
    out = []
    for column in document["columns"]:
        if column["kind"] == "money":
            named = currency in column["title"].split()
            title = column["title"] if named else f"{column['title']} ({currency})"
            out.append((title, column, "value"))
        elif column["kind"] == "money_in":
            out.append((column["title"], column, "value"))
            out.append((beside_title(column["title"]), column, "currency"))
        else:
            out.append((column["title"], column, "value"))
    return out


def exact(value) -> Decimal:
    """A numeric XLSX cell as the decimal it stands for."""
    assert isinstance(value, int | float) and not isinstance(value, bool), value
    return Decimal(str(value))


def sheets(data: bytes) -> dict[str, list[tuple]]:
    """Every sheet of an XLSX, by name, as rows of values."""
    book = load_workbook(io.BytesIO(data), read_only=True)
    try:
        return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book}
    finally:
        book.close()


def about(data: bytes) -> dict[str, str]:
    """An XLSX's "About" sheet: the stamp, by line name (the last "Note" when several)."""
    return {row[0]: row[1] for row in sheets(data)["About"] if row and row[0]}


def download(client, token: str, slug: str, extra: str, fmt: str):
    response = client.get(f"/api/v1/reports/{slug}?format={fmt}{extra}", headers=auth(token))
    assert response.status_code == 200, (slug, fmt, response.get_data(as_text=True)[:300])
    response.get_data()  # read whole now: a streamed body holds its request's context
    return response


@pytest.mark.parametrize("role", ["administrator", "auditor"])
def test_every_statement_reads_back_in_every_format(demo, client, token_for, role):  # noqa: F811
    demo.rollback()
    token = token_for(role)
    for slug in BUILDERS:
        extra = SLUGS.get(slug, "")
        got = {fmt: download(client, token, slug, extra, fmt) for fmt in FORMATS}
        document = json.loads(got["json"].data)
        _check_stamp(document, got)
        _check_csv(document, got["csv"].data)
        book = load_workbook(io.BytesIO(got["xlsx"].data))
        _check_xlsx(document, book)
        texts = {
            "json": got["json"].data.decode("utf-8"),
            "csv": got["csv"].data.decode("utf-8"),
            "xlsx": "\n".join(
                str(cell) for sheet in book for row in sheet.iter_rows(values_only=True)
                for cell in row if cell is not None
            ),
            "pdf": "\n".join(
                page.extract_text() for page in PdfReader(io.BytesIO(got["pdf"].data)).pages
            ),
        }  # fmt: skip
        for fmt, text in texts.items():
            assert document["fund"] in text or fmt == "csv", (slug, fmt)
            for secret in PII:
                assert secret not in text, (role, slug, fmt, secret)
            for response in got.values():
                assert secret not in str(response.headers)


def _period(document: dict) -> str:
    if document["as_of"]:
        return f"as-of-{document['as_of']}"
    return f"{document['from']}_{document['to']}"


#: The statements of one record: a victim, a case, an account.
ONE_RECORD = {"victim-statement", "case-statement", "general-ledger"}


def _check_stamp(document: dict, got: dict) -> None:
    """Every format's file is named slug_period_head8.ext; the headers carry the stamp."""
    slug = document["statement"]
    assert isinstance(document["final"], bool) and isinstance(document["open_months"], list)
    assert document["status"] == "FINAL" if document["final"] else "DRAFT" in document["status"]
    assert isinstance(document["total_lines"], list)
    if len(document["total_lines"]) == 1:
        assert document["totals"] == document["total_lines"][0]
    elif document["total_lines"]:
        assert document["totals"] == document["total_lines"]
    # A statement of one record names it too (victim-statement_V-000002_as-of-…).
    subject = f"_{document['subject']}" if document["subject"] else ""
    assert (document["subject"] is not None) == (slug in ONE_RECORD), slug
    name = f"{slug}{subject}_{_period(document)}_{document['head_hash'][:8]}"
    for fmt, response in got.items():
        disposition = response.headers["Content-Disposition"]
        kind = "inline" if fmt == "json" else "attachment"
        assert disposition == f'{kind}; filename="{name}.{fmt}"', (slug, fmt)
        assert response.headers["X-Statement"] == slug
        assert response.headers.get("X-Statement-Subject") == document["subject"]
        assert response.headers["X-Journal-Head"] == document["head_hash"]
        assert response.headers["X-Statement-Status"] == document["status"].replace("—", "-")


def _check_csv(document: dict, body: bytes) -> None:
    """The header row first; pandas reads it with its defaults; amounts exact, with currency."""
    slug = document["statement"]
    columns = titles_of(document)
    titles = [title for title, _c, _p in columns]
    raw = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert raw[0] == titles, (slug, raw[0])
    lines = document["lines"]
    assert len(raw) == 1 + len(lines), slug  # the totals are not lines of the CSV
    frame = pd.read_csv(io.BytesIO(body))
    assert list(frame.columns) == titles and len(frame) == len(lines)
    for title, column, part in columns:
        if column["kind"] in ("money", "money_in", "int") and part == "value":
            assert pd.api.types.is_numeric_dtype(frame[title]), (slug, title, frame[title].dtype)
    for line, cells in zip(lines, raw[1:], strict=True):
        for (_title, column, part), text in zip(columns, cells, strict=True):
            value = line.get(column["key"])
            if column["kind"] in ("money", "money_in"):
                if value is None:
                    assert text == "", (slug, column, text)
                elif part == "value":
                    assert text == value["amount"], (slug, column, line)
                else:  # every foreign amount has its currency beside it
                    assert text == value["currency"], (slug, column, line)
                    assert column["kind"] == "money_in"
            elif value is not None and line.get("style") != "text":
                assert text == str(value), (slug, column, line)
            assert text.count("…") == 0


def _check_xlsx(document: dict, book) -> None:
    """Amounts are numbers equal to the JSON's exact strings, in the currency's format;
    dates are dates; the totals are apart; About carries the stamp."""
    slug = document["statement"]
    assert book.sheetnames[0] == "Statement" and "About" in book.sheetnames
    columns = titles_of(document)
    sheet = book["Statement"]
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0]] == [title for title, _c, _p in columns], slug
    assert len(rows) == 1 + len(document["lines"]), slug
    for line, cells in zip(document["lines"], rows[1:], strict=True):
        _check_xlsx_line(slug, columns, line, cells)
    if document["total_lines"]:
        totals = list(book["Totals"].iter_rows())
        assert len(totals) == 1 + len(document["total_lines"])
        for line, cells in zip(document["total_lines"], totals[1:], strict=True):
            _check_xlsx_line(slug, columns, line, cells, totals=True)
            assert all(c.font.b for c in cells if c.value is not None)
    else:
        assert "Totals" not in book.sheetnames
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True) if row and row[0]}
    assert about["Status"] == document["status"]
    assert about["Journal head hash"] == document["head_hash"]
    assert about["Fund"] == document["fund"]
    for note in document["notes"]:
        assert any(v == note for k, v in book["About"].iter_rows(values_only=True) if k == "Note")
    if slug == "awards-register":
        _check_awards_sum(document, sheet, columns)


def _check_xlsx_line(slug, columns, line, cells, totals=False) -> None:
    style = line.get("style")
    if style == "text":
        return
    for index, ((title, column, part), cell) in enumerate(zip(columns, cells, strict=False)):
        value = line.get(column["key"])
        if value is None and totals and index == 0:
            assert cell.value == "Total", (slug, cell.value)  # a closing line says it is one
            continue
        elif value is None:
            assert cell.value in (None, ""), (slug, title, cell.value)
            continue
        if column["kind"] in ("money", "money_in"):
            if part == "currency":
                assert cell.value == value["currency"]
                continue
            digits = exponent(value["currency"])
            quantum = Decimal(1).scaleb(-digits)
            assert exact(cell.value).quantize(quantum) == Decimal(value["amount"]), (slug, title)
            assert cell.number_format == number_format(digits), (slug, title)
        elif column["kind"] == "date":
            assert isinstance(cell.value, datetime), (slug, title, cell.value)
            assert cell.value.date().isoformat() == value and cell.is_date
            assert cell.number_format == "yyyy-mm-dd"
        elif column["kind"] == "datetime":
            assert isinstance(cell.value, datetime) and cell.is_date, (slug, title)
        elif column["kind"] == "int" and not totals:
            assert isinstance(cell.value, int) and cell.value == value, (slug, title)
        else:  # an empty text is an empty cell
            assert cell.value == (None if value == "" else value), (slug, title, cell.value)
        if style in ("heading", "subtotal", "total"):
            assert cell.font.b, (slug, title)


def _check_awards_sum(document: dict, sheet, columns) -> None:
    """Per currency, a SUM of the outstanding column is the JSON's total (nothing counted
    twice: the totals are on their own sheet)."""
    titles = [title for title, _c, _p in columns]
    outstanding = titles.index("Outstanding")
    currency = titles.index("Outstanding currency")
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for row in list(sheet.iter_rows(values_only=True))[1:]:
        if row[outstanding] is not None:
            sums[row[currency]] += exact(row[outstanding])
    assert sums, "the demo has awards"
    lines = defaultdict(Decimal)
    for line in document["lines"]:
        lines[line["outstanding"]["currency"]] += Decimal(line["outstanding"]["amount"])
    by_total = {
        line["outstanding"]["currency"]: Decimal(line["outstanding"]["amount"])
        for line in document["total_lines"]
        if line.get("outstanding")
    }
    assert set(by_total) == set(sums)  # the register totals outstanding per currency
    for code, total in sums.items():
        quantum = Decimal(1).scaleb(-exponent(code))
        assert total.quantize(quantum) == lines[code] == by_total[code], code


# -- a statement made here: currencies of every exponent, huge amounts, times ---------------


def _meta(**changes) -> Meta:
    fields = {
        "fund_name": "Test Fund",
        "functional_currency": "EUR",
        "generated_at": datetime(2026, 5, 1, 12, 0),
        "generated_by": "tester",
        "head_hash": "ab12cd34" + "0" * 56,
        "entries": 3,
        "as_of": date(2026, 4, 30),
        "open_months": ("2026-04",),
    }
    return Meta(**(fields | changes))


COLUMNS = [
    Column("id", "Line", "int"),
    Column("day", "Day", "date"),
    Column("at", "Posted at", "datetime"),
    Column("amount", "Amount", "money_in", currency_key="currency"),
    Column("value", "Value", "money"),
]

#: 18 significant digits: no spreadsheet number holds it exactly.
HUGE = 123456789012345678


def _statement(**changes) -> Statement:
    rows = [
        {"_style": "heading", "id": None, "value": None},
        {
            "id": 1,
            "day": date(2026, 4, 1),
            "at": datetime(2026, 4, 1, 9, 30, tzinfo=UTC),
            "amount": 123456789,
            "currency": "JPY",
            "value": 75012,
        },
        {"id": 2, "day": date(2026, 4, 2), "amount": -1234567, "currency": "KWD", "value": -5},
        {"id": 3, "day": date(2026, 4, 3), "amount": 999999999999999, "currency": "EUR"},
        {"id": 4, "day": date(2026, 4, 4), "amount": HUGE, "currency": "EUR", "value": HUGE},
        {"_style": "text", "id": "A paragraph, with a comma, spanning the row."},
    ]
    fields = {
        "slug": "made-here",
        "title": "Made here",
        "meta": _meta(),
        "columns": COLUMNS,
        "rows": rows,
        "totals": [
            {"id": "Total JPY", "amount": 123456789, "currency": "JPY"},
            {"id": "Total value", "value": HUGE + 75007},
        ],
        "notes": ["A note."],
        "signature": True,
    }
    return Statement(**(fields | changes))


def test_xlsx_amounts_have_their_currency_format_and_huge_ones_stay_exact_as_text():
    out = io.BytesIO()
    write_xlsx(_statement(), out)
    book = load_workbook(io.BytesIO(out.getvalue()))
    rows = list(book["Statement"].iter_rows())
    titles = [c.value for c in rows[0]]
    assert titles == ["Line", "Day", "Posted at", "Amount", "Amount currency", "Value (EUR)"]
    heading, jpy, kwd, eur, huge, text = rows[1:]
    assert all(c.font.b for c in heading if c.value is not None)
    assert jpy[3].value == 123456789 and jpy[3].number_format == "#,##0;(#,##0)"
    assert jpy[4].value == "JPY" and jpy[5].number_format == "#,##0.00;(#,##0.00)"
    assert exact(jpy[5].value) == Decimal("750.12")
    assert exact(kwd[3].value) == Decimal("-1234.567")
    assert kwd[3].number_format == "#,##0.000;(#,##0.000)"
    assert exact(eur[3].value) == Decimal("9999999999999.99")  # 15 digits: still a number
    assert jpy[1].value == datetime(2026, 4, 1) and jpy[1].number_format == "yyyy-mm-dd"
    assert jpy[2].value == datetime(2026, 4, 1, 9, 30) and jpy[2].is_date  # UTC, no zone
    assert isinstance(jpy[0].value, int)
    # Beyond 15 significant digits: the exact decimal text, and About says so.
    assert huge[3].value == "1234567890123456.78" and huge[5].value == "1234567890123456.78"
    assert text[0].value == "A paragraph, with a comma, spanning the row."
    totals = list(book["Totals"].iter_rows(values_only=True))
    assert totals[1][:5] == ("Total JPY", None, None, 123456789, "JPY")
    assert totals[2][5] == "1234567890124206.85"
    about = [row for row in book["About"].iter_rows(values_only=True)]
    said = {row[0]: row[1] for row in about if row and row[0]}
    assert said["Status"] == "DRAFT — not closed: 2026-04"
    assert "3 amount(s) have more than 15 significant digits" in said["Exact as text"]
    assert [row[0] for row in about[-6:] if row and row[0]] == [
        "Prepared by",
        "Approved by",
        "Date",
    ]


def test_csv_has_no_metadata_lines_and_keeps_every_currency():
    body = "".join(stream_csv(_statement())).encode("utf-8")
    assert body.startswith(b"Line,Day,Posted at,Amount,Amount currency,Value (EUR)\n")
    frame = pd.read_csv(io.BytesIO(body))
    assert list(frame["Amount currency"].dropna()) == ["JPY", "KWD", "EUR", "EUR"]
    assert pd.api.types.is_numeric_dtype(frame["Value (EUR)"])
    raw = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert raw[2][3] == "123456789" and raw[3][3] == "-1234.567"
    assert raw[5][3] == "1234567890123456.78"  # exact, however long
    assert len(raw) == 7  # header and six lines: the totals are in JSON, XLSX and PDF


def test_json_says_draft_or_final_and_every_closing_line():
    document = json.loads("".join(stream_json(_statement())))
    assert document["status"] == "DRAFT — not closed: 2026-04" and document["final"] is False
    assert document["open_months"] == ["2026-04"]
    assert isinstance(document["totals"], list) and len(document["total_lines"]) == 2
    assert document["total_lines"][0]["amount"] == {"amount": "123456789", "currency": "JPY"}
    one = _statement(totals={"id": "Total", "value": 5}, meta=_meta(open_months=()))
    document = json.loads("".join(stream_json(one)))
    assert document["status"] == "FINAL" and document["final"] is True
    assert document["totals"] == {"id": "Total", "value": {"amount": "0.05", "currency": "EUR"}}
    assert document["total_lines"] == [document["totals"]]
    none = json.loads("".join(stream_json(_statement(totals=None))))
    assert none["totals"] is None and none["total_lines"] == []


def _long_rows(count: int):
    for i in range(count):
        yield {
            "id": i,
            "day": date(2026, 1, 1),
            "amount": 100000 + i,
            "currency": "USD" if i % 2 else "EUR",
            "value": 100000 + i,
        }


def test_finished_files_are_sent_in_pieces_from_a_spooled_file():
    statement = _statement(rows=_long_rows(20000), row_count=20000, totals=None)
    pieces = list(render(statement, "xlsx"))
    assert len(pieces) > 1 and all(len(piece) <= PIECE for piece in pieces)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(pieces)))
    assert "xl/worksheets/sheet1.xml" in archive.namelist()
    book = load_workbook(io.BytesIO(b"".join(pieces)), read_only=True)
    assert sum(1 for _row in book["Statement"].iter_rows(values_only=True)) == 20001
    book.close()


def _xlsx_peak(count: int) -> int:
    statement = _statement(rows=_long_rows(count), row_count=count, totals=None)
    tracemalloc.start()
    try:
        for _piece in render(statement, "xlsx"):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_an_xlsx_does_not_hold_its_rows():
    """Four times the rows, about the same peak memory: rows go to disk as they are written."""
    small, large = _xlsx_peak(2000), _xlsx_peak(8000)
    assert large < small * 1.5 + 256 * 1024, (small, large)


def test_a_money_column_naming_its_currency_is_not_named_twice():
    """A money column that names its currency already is not named twice."""
    statement = _statement(
        columns=[Column("id", "Line", "int"), Column("value", "Value in EUR", "money")],
        rows=[{"id": 1, "value": 5}],
        totals=None,
    )
    assert "".join(stream_csv(statement)).splitlines() == ["Line,Value in EUR", "1,0.05"]
    assert beside_title("In its currency") == "In its currency (code)"
    assert beside_title("Paid") == "Paid currency"
