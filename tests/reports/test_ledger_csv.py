"""The general ledger's and the journal's CSV, made fast without a second way to write a cell
(issue 9, deliverable 7: within 3 x a PostgreSQL COPY of the same rows).

The CSV is written a column of a chunk at a time from rows given as tuples. Every test here
compares it with the plain definition of a cell, row by row: :func:`reports.formatting.exact`
(``Money.amount_string()`` for amounts, ISO 8601 for dates) written by ``csv.writer``, on
random rows (hypothesis) and on the demo fund's general ledger and journal. The count and
the totals are queried only for a format that reads them; a stream given up half-way does
not stop the session.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, text

from ledger.money import Money
from reports import tabular
from reports.context import ReportRequest
from reports.formatting import exact
from reports.render import render
from reports.statement import Column, Meta, Statement
from reports.statements import build_statement
from reports.statements.ledgers import JOURNAL_KEYS, LEDGER_KEYS
from reports.tabular import amount_text, amounts_text, out_columns, stream_csv
from tests.conftest import named
from tests.reports.test_registers import demo  # noqa: F401 (the demo fixture)

#: Currencies with 0, 2 and 3 decimals.
CURRENCIES = ("JPY", "EUR", "THB", "KWD")
ALL_HISTORY = {"date_from": date(2000, 1, 1), "date_to": date(2100, 12, 31)}

minors = st.one_of(
    st.integers(-(10**6), 10**6), st.integers(-(10**30), 10**30), st.sampled_from([0, -1, 1])
)


def reference_csv(statement: Statement) -> str:
    """The CSV as its definition says, a cell at a time from each row as a dict."""
    columns = out_columns(statement)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([out.title for out in columns])
    for row in statement.iter_rows():
        cells = []
        for out in columns:
            column = out.column
            if out.part == "currency":
                cells.append("" if row.get(column.key) is None else row[column.currency_key])
            else:
                cells.append(exact(column, row, statement.meta))
        writer.writerow(cells)
    return buffer.getvalue()


def meta() -> Meta:
    return Meta("Fund", "EUR", datetime(2026, 12, 3, 9, 0), "tester", "ab" * 32, 7)


COLUMNS = [
    Column("entry", "Entry", "int"),
    Column("day", "Day", "date"),
    Column("at", "At", "datetime"),
    Column("memo", "Memo"),
    Column("debit", "Debit", "money"),
    Column("original", "Original", "money_in", currency_key="currency"),
]
KEYS = ("entry", "day", "at", "memo", "debit", "original", "currency")

texts = st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["a,b", 'say "x"', "l1\nl2"]))
rows = st.fixed_dictionaries(
    {
        "entry": st.one_of(st.none(), st.integers(-5, 10**12)),
        "day": st.one_of(st.none(), st.dates()),
        "at": st.one_of(
            st.none(),
            st.datetimes(),
            st.datetimes(timezones=st.just(UTC)),
            st.dates().map(lambda d: datetime(d.year, d.month, d.day, 1, 2, 3, 456)),
        ),
        "memo": st.one_of(texts, st.integers(), st.dates(), st.booleans()),
        "debit": st.one_of(st.none(), minors),
        "original": st.one_of(st.none(), minors),
        "currency": st.sampled_from((*CURRENCIES, None, "XXX")),
    }
).map(
    # a currency that is none, or no money (XXX), only beside no amount: it is never read
    lambda row: (
        row | {"currency": "EUR"}
        if row["original"] is not None and row["currency"] in (None, "XXX")
        else row
    )
)


@given(minor=minors, currency=st.sampled_from(CURRENCIES))
def test_amount_text_is_the_amount_string(minor, currency):
    expected = Money(minor, currency).amount_string()
    digits = tabular._digits(currency)
    assert amount_text(minor, digits) == expected
    assert amounts_text([minor, None, minor], digits) == [expected, "", expected]


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(rows, max_size=40),
    structure=st.lists(st.integers(0, 40), max_size=3),
    chunk=st.sampled_from([1, 3, 2000]),
)
def test_csv_is_its_definition_on_random_rows(lines, structure, chunk):
    """Dict rows and the same rows as tuples write the same bytes, equal to the definition;
    chunks of one, three or 2,000 rows (a chunk may hold several currencies)."""
    for at in sorted(structure, reverse=True):
        lines.insert(min(at, len(lines)), {"_style": "heading", "memo": "Section", "debit": 5})
    old, tabular.CHUNK = tabular.CHUNK, chunk
    try:
        as_dicts = Statement("t", "T", meta(), COLUMNS, list(lines))
        tuples = [row if "_style" in row else tuple(row[k] for k in KEYS) for row in lines]
        as_tuples = Statement("t", "T", meta(), COLUMNS, iter(tuples), record_keys=KEYS)
        written = "".join(stream_csv(as_dicts))
        assert written == reference_csv(as_dicts)
        assert "".join(stream_csv(as_tuples)) == written
    finally:
        tabular.CHUNK = old


def test_the_csv_reads_no_figures_and_the_others_get_them():
    """Count, totals and summary given as functions are not called for the CSV; a format
    that reads the rows as dicts gets them first (once)."""
    calls = []

    def figure(value):
        return lambda: calls.append(value) or value

    def statement():
        return Statement(
            "t",
            "T",
            meta(),
            COLUMNS,
            iter([(1, date(2026, 1, 2), None, "m", 150, 7, "JPY")]),
            row_count=figure(1),
            totals=figure({"memo": "Total", "debit": 150}),
            summary=figure({"n": 1}),
            record_keys=KEYS,
        )

    assert b"".join(render(statement(), "csv")) == (
        b"Entry,Day,At,Memo,Debit (EUR),Original,Original currency\n1,2026-01-02,,m,1.50,7,JPY\n"
    )
    assert calls == []
    document = b"".join(render(statement(), "json")).decode()
    assert sorted(map(repr, calls)) == sorted(
        map(repr, [1, {"memo": "Total", "debit": 150}, {"n": 1}])
    )
    assert '"debit": {"amount": "1.50", "currency": "EUR"}' in document


def ledger_statements(session):
    asked = {"actor": named("auditor"), **ALL_HISTORY}
    return {
        "general-ledger": lambda: build_statement(
            session, "general-ledger", ReportRequest(account="1000", **asked)
        ),
        "journal": lambda: build_statement(session, "journal", ReportRequest(**asked)),
    }


def test_demo_ledgers_csv_is_its_definition(demo):  # noqa: F811
    """On the demo fund: the CSV of the general ledger of 1000 and of the journal equal, byte
    for byte, the definition written from the rows as dicts (labels, memos, the opening and
    closing lines, every amount); pandas reads them with its defaults; the rows are tuples of
    LEDGER_KEYS / JOURNAL_KEYS."""
    session = demo
    for slug, build in ledger_statements(session).items():
        statement = build()
        assert statement.record_keys == (LEDGER_KEYS if slug == "general-ledger" else JOURNAL_KEYS)
        written = b"".join(render(statement, "csv")).decode()
        expected = reference_csv(build())
        assert written == expected, slug
        frame = pd.read_csv(io.StringIO(written), dtype=str, keep_default_na=False)
        assert len(frame) == build().row_count > 10
        if slug == "general-ledger":
            assert frame["Memo"].iloc[0] == "Opening balance"
            assert frame["Memo"].iloc[-1] == "Closing balance"
            json_doc = b"".join(render(build(), "json")).decode()
            closing = build().summary["closing_balance"]
            assert frame["Balance (EUR)"].iloc[-1] == closing.amount_string()
            assert f'"closing_balance": {{"amount": "{closing.amount_string()}"' in json_doc
        else:
            assert not frame["Event"].str.contains("_").any()  # labels, not codes
    session.rollback()


def test_demo_ledgers_csv_runs_no_count_or_sums(demo):  # noqa: F811
    """The CSV's queries: no count, no sums (those are for the formats that print them)."""
    session = demo
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_):
        seen.append(statement.lower())

    engine = session.get_bind()
    for build in ledger_statements(session).values():
        statement = build()
        event.listen(engine, "before_cursor_execute", record)
        try:
            assert b"".join(render(statement, "csv"))
        finally:
            event.remove(engine, "before_cursor_execute", record)
    # The general ledger's running balance is a window sum in its streamed SELECT itself.
    aggregates = [re.sub(r"sum\(postings\.amount\) over", "", sql) for sql in seen]
    assert not [sql for sql in aggregates if "count(" in sql or "sum(" in sql]
    session.rollback()


def test_a_stream_given_up_half_way_leaves_the_session_usable(demo):  # noqa: F811
    """A download given up after a few rows: the session rolls back (and can read again)
    without waiting for the rest of the stream."""
    session = demo
    for build in ledger_statements(session).values():
        rows = build().iter_records()
        for _ in range(3):
            next(rows)
        session.rollback()
        assert session.execute(text("SELECT 1")).scalar() == 1
        assert sum(1 for _ in build().iter_records()) > 3
        session.rollback()


def test_journal_rows_as_dicts_are_what_other_formats_read(demo):  # noqa: F811
    """iter_rows gives the journal's tuples as dicts: a debit or a credit, never both, and
    the period's totals tie to the rows."""
    session = demo
    statement = ledger_statements(session)["journal"]()
    lines = list(statement.iter_rows())
    assert len(lines) == statement.row_count
    assert all((row["debit"] is None) != (row["credit"] is None) for row in lines)
    assert statement.totals["debit"] == sum(row["debit"] or 0 for row in lines)
    assert statement.totals["credit"] == sum(row["credit"] or 0 for row in lines)
    assert statement.totals["debit"] == statement.totals["credit"]
    assert all(isinstance(row["value_date"], date) for row in lines)
    assert all(row["posted_at"] - row["posted_at"] == timedelta(0) for row in lines)
    session.rollback()
