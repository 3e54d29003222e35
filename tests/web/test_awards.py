"""Awards through their pages: registering, each invalid field, the core's refusals beside
their fields, a double submit, the register's filters, sorting, totals and files, an award's
page, cancelling or reducing through the confirmation page, and spreadsheet imports (all or
nothing). A court sees and acts on its own awards only, everywhere."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
from sqlalchemy import func, select

from ledger.access import ADMINISTRATOR, Actor
from ledger.models import Award, JournalEntry, User
from ledger.reads.awards import get_award
from tests.reports.test_formats import about, sheets
from tests.web.conftest import WebClient, dates

AWARD = {
    "case_id": "1",
    "victim_id": "1",
    "order_reference": "AO-014/9",
    **dates("ordered_on", date(2026, 3, 10)),
    "amount": "1,250.00",
    "amount-currency": "EUR",
}
HEADER = "case_reference,victim_code,order_reference,ordered_on,amount,currency\n"


def count(session_factory, model=Award) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(model))


def award(session_factory, award_id: int) -> Award:
    with session_factory() as session:
        return session.get(Award, award_id)


def free_part(session_factory, award_id: int) -> int:
    """What a cancellation may take of the award (neither paid nor committed), in minor units."""
    with session_factory() as session:
        admin = Actor(None, "tests", ADMINISTRATOR)
        return get_award(session, admin, award_id).proposable.minor


def shown_awards(page) -> list[int]:
    """The award numbers a list page shows, in order."""
    links = page.soup.select("main table a[href^='/awards/']")
    return [int(a["href"].rsplit("/", 1)[-1]) for a in links]


def court(app) -> WebClient:
    web = WebClient(app.test_client())
    web.sign_in("registry")
    return web


def upload(web: WebClient, content: bytes, filename: str = "awards.csv", form=None):
    """Open the import page, choose ``content`` as the file, submit."""
    form = form or web.get("/awards/import")
    data = form.form()
    data["file"] = (io.BytesIO(content), filename)
    return web.client.post(
        "/awards/import", data=data, content_type="multipart/form-data", follow_redirects=True
    )


# -- registering ---------------------------------------------------------------------------


def test_an_administrator_registers_an_award(web, fund, session_factory):
    web.sign_in("alice")
    awards, entries = count(session_factory), count(session_factory, JournalEntry)
    page = web.submit("/awards/new", AWARD)
    assert page.status == 200, page.error_summary()
    assert page.heading == "Award 6: EUR 1,250.00 outstanding"
    assert "Award 6 registered. Journal entry" in page.banner
    assert count(session_factory) == awards + 1
    assert count(session_factory, JournalEntry) == entries + 1
    registered = award(session_factory, 6)
    assert (registered.amount_minor, registered.currency, registered.court_user_id) == (
        125000,
        "EUR",
        None,
    )


def test_the_form_comes_filled_in_from_a_case_or_a_victim(web, fund):
    web.sign_in("alice")
    page = web.get("/awards/new?case_id=2&victim_id=3")
    assert page.form()["case_id"] == "2" and page.form()["victim_id"] == "3"


def test_a_court_registers_in_its_own_name_and_sees_only_its_own(app, fund, session_factory):
    web = court(app)
    page = web.submit("/awards/new", {**AWARD, "amount": "300", "amount-currency": "USD"})
    assert page.status == 200 and page.heading == "Award 6: USD 300.00 outstanding"
    assert page.banner == "Done Award 6 registered."  # no journal for a court to look up
    with session_factory() as session:
        registry = session.scalar(select(User.id).where(User.name == "registry"))
    assert award(session_factory, 6).court_user_id == registry
    listed = web.get("/awards")
    assert listed.heading.startswith("Your court") and shown_awards(listed) == [6]
    assert "USD 300.00" in listed.text()
    for path in ("/awards/1", "/awards/1/cancel"):
        assert web.get(path).status == 404
    body = web.client.get("/awards?format=csv").get_data(as_text=True)
    assert [line.split(",")[0] for line in body.splitlines()] == ["Award", "6"]
    victim = web.get("/victims/1").text()  # its own award of the victim, and no other
    assert "Award 6" in victim and "Award 1 " not in victim


def test_an_empty_form_names_each_field(web, fund, session_factory):
    web.sign_in("alice")
    before = count(session_factory)
    page = web.submit("/awards/new", {"case_id": "", "victim_id": "", "amount": ""})
    assert page.status == 422 and page.title.startswith("Error: ")
    assert set(page.error_summary()) == {
        "case_id", "victim_id", "order_reference", "ordered_on-day", "amount",
    }  # fmt: skip
    assert "Choose the case" in page.error_beside("case_id")
    assert "Enter an amount" in page.error_beside("amount")
    assert count(session_factory) == before


def test_an_amount_or_date_that_cannot_be_read_is_refused_beside_it(web, fund):
    web.sign_in("alice")
    page = web.submit("/awards/new", {**AWARD, "amount": "12.345"})
    assert page.status == 422 and page.error_beside("amount")
    page = web.submit("/awards/new", {**AWARD, "amount": "0"})
    assert page.status == 422 and "greater than zero" in page.error_beside("amount")
    page = web.submit("/awards/new", {**AWARD, "amount-currency": "XXX"})
    assert page.status == 422 and "Choose the currency" in page.error_beside("amount")
    page = web.submit("/awards/new", {**AWARD, "ordered_on-month": "13"})
    assert page.status == 422 and "real date" in page.error_beside("ordered_on")


def test_the_cores_refusals_appear_beside_their_fields(web, fund, session_factory):
    web.sign_in("alice")
    before = count(session_factory)
    duplicate = web.submit("/awards/new", {**AWARD, "order_reference": "AO-014/1"})
    assert duplicate.status == 422
    assert "already registered for this victim" in duplicate.error_beside("order_reference")
    early = web.submit("/awards/new", {**AWARD, **dates("ordered_on", date(2026, 1, 1))})
    assert early.status == 422
    assert "before the case was opened" in early.error_beside("ordered_on")
    future = web.submit("/awards/new", {**AWARD, **dates("ordered_on", date(2099, 1, 1))})
    assert future.status == 422 and "future" in future.error_beside("ordered_on")
    assert count(session_factory) == before


def test_the_same_order_for_another_victim_is_a_new_award(web, fund, session_factory):
    web.sign_in("alice")
    page = web.submit("/awards/new", {**AWARD, "order_reference": "AO-014/1", "victim_id": "4"})
    assert page.status == 200 and "Award 6 registered" in page.banner


def test_a_double_submitted_award_is_registered_once(web, fund, session_factory):
    web.sign_in("alice")
    form = web.get("/awards/new")
    before = count(session_factory)
    first = web.send(form, AWARD, follow=False)
    second = web.send(form, AWARD, follow=False)
    assert first.status == second.status == 303
    assert second.response.location == first.response.location
    assert count(session_factory) == before + 1


# -- the register --------------------------------------------------------------------------


def test_the_register_shows_what_is_paid_outstanding_and_how_old(web, fund):
    web.sign_in("inspector")
    page = web.get("/awards")
    assert page.status == 200 and shown_awards(page) == [1, 2, 3, 4, 5]
    first = page.soup.select("main table tbody tr")[0].get_text(" ", strip=True)
    for shown in ("CR-2026-014", "V-000001", "(domestic)", "5 Feb 2026", "EUR 45,000.00",
                  "EUR 20,000.00", "EUR 25,000.00", "Partially paid", "days"):  # fmt: skip
        assert shown in first, shown
    returned = page.soup.select("main table tbody tr")[2].get_text(" ", strip=True)
    assert "(abroad)" in returned and "Payment returned" in returned
    paid = page.soup.select("main table tbody tr")[3].get_text(" ", strip=True)
    assert "Paid" in paid and "0-90" not in paid and "181-365" not in paid  # no ageing bucket
    totals = page.soup.select_one("main table:has(caption:-soup-contains('Totals'))")
    assert "EUR 78,000.00" in totals.get_text() and "THB 650,000.00" in totals.get_text()
    assert "Register an award" not in page.text()  # an auditor registers nothing


def test_the_register_filters_sorts_and_pages_in_the_query_string(web, fund):
    web.sign_in("alice")
    assert shown_awards(web.get("/awards?case_id=1")) == [1, 2]
    assert shown_awards(web.get("/awards?victim_id=3")) == [3]
    assert shown_awards(web.get("/awards?status=paid")) == [4]
    assert shown_awards(web.get("/awards?sort=-ordered_on")) == [5, 4, 3, 2, 1]
    assert shown_awards(web.get("/awards?sort=-id")) == [5, 4, 3, 2, 1]
    second = web.get("/awards?per_page=2&page=2&sort=id")
    assert shown_awards(second) == [3, 4] and "5 records" in second.text()
    filtered = web.get("/awards?case_id=2")
    totals = filtered.soup.select_one("main table:has(caption:-soup-contains('Totals'))")
    assert "EUR 25,000.00" in totals.get_text() and "THB" not in totals.get_text()
    assert "No award matches" in web.get("/awards?case_id=3&status=paid").text()


def test_each_download_holds_exactly_the_filtered_rows_and_their_totals(web, fund):
    web.sign_in("alice")
    body = web.client.get("/awards?case_id=2&format=csv").get_data(as_text=True)
    rows = [line.split(",") for line in body.splitlines()]
    assert [r[0] for r in rows] == ["Award", "3", "4"]  # the header row first; no totals
    header = rows[0]
    assert rows[2][header.index("Currency")] == "EUR"
    assert rows[2][header.index("Amount")] == "25000.00"
    assert rows[2][header.index("Amount currency")] == "EUR"
    # The filters and the totals: in the XLSX ("About" and "Totals" sheets), JSON and PDF.
    case = web.client.get("/awards?case_id=2&format=xlsx").get_data()
    assert about(case)["Statement"] == "Awards — Case: CR-2026-022"
    titles, total = sheets(case)["Totals"]
    # Two currencies: the total is the functional value, no sum of USD and EUR.
    assert total[0] == "Total" and total[titles.index("Amount")] is None
    assert total[titles.index("Value at award date (EUR)")] is not None
    one = sheets(web.client.get("/awards?victim_id=1&format=xlsx").get_data())["Totals"]
    assert one[1][one[0].index("Outstanding")] == 25000
    assert one[1][one[0].index("Outstanding currency")] == "EUR"
    xlsx = web.client.get("/awards?status=registered&format=xlsx")
    cells = [row[0] for row in sheets(xlsx.get_data())["Statement"]]
    assert 3 in cells and 5 in cells and 1 not in cells and "Total" not in cells
    pdf = web.client.get("/awards?case_id=1&format=pdf")
    assert pdf.status_code == 200 and pdf.get_data()[:4] == b"%PDF"


def test_a_filter_that_cannot_be_read_is_no_filter(web, fund):
    web.sign_in("alice")
    assert shown_awards(web.get("/awards?case_id=abc")) == [1, 2, 3, 4, 5]
    assert web.get("/awards?status=nonsense").status == 422


def test_a_list_page_costs_the_same_statements_at_any_length(app, web, fund):
    from tests.api.test_query_counts import counting

    web.sign_in("alice")
    engine = app.extensions["fundledger.db"].kw["bind"]
    for path in ("/awards", "/victims"):
        web.get(f"{path}?per_page=1")  # warm-up
        with counting(engine) as short:
            one = web.get(f"{path}?per_page=1")
        with counting(engine) as long:
            five = web.get(f"{path}?per_page=5")
        assert len(one.soup.select_one("main table").select("tbody tr")) == 1
        assert len(five.soup.select_one("main table").select("tbody tr")) == 5
        assert len(short) == len(long), (path, len(short), len(long))


# -- an award's page -----------------------------------------------------------------------


def test_an_awards_page_shows_its_payments_and_what_may_be_done(app, web, fund):
    web.sign_in("alice")
    page = web.get("/awards/1")
    assert page.status == 200 and page.heading == "Award 1: EUR 25,000.00 outstanding"
    payments = page.soup.select_one("main table:has(caption:-soup-contains('Payments'))")
    text = payments.get_text(" ", strip=True)
    assert "EUR 20,000.00" in text and "Paid" in text and "Awaiting approval" in text
    assert "/awards/1/cancel" in page.html
    proposes = "web.payments.propose" in app.view_functions
    assert ("Propose a payment" in page.text()) == proposes
    auditor = WebClient(app.test_client())
    auditor.sign_in("inspector")
    seen = auditor.get("/awards/1")
    assert seen.status == 200 and "/awards/1/cancel" not in seen.html
    assert "Propose a payment" not in seen.text()
    assert "/awards/4/cancel" not in web.get("/awards/4").html  # paid: nothing to cancel


# -- cancelling or reducing ----------------------------------------------------------------


def cancellation(amount: str, on: date = date(2026, 11, 2), reason: str = "Varied on appeal"):
    return {"amount": amount, **dates("effective_on", on), "reason": reason}


def test_reduce_an_award_through_its_confirmation_page(web, fund, session_factory):
    web.sign_in("alice")
    entries = count(session_factory, JournalEntry)
    confirm = web.submit("/awards/1/cancel", cancellation("500"))
    assert confirm.status == 200 and "Check the cancellation" in confirm.heading
    text = confirm.text()
    assert "2000 Awards payable" in text and "5000 Victim compensation" in text
    assert "EUR 500.00" in text
    button = confirm.soup.select_one("main form:has(input[value=confirm]) button").get_text()
    assert button.strip() == "Cancel EUR 500.00 of award 1"
    assert count(session_factory, JournalEntry) == entries  # the preview posted nothing
    done = web.confirm(confirm)
    assert done.status == 200 and done.heading == "Award 1: EUR 24,500.00 outstanding"
    assert "EUR 500.00 of award 1 cancelled. Journal entry" in done.banner
    assert award(session_factory, 1).cancelled_minor == 50000
    again = web.confirm(confirm)  # back, and the same button once more
    assert again.status == 200
    assert count(session_factory, JournalEntry) == entries + 1
    assert award(session_factory, 1).cancelled_minor == 50000


def test_cancel_everything_that_is_free(web, fund, session_factory):
    web.sign_in("alice")
    free = free_part(session_factory, 5)
    confirm = web.submit("/awards/5/cancel", cancellation(""))
    button = confirm.soup.select_one("main form:has(input[value=confirm]) button").get_text()
    amount = f"{free // 100:,}.{free % 100:02d}"
    assert button.strip() == f"Cancel EUR {amount} of award 5"
    done = web.confirm(confirm)
    assert f"EUR {amount} of award 5 cancelled" in done.banner
    assert award(session_factory, 5).cancelled_minor == free


def test_cancelling_more_than_is_free_is_refused_beside_the_amount(web, fund, session_factory):
    web.sign_in("alice")
    free = free_part(session_factory, 1)
    assert 0 < free < 2_500_000  # a pending payment commits part of what is outstanding
    page = web.submit("/awards/1/cancel", cancellation("25000"))
    assert page.status == 422
    assert f"only {free // 100}.{free % 100:02d} EUR" in page.error_beside("amount")
    assert award(session_factory, 1).cancelled_minor == 0


def test_a_cancellation_the_core_refuses_says_why_beside_the_field(web, fund, session_factory):
    web.sign_in("alice")
    early = web.submit("/awards/1/cancel", cancellation("10", on=date(2026, 2, 1)))
    assert early.status == 422 and "before the award was ordered" in early.error_beside(
        "effective_on"
    )
    closed = web.submit("/awards/1/cancel", cancellation("10", on=date(2026, 2, 20)))
    assert closed.status == 422 and closed.error_beside("effective_on")
    empty = web.submit("/awards/1/cancel", cancellation("10", reason=""))
    assert empty.status == 422 and "Say why" in empty.error_beside("reason")
    other = web.submit("/awards/1/cancel", {**cancellation("10"), "amount-currency": "USD"})
    assert other.status == 200  # the award's own currency is fixed: the select is not sent
    paid = web.get("/awards/4/cancel")
    assert "This award is paid: nothing is left to cancel." in paid.text()
    assert paid.soup.select_one("main form[method=post]") is None
    token = web.get("/awards/1/cancel").form()["csrf_token"]
    posted = web.client.post("/awards/4/cancel", data={"csrf_token": token,
                             **cancellation("")})  # fmt: skip
    assert posted.status_code == 422 and "is paid" in posted.get_data(as_text=True)
    assert award(session_factory, 1).cancelled_minor == 0


def test_a_court_cancels_its_own_award_only(app, fund, session_factory):
    web = court(app)
    web.submit("/awards/new", AWARD)
    done = web.confirm(web.submit("/awards/6/cancel", cancellation("250")))
    assert done.status == 200 and "EUR 250.00 of award 6 cancelled." in done.banner
    assert "Journal entry" not in done.banner
    token = web.get("/awards/6/cancel").form()["csrf_token"]
    refused = web.client.post("/awards/1/cancel", data={"csrf_token": token})
    assert refused.status_code == 404
    assert award(session_factory, 1).cancelled_minor == 0


# -- spreadsheet imports -------------------------------------------------------------------


def test_an_import_registers_every_row_and_links_to_each(web, fund, session_factory):
    web.sign_in("alice")
    before = count(session_factory)
    content = (
        HEADER
        + "CR-2026-014,V-000003,IMP-1,2026-03-02,1500.00,EUR\n"
        + "CR-2026-022,V-000002,IMP-2,2026-03-03,20000,THB\n"
    )
    response = upload(web, content.encode())
    assert response.status_code == 200
    banner = response.get_data(as_text=True)
    page = web.get("/awards?sort=-id")
    assert "2 awards imported and registered:" in banner
    assert 'href="/awards/6"' in banner and 'href="/awards/7"' in banner
    assert count(session_factory) == before + 2
    assert shown_awards(page)[:2] == [7, 6]  # the list, newest first


def test_an_import_with_any_wrong_row_keeps_nothing_and_reports_every_problem(
    web, fund, session_factory
):
    web.sign_in("alice")
    before = count(session_factory)
    entries = count(session_factory, JournalEntry)
    content = (
        HEADER
        + "CR-2026-014,V-000003,IMP-1,2026-03-02,1500.00,EUR\n"  # right
        + "CR-2026-014,V-000999,IMP-2,2026-03-02,12.345,EUR\n"  # no such victim, 3 decimals
        + "CR-2026-014,V-000001,AO-014/1,2026-03-02,10,EUR\n"  # already registered
    )
    response = upload(web, content.encode())
    assert response.status_code == 422
    from tests.web.conftest import Page

    page = Page(response)
    assert page.title.startswith("Error: ") and "Nothing was imported" in page.text()
    table = page.soup.select_one("#problems")
    rows = [
        [cell.get_text(" ", strip=True) for cell in tr.select("td")]
        for tr in table.select("tbody tr")
    ]
    assert ["3", "victim_code", "no victim V-000999"] in rows
    assert any(r[:2] == ["3", "amount"] for r in rows), rows
    assert ["4", "order_reference", "already registered for this victim"] in rows
    assert count(session_factory) == before  # not even the right row
    assert count(session_factory, JournalEntry) == entries


def test_an_import_names_missing_and_unknown_columns(web, fund):
    web.sign_in("alice")
    page_html = upload(web, b"case_reference,victim,amount\nCR-2026-014,V-000001,10\n")
    assert page_html.status_code == 422
    text = page_html.get_data(as_text=True)
    assert "column is missing" in text and "unknown column" in text


def test_an_xlsx_import_works_like_a_csv(web, fund, session_factory):
    web.sign_in("alice")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(["CR-2026-022", "V-000005", "IMP-X", date(2026, 3, 4), "750.50", "EUR"])
    out = io.BytesIO()
    book.save(out)
    response = upload(web, out.getvalue(), "awards.xlsx")
    assert response.status_code == 200, response.get_data(as_text=True)[-2000:]
    assert "1 award imported and registered:" in response.get_data(as_text=True)
    assert award(session_factory, 6).amount_minor == 75050


def test_a_file_that_is_not_a_spreadsheet_is_refused_beside_the_field(web, fund):
    web.sign_in("alice")
    from tests.web.conftest import Page

    page = Page(upload(web, b"hello", "notes.txt"))
    assert page.status == 422 and ".csv or .xlsx" in page.error_beside("file")
    form = web.get("/awards/import")
    empty = Page(
        web.client.post("/awards/import", data=form.form(), content_type="multipart/form-data")
    )
    assert empty.status == 422 and "Choose a CSV or XLSX file" in empty.error_beside("file")


def test_a_double_submitted_import_imports_once(web, fund, session_factory):
    web.sign_in("alice")
    form = web.get("/awards/import")
    content = (HEADER + "CR-2026-014,V-000003,IMP-1,2026-03-02,1500.00,EUR\n").encode()
    before = count(session_factory)
    assert upload(web, content, form=form).status_code == 200
    again = upload(web, content, form=form)
    assert again.status_code == 200
    assert count(session_factory) == before + 1


def test_a_courts_import_registers_awards_in_its_own_name(app, fund, session_factory):
    web = court(app)
    template = web.client.get("/awards/import/awards.csv")
    assert template.get_data(as_text=True) == HEADER
    content = (HEADER + "CR-2026-014,V-000003,IMP-C,2026-03-02,99.00,EUR\n").encode()
    assert upload(web, content).status_code == 200
    assert shown_awards(web.get("/awards")) == [6]
    assert award(session_factory, 6).court_user_id is not None
