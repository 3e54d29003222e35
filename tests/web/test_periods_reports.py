"""Periods, exchange rates, statements and the integrity check, through their pages.

Every form is filled in as a browser would (CSRF token, one-time key): the
valid submission, each invalid field, each refusal of the core beside its
field, a double submit with one effect. Every statement downloads in every
format for an administrator and an auditor (the PDF read back with pypdf, the
CSV and the XLSX opened), a court has its own awards register and nothing
else, and no download or page meets a victim's personal data.

The demo fund (``ledger/demo/fund.toml``) has January and February 2026 closed
(February revalued), the later months of 2026 open.
"""

from __future__ import annotations

import csv
import io
import json
import tomllib
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import event, func, select

import app.web.periods
from ledger import awards, events
from ledger.access import Actor
from ledger.models import (
    AuditEvent,
    Award,
    Case,
    FxRate,
    JournalEntry,
    JournalHead,
    Period,
    User,
    Victim,
)
from ledger.money import Money
from ledger.validate import today_utc
from reports.statements import BUILDERS
from tests.conftest import DATA
from tests.integration.test_verify import guards_off
from tests.web.conftest import WebClient, dates

DEMO = Path(__file__).parents[2] / "ledger" / "demo" / "fund.toml"
FORMATS = {
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


def personal_data() -> list[str]:
    """What the demo fund knows of its victims that only an administrator may see."""
    found = []
    for step in tomllib.loads(DEMO.read_text(encoding="utf-8"))["steps"]:
        if step["step"] != "register_victim":
            continue
        payment = step.get("payment", {})
        found += [step["full_name"], *step["full_name"].split()]
        found += [str(v) for v in (step.get("contact"), step.get("date_of_birth")) if v]
        found += [payment[k] for k in ("iban", "account_number", "reference") if k in payment]
    return found


PERSONAL = personal_data()


def assert_no_personal_data(text: str, where: str) -> None:
    met = [value for value in PERSONAL if value in text]
    assert not met, (where, met)


def count(session_factory, model, *where) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def month(name: str, value: str) -> dict[str, str]:
    """A month typed into the two boxes of the month field ``name`` ("2026-03")."""
    return {f"{name}-month": str(int(value[5:])), f"{name}-year": value[:4]}


def frozen_today(monkeypatch, day: date) -> None:
    """The periods pages (and the core they call with ``today``) see ``day`` as today."""
    monkeypatch.setattr(app.web.periods, "today_utc", lambda: day)


# -- periods ------------------------------------------------------------------------------


def test_the_periods_page_shows_each_months_state(web, fund):
    web.sign_in("alice")
    page = web.get("/periods")
    assert page.status == 200
    rows = {
        tr.th.get_text(" ", strip=True): tr.get_text(" ", strip=True)
        for tr in page.soup.select("main tbody tr")
    }
    assert "Closed" in rows["February 2026"] and "by demo-admin" in rows["February 2026"]
    assert "FX revaluation" in rows["February 2026"]  # the demo revalued February
    assert "Ended, still open" in rows["March 2026"] and "Close up to here" in rows["March 2026"]
    assert "Books closed up to February 2026" in page.text()
    assert "have ended and are still open" in page.text()
    newest = next(iter(rows))
    assert newest == today_utc().strftime("%B %Y") and "Current month" in rows[newest]
    web.sign_in("inspector")  # auditors read the periods, and take no step
    seen = web.get("/periods")
    assert seen.status == 200 and "Close up to here" not in seen.text()
    assert not seen.soup.select("a[href*='/periods/close']")


def test_close_a_month_through_its_confirmation_page_once(web, fund, session_factory):
    web.sign_in("alice")
    form = web.get("/periods/close?month=2026-04")  # the periods page's "Close up to here"
    assert form.soup.find(id="period-month")["value"] == "4"
    confirm = web.send(form)
    assert confirm.status == 200 and confirm.heading == "Check the close before it is made"
    closes = [li.get_text(strip=True) for li in confirm.soup.select("main ul.govuk-list li")]
    assert closes == ["March 2026", "April 2026"]
    assert "cannot be opened again" in confirm.text()
    assert "Nothing is posted to the journal" in confirm.text()
    assert confirm.soup.select_one("main form button").get_text(strip=True) == (
        "Close the books up to April 2026"
    )
    first = web.confirm(confirm, follow=False)
    second = web.confirm(confirm, follow=False)  # a double click: the same one-time key
    assert first.status == second.status == 303
    assert second.response.location == first.response.location
    assert count(session_factory, Period, Period.month == "2026-04") == 1
    assert count(session_factory, AuditEvent, AuditEvent.action == events.PERIOD_CLOSED) == 3
    done = web.get(first.response.location)
    assert "Books closed up to April 2026" in done.banner
    assert "Closed" in done.text() and "with the close of April 2026" in done.text()
    again = web.submit("/periods/close", month("period", "2026-04"))  # a new attempt: refused
    assert again.status == 422 and "already closed" in again.error_beside("period")
    assert count(session_factory, Period) == 3


MONTHS_TYPED_WRONG = [
    ({"period-month": "", "period-year": ""}, "month", "Enter the month and year"),
    ({"period-month": "4", "period-year": ""}, "year", "must include a year"),
    ({"period-month": "13", "period-year": "2026"}, "month", "real month"),
    ({"period-month": "April", "period-year": "2026"}, "month", "real month"),
    ({"period-month": "4", "period-year": "26"}, "year", "four digits"),
]


def test_a_month_typed_wrong_is_named_beside_its_box(web, fund, session_factory):
    web.sign_in("alice")
    for typed, part, message in MONTHS_TYPED_WRONG:
        page = web.submit("/periods/close", typed)
        assert page.status == 422 and page.title.startswith("Error: "), typed
        assert message in page.error_beside("period"), typed
        assert f"period-{part}" in page.error_summary(), typed
        assert page.soup.find(id=f"period-{part}")["aria-invalid"] == "true", typed
    assert count(session_factory, Period) == 2


def test_the_core_refuses_a_close_beside_the_month(web, fund, session_factory, monkeypatch):
    web.sign_in("alice")
    this_month = today_utc().strftime("%Y-%m")
    not_ended = web.submit("/periods/close", month("period", this_month))
    assert not_ended.status == 422 and "has not ended yet" in not_ended.error_beside("period")
    closed = web.submit("/periods/close", month("period", "2026-01"))
    assert closed.status == 422 and "already closed" in closed.error_beside("period")
    frozen_today(monkeypatch, date(2027, 1, 15))  # December 2026 has ended
    december = web.submit("/periods/close", month("period", "2026-12"))
    assert december.status == 422
    assert "close the year 2026 first" in december.error_beside("period")
    assert count(session_factory, Period) == 2


def test_revalue_a_month_shows_the_entry_then_posts_it_once(web, fund, session_factory):
    web.sign_in("alice")
    entries = count(session_factory, JournalEntry)
    confirm = web.submit("/periods/revalue", month("period", "2026-03"))
    assert confirm.status == 200 and "Check the revaluation" in confirm.heading
    shown = confirm.text()
    assert "What will be posted" in shown and "2000 Awards payable" in shown
    assert "4400" in shown or "5400" in shown
    assert "Dated 31 Mar 2026" in shown
    assert count(session_factory, JournalEntry) == entries  # the dry run left nothing
    done = web.confirm(confirm)
    assert "March 2026 revalued. Journal entry" in done.banner
    web.confirm(confirm)  # back, and the same button once more
    assert count(session_factory, JournalEntry, JournalEntry.event == events.FX_REVALUED) == 2
    assert count(session_factory, JournalEntry) == entries + 1
    again = web.confirm(web.submit("/periods/revalue", month("period", "2026-03")))
    assert "Nothing needed restating" in again.banner
    assert count(session_factory, JournalEntry) == entries + 1


def test_the_core_refuses_a_revaluation_beside_the_month(web, fund, session_factory):
    web.sign_in("alice")
    closed = web.submit("/periods/revalue", month("period", "2026-02"))
    assert closed.status == 422 and "2026-02 is closed" in closed.error_beside("period")
    this_month = today_utc().strftime("%Y-%m")
    not_ended = web.submit("/periods/revalue", month("period", this_month))
    assert not_ended.status == 422 and "has not ended yet" in not_ended.error_beside("period")


def test_close_a_year_shows_the_closing_entry(web, fund, session_factory, monkeypatch):
    web.sign_in("alice")
    frozen_today(monkeypatch, date(2027, 1, 15))
    confirm = web.submit("/periods/close-year", {"year": "2026"})
    assert confirm.status == 200 and "year-end close" in confirm.heading
    shown = confirm.text()
    assert "3000 Fund balance" in shown and "Dated 31 Dec 2026" in shown
    assert "4000 Forfeiture revenue" in shown and "5000 Victim compensation" in shown
    closes = [li.get_text(strip=True) for li in confirm.soup.select("main ul.govuk-list li")]
    assert closes[0] == "March 2026" and closes[-1] == "December 2026" and len(closes) == 10
    done = web.confirm(confirm)
    assert "The year 2026 is closed" in done.banner and "Journal entry" in done.banner
    web.confirm(confirm)
    assert count(session_factory, JournalEntry, JournalEntry.event == events.YEAR_CLOSED) == 1
    assert count(session_factory, Period, Period.month == "2026-12") == 1


def test_the_year_form_and_the_cores_refusals(web, fund, session_factory):
    web.sign_in("alice")
    empty = web.submit("/periods/close-year", {"year": ""})
    assert empty.status == 422 and "Enter the year" in empty.error_beside("year")
    typed = web.submit("/periods/close-year", {"year": "20x6"})
    assert typed.status == 422 and "four digits" in typed.error_beside("year")
    not_ended = web.submit("/periods/close-year", {"year": str(today_utc().year)})
    assert not_ended.status == 422 and "has not ended yet" in not_ended.error_beside("year")
    closed = web.submit("/periods/close-year", {"year": "2025"})
    assert closed.status == 422 and "2025 is already closed" in closed.error_beside("year")
    assert count(session_factory, JournalEntry, JournalEntry.event == events.YEAR_CLOSED) == 0


# -- exchange rates -----------------------------------------------------------------------


def test_the_rates_list_filters_by_currency_and_pages(web, fund):
    web.sign_in("registry")  # courts read the rates too
    page = web.get("/rates?currency=USD")
    assert page.status == 200
    cells = [tr.select("td")[1].get_text(strip=True) for tr in page.soup.select("main tbody tr")]
    assert cells and set(cells) == {"USD"}
    assert "1.1172" in page.text()  # the ECB's USD rate of 30 October 2026
    everything = web.get("/rates")
    assert everything.soup.select("nav.govuk-pagination") and "records" in everything.text()
    second = web.get("/rates?page=2")
    assert second.status == 200 and second.soup.select("main tbody tr")
    file = web.client.get("/rates?currency=USD&format=csv")
    rows = list(csv.reader(io.StringIO(file.get_data(as_text=True))))
    body = [r for r in rows if r and r[0] == "USD"]
    assert body and all(r[0] == "USD" for r in rows if len(r) == 4 and r[0] != "Currency")
    assert not web.get("/rates").soup.select("a[href$='/rates/new']")  # no step offered


def _upload(web, content: bytes, name: str = "eurofxref-hist.csv", **extra):
    page = web.get("/rates/upload")
    fields = {"file": (io.BytesIO(content), name), **extra}
    return web.send(page, fields)


def test_upload_an_ecb_file(web, fund, session_factory):
    web.sign_in("alice")
    typo = web.submit(
        "/rates/new", {"currency": "USD", **dates("day", date(2026, 10, 30)), "rate": "1.2000"}
    )
    assert "corrected to 1.2000" in typo.banner
    real = (DATA / "eurofxref-2026-10-30.csv").read_bytes()  # the ECB's daily file
    done = _upload(web, real, "eurofxref.csv")
    assert done.status == 200, done.text()[:300]
    assert "eurofxref.csv imported: 0 rates added, 1 corrected." in done.banner
    with session_factory() as session:
        usd = session.scalar(
            select(FxRate).where(FxRate.currency == "USD", FxRate.date == date(2026, 10, 30))
        )
        assert str(usd.rate) == "1.1172" and usd.source == "eurofxref.csv"
    [imported] = list(_events(session_factory, events.FX_RATES_IMPORTED))[-1:]
    assert imported.actor == "alice"


def test_an_upload_that_is_not_an_ecb_file_is_refused_beside_the_field(web, fund, app):
    web.sign_in("alice")
    missing = web.submit("/rates/upload")
    assert missing.status == 422 and "Choose the ECB file" in missing.error_beside("file")
    other = _upload(web, b"name,amount\nAna,12\n", "people.csv")
    assert other.status == 422 and "not an ECB reference-rate CSV" in other.error_beside("file")
    assert "file" in other.error_summary()
    binary = _upload(web, b"Date,USD\n2026-01-02,\xff\xfe\n")
    assert binary.status == 422 and "not UTF-8" in binary.error_beside("file")
    wrong = _upload(web, b"Date,USD,\n2026-01-02,1.17x,\n")
    assert wrong.status == 422 and "line 2, USD" in wrong.error_beside("file")
    app.config["MAX_UPLOAD_BYTES"] = 100
    large = _upload(web, b"Date,USD,\n" + b"2026-01-02,1.1721,\n" * 50)
    assert large.status == 413  # refused before any view reads it


def test_add_a_rate_by_hand(web, fund, session_factory):
    web.sign_in("alice")
    fields = {"currency": "gbp", **dates("day", date(2026, 11, 2)), "rate": "0.8754"}
    form = web.get("/rates/new")
    first = web.send(form, fields, follow=False)
    twice = web.send(form, fields, follow=False)  # the same form sent twice
    assert first.status == twice.status == 303
    assert count(session_factory, FxRate, FxRate.date == date(2026, 11, 2)) == 1
    shown = web.get(first.response.location)
    assert "GBP rate of 2 Nov 2026 added: 0.8754." in shown.banner
    assert shown.soup.find(id="currency").select_one("option[selected]")["value"] == "GBP"
    corrected = web.submit("/rates/new", {**fields, "rate": "0.8760"})
    assert "corrected to 0.8760" in corrected.banner
    same = web.submit("/rates/new", {**fields, "rate": "0.8760"})
    assert "nothing changed" in same.banner


RATES_TYPED_WRONG = [
    ({"rate": "1,0812"}, "rate", "positive decimal string"),
    ({"rate": "1e3"}, "rate", "positive decimal string"),
    ({"rate": "0"}, "rate", "greater than zero"),
    ({"rate": ""}, "rate", "Enter the rate"),
    ({"currency": ""}, "currency", "three-letter code"),
    ({"currency": "XYZ"}, "currency", "XYZ"),
    ({"currency": "EUR"}, "currency", "functional currency"),
    ({"day-day": "31", "day-month": "2"}, "day", "real date"),
    ({"day-day": "", "day-month": "", "day-year": ""}, "day", "Enter the date"),
]


def test_a_rate_typed_wrong_is_named_beside_its_field(web, fund, session_factory):
    web.sign_in("alice")
    before = count(session_factory, FxRate)
    for fields, field, message in RATES_TYPED_WRONG:
        typed = {"currency": "USD", **dates("day", date(2026, 11, 2)), "rate": "1.0812", **fields}
        page = web.submit("/rates/new", typed)
        assert page.status == 422 and page.title.startswith("Error: "), fields
        assert message in page.error_beside(field), (fields, page.error_summary())
    assert count(session_factory, FxRate) == before


def test_only_administrators_change_the_rates(app, fund, session_factory):
    before = count(session_factory, FxRate)
    for name in ("inspector", "registry"):
        web = WebClient(app.test_client())
        web.sign_in(name)
        assert web.get("/rates").status == 200
        assert web.get("/rates/new").status == 403 and web.get("/rates/upload").status == 403
        token = web.get("/rates").form("header form")["csrf_token"]
        posted = web.client.post(
            "/rates/new", data={"csrf_token": token, "currency": "USD", "rate": "2"}
        )
        assert posted.status_code == 403
    assert count(session_factory, FxRate) == before


# -- statements ---------------------------------------------------------------------------


#: The choice each statement needs, on the demo fund.
CHOICES = {
    "general-ledger": {"account": "1000"},
    "victim-statement": {"victim_id": 1},
    "case-statement": {"case_id": 1},
}


def _read(fmt: str, data: bytes) -> str:
    """What a downloaded file says, as text (and proof that it opens)."""
    if fmt == "pdf":
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    if fmt == "xlsx":
        book = load_workbook(io.BytesIO(data), read_only=True)
        cells = [c for sheet in book for row in sheet.iter_rows(values_only=True) for c in row]
        return "\n".join(str(c) for c in cells if c is not None)
    if fmt == "csv":
        text = data.decode("utf-8")
        rows = [r for r in csv.reader(io.StringIO(text)) if r and not r[0].startswith("#")]
        assert rows and len(rows[0]) > 1, rows[:2]  # the header row, then the lines
        return text
    return json.dumps(json.loads(data), ensure_ascii=False)


@pytest.mark.parametrize("person", ["alice", "inspector"])
def test_every_statement_downloads_in_every_format(app, fund, person):
    web = WebClient(app.test_client())
    web.sign_in(person)
    home = web.get("/statements")
    assert home.status == 200 and home.heading == "Statements"
    assert_no_personal_data(home.text(), "the statements page")
    for slug in BUILDERS:
        for fmt, content_type in FORMATS.items():
            query = {"format": fmt, **CHOICES.get(slug, {})}
            response = web.client.get(f"/statements/{slug}", query_string=query)
            assert response.status_code == 200, (person, slug, fmt, response.data[:300])
            assert response.headers["Content-Type"] == content_type
            disposition = response.headers["Content-Disposition"]
            kind = "inline" if fmt == "json" else "attachment"
            head = response.headers["X-Journal-Head"][:8]
            assert disposition.startswith(f'{kind}; filename="{slug}_'), disposition
            assert disposition.endswith(f'_{head}.{fmt}"'), disposition
            text = _read(fmt, response.data)
            assert_no_personal_data(text, f"{slug}.{fmt}")
            if fmt == "pdf":
                assert "Test Compensation Fund" in text and person in text, slug
                assert "Page 1 of" in text
            if fmt == "json":
                assert json.loads(response.data)["generated_by"] == person


def test_the_statements_page_offers_every_statement_with_its_dates(web, fund):
    web.sign_in("inspector")
    page = web.get("/statements")
    links = {a["href"] for a in page.soup.select("main a[download]")}
    for slug in set(BUILDERS) - set(CHOICES):
        for fmt in FORMATS:
            assert any(f"/statements/{slug}?" in h and f"format={fmt}" in h for h in links), slug
    for slug, choice in CHOICES.items():
        form = page.soup.select_one(f"main form[action$='/statements/{slug}']")
        assert form is not None and form.find(attrs={"name": next(iter(choice))}), slug
        assert {b["value"] for b in form.select("button[name=format]")} == set(FORMATS)
    this_year = f"from={today_utc().year}-01-01"  # the financial year so far, by default
    assert any("/statements/journal?" in h and this_year in h for h in links)
    victims = page.soup.find(id="victim_id").get_text(" ")
    assert "V-000001" in victims
    assert_no_personal_data(page.html, "the victim chooser")
    chosen = web.get(
        "/statements?as_of-day=31&as_of-month=3&as_of-year=2026"
        "&from-day=1&from-month=2&from-year=2026&to-day=&to-month=&to-year="
    )
    hrefs = {a["href"] for a in chosen.soup.select("main a[download]")}
    assert any("trial-balance?" in h and "as_of=2026-03-31" in h for h in hrefs)
    assert any("journal?" in h and "from=2026-02-01" in h and "to=" not in h for h in hrefs)
    assert "As of 31 Mar 2026" in chosen.text() and "1 Feb 2026 to today" in chosen.text()
    ledger = chosen.soup.select_one("main form[action$='/statements/general-ledger']")
    assert ledger.select_one("input[name=from]")["value"] == "2026-02-01"


def test_a_statement_chosen_by_date_says_its_date(web, fund):
    web.sign_in("inspector")
    response = web.client.get("/statements/trial-balance?format=json&as_of=2026-03-31")
    assert json.loads(response.data)["as_of"] == "2026-03-31"
    case_page_link = web.client.get("/statements/case-statement?case_id=1&format=pdf")
    assert case_page_link.status_code == 200  # the case page's own download
    assert "CR-2026-014" in _read("pdf", case_page_link.data)


BAD_CHOICES = [
    ("general-ledger", {"account": "9999"}, "account", "account 9999 does not exist"),
    ("general-ledger", {}, "account", "Choose the account"),
    ("victim-statement", {}, "victim_id", "Choose the victim"),
    ("case-statement", {"case_id": ""}, "case_id", "Choose the case"),
    ("victim-statement", {"victim_id": "999"}, "victim_id", "victim 999 does not exist"),
    ("victim-statement", {"victim_id": "V-1"}, "victim_id", "Choose from the list"),
    ("case-statement", {"case_id": "999"}, "case_id", "999"),
    ("cash-flow", {"from": "2026-05-01", "to": "2026-04-01"}, "from", "must not be after"),
    ("journal", {"from": "2026-05-01", "to": "2026-04-01"}, "from", "must not be after"),
    ("general-ledger", {"account": "1000", "from": "2026-05-01", "to": "2026-04-01"},
     "from", "must not be after"),
    ("trial-balance", {"as_of": "2026-02-30"}, "as_of", "real date"),
    ("trial-balance", {"as_of": "yesterday"}, "as_of", "real date"),
]  # fmt: skip


def test_a_bad_choice_comes_back_beside_its_chooser(web, fund):
    web.sign_in("inspector")
    for slug, query, field, message in BAD_CHOICES:
        page = web.get(f"/statements/{slug}", query_string={"format": "pdf", **query})
        assert page.status == 422 and page.title.startswith("Error: Statements"), (slug, query)
        assert message in page.error_beside(field), (slug, query, page.error_summary())
        assert page.error_summary(), (slug, query)


def test_a_download_without_a_format_or_of_no_statement(web, fund):
    web.sign_in("inspector")
    page = web.get("/statements/trial-balance")
    assert (
        page.status == 422
        and "Choose the format" in page.soup.select_one(".govuk-error-summary").get_text()
    )
    assert web.get("/statements/trial-balance?format=docx").status == 422
    assert web.get("/statements/balance-sheet?format=pdf").status == 404


def test_a_court_has_only_the_awards_register_of_its_own_awards(app, fund, session_factory):
    with session_factory.begin() as session:
        court = session.scalar(select(User).where(User.name == "registry"))
        case = session.scalar(select(Case).where(Case.reference == "CR-2026-014"))
        victim = session.scalar(select(Victim).order_by(Victim.id))
        awards.register_award(
            session, actor=Actor.of(court), case_id=case.id, victim_id=victim.id,
            order_reference="AO-REG/1", ordered_on=date(2026, 3, 2),
            amount=Money(123400, "EUR"),
        )  # fmt: skip
        assert session.scalar(select(func.count()).select_from(Award)) == 6
    web = WebClient(app.test_client())
    web.sign_in("registry")
    home = web.get("/statements")
    assert home.status == 200
    assert [th.get_text(" ", strip=True).split(" Awards with")[0]
            for th in home.soup.select("main tbody th")] == ["Awards register"]  # fmt: skip
    assert not home.soup.select("#victim_id, #case_id, #account, #from")
    for fmt in FORMATS:
        response = web.client.get(f"/statements/awards-register?format={fmt}")
        assert response.status_code == 200, fmt
        text = _read(fmt, response.data)
        assert ("1,234.00" if fmt == "pdf" else "1234") in text, fmt  # its own award
        for other in ("45,000.00", "45000.00", "25,000.00", "25000.00", "8,000.00", "8000.00"):
            assert other not in text, (fmt, other)  # the demo court's awards are not its own
        assert_no_personal_data(text, f"awards-register.{fmt}")
    for slug in set(BUILDERS) - {"awards-register"}:
        query = {"format": "csv", **CHOICES.get(slug, {})}
        refused = web.client.get(f"/statements/{slug}", query_string=query)
        assert refused.status_code == 403, slug


# -- integrity ----------------------------------------------------------------------------


def _events(session_factory, action: str) -> list[AuditEvent]:
    with session_factory() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


def test_run_the_integrity_check_once_and_read_its_result(web, fund, session_factory):
    web.sign_in("inspector")
    page = web.get("/integrity")
    assert "has not been run yet" in page.text()
    first = web.send(page, follow=False)
    second = web.send(page, follow=False)  # a double click
    assert first.status == second.status == 303
    assert len(_events(session_factory, events.BOOKS_VERIFIED)) == 1
    done = web.get(first.response.location)
    with session_factory() as session:
        head = session.get(JournalHead, 1)
    assert f"The books are intact: {head.last_number} entries" in done.banner
    assert done.soup.select_one("main .govuk-tag").get_text(strip=True) == "Intact"
    [shown] = done.soup.select("main .govuk-summary-list .app-hash")
    assert shown.get_text(strip=True) == head.last_hash  # in full, never cut
    assert "by inspector" in done.text()
    web.sign_in("alice")
    dashboard = web.get("/dashboard")
    assert "intact" in dashboard.text() and "by inspector" in dashboard.text()


def test_a_tampered_journal_is_reported_with_its_problems(web, fund, engine, session_factory):
    with guards_off(engine, "journal_entries") as run:
        run("UPDATE journal_entries SET memo = 'altered' WHERE number = 3")
    web.sign_in("alice")
    done = web.submit("/integrity")
    assert "The check found" in done.banner
    assert done.soup.select_one("main .govuk-tag").get_text(strip=True) == "Problems found"
    problems = [li.get_text(" ", strip=True) for li in done.soup.select("main ol li")]
    assert problems and any("entry 3" in p for p in problems), problems
    [check] = _events(session_factory, events.BOOKS_VERIFIED)
    assert json.loads(check.after)["ok"] is False
    listed = web.get(f"/integrity?check={check.id}")
    assert "Result of the check" in listed.text() and "entry 3" in listed.text()


def test_the_audit_log_newest_first_with_filters_and_readable_states(web, fund, session_factory):
    web.sign_in("inspector")
    page = web.get("/integrity/audit-log")
    assert page.status == 200
    ids = [int(tr.td.get_text(strip=True)) for tr in page.soup.select("main tbody tr")]
    assert ids == sorted(ids, reverse=True) and len(ids) == 25
    assert page.soup.select("nav.govuk-pagination")
    assert_no_personal_data(page.html, "the audit log")
    closes = web.get("/integrity/audit-log?action=period.closed")
    rows = closes.soup.select("main tbody tr")
    assert len(rows) == 2 and all("period.closed" in r.get_text() for r in rows)
    assert "up_to: 2026-02" in rows[0].get_text()  # newest first
    by_court = web.get("/integrity/audit-log?by=demo-court&subject_type=award")
    assert {r.select("td")[2].get_text(strip=True) for r in by_court.soup.select("tbody tr")} == {
        "demo-court"
    }
    later = web.get("/integrity/audit-log?page=2")
    assert later.status == 200 and later.soup.select("main tbody tr")
    file = web.client.get("/integrity/audit-log?action=period.closed&format=csv")
    text = file.get_data(as_text=True)
    assert sum(",period.closed," in line for line in text.splitlines()) == 2
    assert "up_to: 2026-02" in text
    bad = web.get("/integrity/audit-log?action=nothing.like.this")
    assert bad.status == 422 and bad.error_beside("action")


def test_every_page_of_the_audit_log_is_free_of_personal_data(web, fund):
    web.sign_in("alice")
    web.get("/victims/1")  # an administrator's view of personal data is itself audited
    web.sign_in("inspector")
    number = 1
    while True:
        page = web.get(f"/integrity/audit-log?page={number}&per_page=100")
        assert_no_personal_data(page.html, f"audit log page {number}")
        if not page.soup.select_one(".govuk-pagination__next"):
            break
        number += 1
    assert_no_personal_data(
        web.client.get("/integrity/audit-log?format=csv").get_data(as_text=True), "audit log CSV"
    )


def test_courts_and_auditors_are_refused_what_is_not_theirs(app, fund, session_factory):
    for name, refused in (
        ("registry", ["/periods", "/periods/close", "/integrity", "/integrity/audit-log"]),
        ("inspector", ["/periods/close", "/periods/revalue", "/periods/close-year"]),
    ):
        web = WebClient(app.test_client())
        web.sign_in(name)
        for path in refused:
            assert web.get(path).status == 403, (name, path)
        token = web.get("/statements").form("header form")["csrf_token"]
        for path in ("/periods/close", "/periods/close-year"):
            posted = web.client.post(path, data={"csrf_token": token, **month("period", "2026-03")})
            assert posted.status_code == 403, (name, path)
    court = WebClient(app.test_client())
    court.sign_in("registry")
    token = court.get("/statements").form("header form")["csrf_token"]
    assert court.client.post("/integrity/check", data={"csrf_token": token}).status_code == 403
    assert count(session_factory, Period) == 2
    assert not _events(session_factory, events.BOOKS_VERIFIED)


# -- what a page costs -----------------------------------------------------------------------


def test_the_lists_cost_the_same_statements_at_any_length(app, fund):
    engine = app.extensions["fundledger.db"].kw["bind"]
    web = WebClient(app.test_client())
    web.sign_in("inspector")

    def statements(path: str) -> int:
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert web.get(path).status == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    for path in ("/integrity/audit-log", "/periods", "/rates"):
        assert statements(f"{path}?per_page=5") == statements(f"{path}?per_page=50"), path
