"""Every statement's PDF, read back with pypdf: every cell in full, stamped, never cut.

The statements are built in process from the demo fund and from a fund with long memos,
descriptions and bank references (the texts the PDF used to cut with "…"). Each PDF is
parsed back and each cell of the statement, as printed for people
(:func:`reports.formatting.for_people`), is looked for in the text with whitespace removed
(wrapping puts line breaks inside cells). Streamed statements (the journal, the general
ledger) are rendered streamed, as the API does, and checked against a second build of the
same statement.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from ledger import adjustments, assets, cases
from ledger.money import Money, format_amount
from reports.context import ReportRequest
from reports.formatting import amount_formatter, for_people, money_text
from reports.pdf import wrap, write_pdf
from reports.pdf.fonts import missing_glyphs
from reports.statement import Column, Meta, Statement
from reports.statements import BUILDERS, build_statement
from tests.conftest import named

PARAMETERS = {
    "general-ledger": {"account": "1000"},
    "victim-statement": {"victim_id": 2},
    "case-statement": {"case_id": 1},
}
WIDE = {"awards-register", "journal"}
REFERENCE = "SEPA-END2END-REF-PT50000201231234567890154-2026-0003-ESCROW-INTEREST-Q1"
LONG_MEMO = (
    "Transfer of the proceeds of the court-ordered sale of the seized vessel 'Estrela do Mar' "
    "less the custody, towing and harbour fees invoiced by the port authority, as instructed "
    f"by the court's order of 14 March 2026; bank reference {REFERENCE}"
)
LONG_DESCRIPTION = (
    "Apartment on the third floor of a residential building with two parking spaces and a "
    "storage room in the basement, land registry number 1234/20260105 of the Lisbon "
    "registry office, held in the name of a holding company registered abroad"
)


@pytest.fixture
def demo(runner, db):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return db


@pytest.fixture
def long_texts(demo):
    """The demo fund, plus an entry and an asset whose texts are far longer than a cell."""
    admin = named("admin")
    adjustments.post_adjustment(
        demo,
        actor=admin,
        value_date=date(2026, 3, 31),
        memo=LONG_MEMO,
        postings=[
            {"account": "1000", "debit": "1234.56"},
            {"account": "3000", "credit": "1234.56"},
        ],
    )
    case = cases.open_case(
        demo,
        actor=admin,
        reference="CR-2026-LONG-REFERENCE-0000000042/LISBOA-TRIBUNAL-CENTRAL",
        court="Tribunal Central de Instrução Criminal de Lisboa, 1.º Juízo",
        title="A case with a long reference",
        jurisdiction="PT",
        opened_on=date(2026, 1, 2),
    )
    assets.seize_asset(
        demo,
        actor=admin,
        case_id=case.id,
        kind="real_estate",
        description=LONG_DESCRIPTION,
        seized_on=date(2026, 1, 5),
        estimated_value=Money(31234567, "EUR"),
    )
    demo.commit()
    return demo


def build(session, slug: str, **asked) -> Statement:
    request = ReportRequest(actor=named("pdf tests"), **(PARAMETERS.get(slug, {}) | asked))
    return build_statement(session, slug, request)


def pdf_of(statement: Statement) -> bytes:
    out = io.BytesIO()
    write_pdf(statement, out)
    return out.getvalue()


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def assert_page_numbers(pdf: bytes) -> None:
    """ "Page X of Y" at the foot of every page, Y the real count (laid out as printed)."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    for number, page in enumerate(pages, start=1):
        lines = [
            " ".join(line.split())
            for line in page.extract_text(extraction_mode="layout").splitlines()
        ]
        assert any(line.endswith(f"Page {number} of {len(pages)}") for line in lines), lines[-3:]


def expected_cells(statement: Statement) -> list[str]:
    """Every non-empty cell as printed, the totals and the notes included."""
    cells = []
    for row in [*statement.iter_rows(), *statement.total_rows()]:
        for column in statement.columns:
            if column.key in row:
                text = for_people(column, row, statement.meta)
                if text:
                    cells.append(text)
    return cells + list(statement.notes)


def assert_qpdf_finds_no_fault(pdf: bytes, name: str) -> None:
    """qpdf, an independent reader, checks the file the renderer wrote object by object
    (cross-reference offsets, streams, the page tree): no error and no warning."""
    if not shutil.which("qpdf"):
        return  # scripts/test installs it (apt); without it pypdf's strict parse remains
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        done = subprocess.run(  # noqa: S603
            ["qpdf", "--check", file.name],  # noqa: S607
            capture_output=True,
            check=False,
        )
    report = done.stdout.decode() + done.stderr.decode()
    assert done.returncode == 0, (name, report)
    assert "No syntax or stream encoding errors found" in report, (name, report)
    assert "WARNING" not in report.upper(), (name, report)


def check_in_full(session, slug: str) -> tuple[bytes, Statement]:
    """The PDF of ``slug`` (rendered as built: streamed when the builder streams) holds
    every cell of a second, identical build in full; returns the PDF and that build."""
    expected = build(session, slug)
    rendered = build(session, slug)
    pdf = pdf_of(rendered)
    texts = pages_text(pdf)
    whole = squeezed("".join(texts))
    missing = [cell for cell in expected_cells(expected) if squeezed(cell) not in whole]
    assert not missing, (slug, missing[:10])
    assert "…" not in "".join(texts), slug
    assert "€" not in "".join(texts), slug
    for number, text in enumerate(texts, start=1):
        assert expected.meta.status_label in text, (slug, number)
        assert f"Journal head hash {expected.meta.head_hash}" in text, (slug, number)
    assert_page_numbers(pdf)
    return pdf, expected


@pytest.mark.parametrize("fund", ["demo", "long_texts"])
def test_every_statement_prints_every_cell_in_full(fund, request):
    session = request.getfixturevalue(fund)
    for slug in BUILDERS:
        pdf, statement = check_in_full(session, slug)
        assert_qpdf_finds_no_fault(pdf, slug)
        reader = PdfReader(io.BytesIO(pdf), strict=True)
        width, height = (float(v) for v in reader.pages[0].mediabox[2:])
        if slug in WIDE:
            assert width > height, f"{slug} should be landscape"
        info = reader.metadata
        assert statement.meta.status_label in info.subject
        assert statement.meta.head_hash in info.keywords
        assert f"entries: {statement.meta.entries}" in info.keywords
        last = reader.pages[-1].extract_text()
        if statement.signature:
            assert "Prepared by" in last and "Approved by" in last, slug
        else:
            assert "Prepared by" not in last, slug
    session.rollback()


def test_long_texts_are_wrapped_whole(long_texts):
    """The long memo (with its unbroken bank reference) and description come back whole."""
    journal = squeezed("".join(pages_text(pdf_of(build(long_texts, "journal")))))
    assert squeezed(LONG_MEMO) in journal
    register = squeezed("".join(pages_text(pdf_of(build(long_texts, "asset-register")))))
    assert squeezed(LONG_DESCRIPTION) in register
    long_texts.rollback()


def meta(**changes) -> Meta:
    values = {
        "fund_name": "Synthetic Fund",
        "functional_currency": "EUR",
        "generated_at": datetime(2026, 4, 1, 9, 30, tzinfo=UTC).replace(tzinfo=None),
        "generated_by": "tester",
        "head_hash": "ab" * 32,
        "entries": 4000,
        "date_from": date(2026, 1, 1),
        "date_to": date(2026, 3, 31),
        "open_months": ("2026-03",),
    }
    return Meta(**(values | changes))


COLUMNS = [
    Column("entry", "Entry", "int"),
    Column("value_date", "Date", "date"),
    Column("memo", "Memo"),
    Column("account", "Account"),
    Column("debit", "Debit", "money"),
    Column("credit", "Credit", "money"),
    Column("original", "Original", "money_in", currency_key="currency"),
]


def journal_rows(entries: int, postings: int = 3):
    for number in range(1, entries + 1):
        for line in range(postings + (number % 5 == 0) * 4):  # some entries are longer
            yield {
                "entry": number,
                "value_date": date(2026, 1, 1 + number % 28),
                "memo": f"Entry {number} line {line} " + "with a longer memo " * (number % 4),
                "account": "1000",
                "debit": 12345 * number if line % 2 == 0 else None,
                "credit": 12345 * number if line % 2 else None,
                "original": 999 * number,
                "currency": "THB" if number % 3 == 0 else "EUR",
            }


def synthetic(entries: int, **changes) -> Statement:
    rows = list(journal_rows(entries))
    options = {
        "slug": "journal",
        "title": "Journal",
        "meta": meta(),
        "columns": COLUMNS,
        "rows": iter(rows),
        "row_count": len(rows),
        "group_key": "entry",
        "totals": {"entry": "Total", "debit": 10**9, "credit": 10**9},
    }
    return Statement(**(options | changes))


def test_an_entry_is_not_split_across_a_page_break_when_it_fits():
    statement = synthetic(400)
    pdf = pdf_of(statement)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) > 3
    previous: set[str] = set()
    for text in pages_text(pdf):
        entries = set(re.findall(r"Entry (\d+) line", text))
        assert not entries & previous, "an entry continues on the next page"
        previous = entries
    # and every posting line is there, once
    lines = re.findall(r"Entry (\d+) line (\d+)", "".join(pages_text(pdf)))
    assert len(lines) == statement.row_count == len(set(lines))


def test_a_group_larger_than_a_page_still_prints_every_row():
    rows = [
        {"entry": 1, "memo": f"Entry 1 line {n}", "debit": n, "account": "1000"} for n in range(300)
    ]
    statement = synthetic(1, rows=rows, row_count=None, totals=None)
    text = "".join(pages_text(pdf_of(statement)))
    assert len(re.findall(r"Entry 1 line (\d+)", text)) == 300


def test_a_cell_taller_than_a_page_goes_on_over_the_next():
    paragraph = " ".join(f"word{n}" for n in range(4000))
    statement = synthetic(1, rows=[{"entry": 1, "memo": paragraph}], row_count=None)
    texts = pages_text(pdf_of(statement))
    assert len(texts) > 1
    assert re.findall(r"word\d+", "".join(texts)) == paragraph.split()


def test_text_rows_headings_totals_notes_and_the_signature_block():
    note = "Basis of preparation: " + "accrual basis, historical cost, IPSAS. " * 12
    rows = [
        {"_style": "heading", "memo": "Receipts"},
        {"memo": "Donations", "debit": 150000},
        {"memo": "Tribunal Central de Instrução Criminal — 1.º Juízo (café)", "debit": 1},
        {"_style": "subtotal", "memo": "Total receipts", "debit": 150000},
        {"_style": "text", "entry": note},
    ]
    totals = [
        {"memo": "Outstanding", "original": 125000000, "currency": "THB"},
        {"memo": "Outstanding", "original": 3000000, "currency": "USD"},
    ]
    statement = synthetic(
        1,
        rows=rows,
        row_count=None,
        totals=totals,
        notes=[f"Seized assets not yet forfeited: {money_text(Money(26200000, 'EUR'))}"],
        signature=True,
        meta=meta(open_months=()),
    )
    texts = pages_text(pdf_of(statement))
    text = "".join(texts)
    assert "FINAL" in texts[0] and "DRAFT" not in text
    assert squeezed(note) in squeezed(text)
    assert "THB 1,250,000.00" in text and "USD 30,000.00" in text
    assert "EUR 262,000.00" in text
    assert "Tribunal Central de Instrução Criminal — 1.º Juízo (café)" in text
    assert text.index("Prepared by") < text.index("Approved by")
    for label in ("Name", "Signature", "Date"):
        assert label in text.split("Prepared by")[1]


def test_wide_statements_go_landscape_and_headers_wrap_whole():
    columns = [Column(f"c{n}", f"Column heading number {n}", "money") for n in range(13)]
    rows = [{f"c{n}": 123456789 for n in range(13)}]
    statement = synthetic(1, columns=columns, rows=rows, row_count=None, totals=None)
    pdf = pdf_of(statement)
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert float(page.mediabox.width) > float(page.mediabox.height)
    text = squeezed(page.extract_text())
    for n in range(13):
        assert squeezed(f"Column heading number {n}") in text
    assert text.count("1,234,567.89") == 13


def test_a_narrow_statement_stays_portrait():
    statement = synthetic(3, columns=COLUMNS[:3] + COLUMNS[4:5], totals=None)
    page = PdfReader(io.BytesIO(pdf_of(statement))).pages[0]
    assert float(page.mediabox.width) < float(page.mediabox.height)


def test_wrap_keeps_every_character():
    for text in (LONG_MEMO, REFERENCE, "a  b", "", "one\ntwo", "x" * 500):
        for width in (20.0, 60.0, 200.0):
            lines = wrap(text, "Helvetica", width)
            assert squeezed("".join(lines)) == squeezed(text)
            assert all(
                len(line) == 1 or stringWidth(line, "Helvetica", 8) <= width for line in lines
            )


@pytest.mark.parametrize("locale", ["en_GB", "de_DE", "fr_FR", "de_CH", "es_AR", "ar_EG"])
@pytest.mark.parametrize("currency", ["EUR", "JPY", "KWD"])
def test_the_cached_amount_formatter_writes_what_format_amount_writes(locale, currency):
    formatter = amount_formatter(currency, locale)
    for minor in (0, 7, -7, 1234, 100000, -123456789, 987654321012345, 10**15, -(10**15)):
        assert formatter(minor) == format_amount(Money(minor, currency), locale)


BEYOND_WINANSI = "Constanța, Iași — Łódź, Київ, Αθήνα"


def test_letters_beyond_winansi_come_back_whole():
    """Romanian, Polish, Cyrillic and Greek are set in the embedded DejaVu Sans (only the
    cells that need it); a Thai or CJK character, which DejaVu cannot draw, is still in the
    text as itself."""
    rows = [
        {"entry": 1, "memo": f"Payment to {BEYOND_WINANSI}", "debit": 5},
        {"entry": 2, "memo": "Thai: ไทย, Chinese: 中文 (no glyphs, kept)", "debit": 1},
        {"entry": 3, "memo": "plain (café)", "debit": 1},
    ]
    statement = synthetic(
        1,
        rows=rows,
        row_count=None,
        title=f"Case statement — {BEYOND_WINANSI}",
        meta=meta(fund_name="Fundația pentru victime, Łódź"),
    )
    pdf = pdf_of(statement)
    reader = PdfReader(io.BytesIO(pdf), strict=True)
    text = reader.pages[0].extract_text()
    assert f"Case statement — {BEYOND_WINANSI}" in text
    assert f"Payment to {BEYOND_WINANSI}" in text
    assert "Thai: ไทย, Chinese: 中文 (no glyphs, kept)" in text
    assert "plain (café)" in text and "Fundația pentru victime, Łódź" in text
    assert BEYOND_WINANSI in reader.metadata.title
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = {str(font.get_object()["/BaseFont"]) for font in fonts.values()}
    assert {"/Helvetica", "/DejaVuSans", "/DejaVuSans-Bold"} <= names
    assert missing_glyphs("Iași ไทย", "DejaVuSans") == set("ไทย")


def test_a_winansi_statement_embeds_no_font():
    pdf = pdf_of(synthetic(20))
    page = PdfReader(io.BytesIO(pdf), strict=True).pages[0]
    names = {str(font.get_object()["/BaseFont"]) for font in page["/Resources"]["/Font"].values()}
    assert names <= {"/Helvetica", "/Helvetica-Bold", "/Helvetica-Oblique", "/Courier"}
    assert b"FontFile2" not in pdf


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler's pdftotext not installed")
def test_poppler_reads_the_streamed_file(tmp_path):
    """The file written object by object (offsets, cross-reference table) is read by a
    second, independent PDF reader without complaint, the shared "Page X of Y" included."""
    path = tmp_path / "journal.pdf"
    statement = synthetic(400, meta=meta(fund_name=f"Fund {BEYOND_WINANSI}"))
    path.write_bytes(pdf_of(statement))
    done = subprocess.run(  # noqa: S603
        ["pdftotext", "-layout", str(path), "-"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stderr == ""
    pages = done.stdout.split("\f")[:-1]
    assert len(pages) == len(PdfReader(str(path)).pages) > 3
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert f"Fund {BEYOND_WINANSI}" in page
