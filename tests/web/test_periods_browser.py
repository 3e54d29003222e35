"""Two journeys in Debian's Chromium with JavaScript OFF, every page checked by axe-core.

1. An administrator closes March 2026 (a form with an error first, then its confirmation
   page); a receipt dated in March is then refused beside its date field: through the
   receipts form (``/receipts/new``) where the web has one, else through the API, whose
   409 names ``received_on``. Then the area's other pages, a revaluation's confirmation
   and a rate typed wrong.
2. An auditor lands on the statements page, downloads the trial balance PDF and opens a
   victim statement, and meets no victim's personal data on the way.

Screenshots go to ``$FUNDLEDGER_SCREENSHOTS`` when set (e.g. ``docs/user-guide``), else
to the test's temporary directory.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from pypdf import PdfReader

from ledger.models import Period
from tests.conftest import auth
from tests.web.conftest import sign_in_browser
from tests.web.test_periods_reports import assert_no_personal_data


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("FUNDLEDGER_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_a_closed_month_refuses_a_receipt_dated_in_it(
    page, live_server, assert_accessible, app, client, token_for, session_factory, shots
):
    sign_in_browser(page, live_server, "alice")
    page.goto(live_server + "/periods")
    assert_accessible(page)
    page.get_by_role("link", name="Close up to here (March 2026)").click()
    assert page.input_value("#period-month") == "3"
    page.fill("#period-year", "26")
    page.get_by_role("button", name="Continue").click()
    assert page.title().startswith("Error: ")
    assert "four digits" in page.inner_text("#period-error")
    page.screenshot(path=str(shots / "close-month-error.png"), full_page=True)
    assert_accessible(page)
    page.fill("#period-year", "2026")
    page.get_by_role("button", name="Continue").click()
    assert page.inner_text("h1") == "Check the close before it is made"
    assert "March 2026" in page.inner_text("main ul.govuk-list")
    page.screenshot(path=str(shots / "close-month-confirm.png"), full_page=True)
    assert_accessible(page)
    page.get_by_role("button", name="Close the books up to March 2026").click()
    assert "Books closed up to March 2026" in page.inner_text(".govuk-notification-banner")
    assert_accessible(page)
    with session_factory() as session:
        assert session.get(Period, "2026-03") is not None

    if "web.cash.record_receipt" in app.view_functions:
        page.goto(live_server + "/receipts/new")
        page.check("input[name=kind][value=donation]")
        page.fill("#received_on-day", "15")
        page.fill("#received_on-month", "3")
        page.fill("#received_on-year", "2026")
        page.fill("#amount", "100.00")
        page.select_option("#amount-currency", "EUR")
        page.fill("#counterparty", "A late donor")
        page.locator("main form button[type=submit]").click()
        assert page.title().startswith("Error: ")
        assert "2026-03 is closed" in page.inner_text("#received_on-error")
        page.screenshot(path=str(shots / "receipt-in-closed-month.png"), full_page=True)
        assert_accessible(page)
    else:  # pragma: no cover - the receipts form is another area's
        response = client.post(
            "/api/v1/receipts",
            json={"kind": "donation", "received_on": "2026-03-15", "counterparty": "A late donor",
                  "amount": {"amount": "100.00", "currency": "EUR"}},
            headers=auth(token_for("administrator")),
        )  # fmt: skip
        assert response.status_code == 409
        assert "received_on" in response.get_json()["errors"]

    # The other pages of the area, and a revaluation's confirmation and a rate's errors.
    for path in ("/periods/revalue?month=2026-04", "/periods/close-year", "/rates",
                 "/rates/new", "/rates/upload", "/statements"):  # fmt: skip
        page.goto(live_server + path)
        assert_accessible(page)
    page.goto(live_server + "/periods/revalue?month=2026-04")
    page.get_by_role("button", name="Continue").click()
    assert "What will be posted" in page.inner_text("main")
    page.screenshot(path=str(shots / "revalue-confirm.png"), full_page=True)
    assert_accessible(page)
    page.goto(live_server + "/rates/new")
    page.fill("#rate", "1,08")
    page.get_by_role("button", name="Add the rate").click()
    assert page.title().startswith("Error: ")
    page.screenshot(path=str(shots / "rate-error.png"), full_page=True)
    assert_accessible(page)
    page.goto(live_server + "/periods")
    page.screenshot(path=str(shots / "periods.png"), full_page=True)


def test_an_auditor_downloads_statements_without_meeting_personal_data(
    page, live_server, assert_accessible, shots
):
    sign_in_browser(page, live_server, "inspector")
    assert page.url.endswith("/statements")  # the auditor's home
    assert page.inner_text("h1") == "Statements"
    assert_no_personal_data(page.content(), "the statements page")
    page.screenshot(path=str(shots / "statements.png"), full_page=True)
    assert_accessible(page)

    with page.expect_download() as pdf:
        page.get_by_role("link", name="PDF (Trial balance)").click()
    text = "\n".join(p.extract_text() for p in PdfReader(pdf.value.path()).pages)
    assert "Trial balance" in text and "inspector" in text
    assert_no_personal_data(text, "trial-balance.pdf")

    victims = page.locator("#victim_id option")
    labels = [victims.nth(i).inner_text() for i in range(victims.count())]
    assert any(label.startswith("V-") for label in labels)
    assert_no_personal_data(" ".join(labels), "the victim chooser")
    page.select_option("#victim_id", index=1)
    for button in ("PDF (Victim statement)", "CSV (Victim statement)"):
        with page.expect_download() as file:
            page.get_by_role("button", name=button).click()
        data = Path(file.value.path()).read_bytes()
        if data.startswith(b"%PDF"):
            data = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).encode()
        shown = data.decode("utf-8")
        # The file says whose statement it is: the PDF on every page, every file in its
        # name (the CSV starts with its header row and has no room for it).
        assert file.value.suggested_filename.startswith("victim-statement_V-0000")
        if button.startswith("PDF"):
            assert "V-0000" in shown, shown[:300]
        assert_no_personal_data(shown, button)
        assert_no_personal_data(file.value.suggested_filename, button)

    page.goto(live_server + "/statements/victim-statement?format=pdf")  # no victim chosen
    assert page.title().startswith("Error: ")
    assert "victim" in page.inner_text("#victim_id-error")
    page.screenshot(path=str(shots / "statements-error.png"), full_page=True)
    assert_accessible(page)
    page.goto(live_server + "/integrity")
    page.get_by_role("button", name="Run the integrity check").click()
    assert "The books are intact" in page.inner_text(".govuk-notification-banner")
    assert_accessible(page)
    page.screenshot(path=str(shots / "integrity.png"), full_page=True)
    page.goto(live_server + "/integrity/audit-log")
    assert_no_personal_data(page.content(), "the audit log")
    page.screenshot(path=str(shots / "audit-log.png"))
    assert_accessible(page)
