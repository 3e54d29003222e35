"""Victims and awards in Debian's Chromium with JavaScript OFF, every page checked by axe-core.

1. The issue's journey: a court registers a victim (a form with errors first), is shown
   the new code only, registers the court's award for that victim (errors first), and
   finds it in its own awards, and nothing of another court's.
2. An administrator's pages: the victims list, a victim's page with the personal data,
   the change form, the awards register, an award, the cancellation form and its
   confirmation page, and an import whose problems are shown as a table.

Screenshots go to ``$FUNDLEDGER_SCREENSHOTS`` when set (e.g. ``docs/user-guide``), else
to the test's temporary directory.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.web.conftest import sign_in_browser


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("FUNDLEDGER_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def fill_date(page, name: str, day: int, month: int, year: int) -> None:
    page.fill(f"#{name}-day", str(day))
    page.fill(f"#{name}-month", str(month))
    page.fill(f"#{name}-year", str(year))


def press(page, text: str) -> None:
    page.click(f"main button:has-text('{text}')")


def test_a_court_registers_an_award(page, live_server, assert_accessible, shots):
    sign_in_browser(page, live_server, "registry")
    assert page.url.endswith("/awards")  # a court's home: its own awards
    assert page.inner_text("h1").startswith("Your court")
    assert "No award is registered yet." in page.inner_text("main")
    assert_accessible(page)

    # The victim first: a form with errors, then the code, and only the code.
    page.click("text=Victims")
    page.click("text=Register a victim")
    press(page, "Register the victim")
    assert page.title().startswith("Error: ")
    assert page.is_visible(".govuk-error-summary")
    assert_accessible(page)
    page.fill("#full_name", "Mirela Ionescu")
    page.fill("#contact", "mirela@example.org")
    page.select_option("#country_of_residence", "RO")
    page.check("input[name=returned_home][value=yes]")
    page.check("input[name=method][value=iban]")
    page.fill("#iban", "RO49 AAAA 1B31 0075 9384 0000")
    page.fill("#bic", "RNCBROBU")
    page.select_option("#payment_currency", "EUR")
    press(page, "Register the victim")
    assert "Victim registered with the code V-000006." in page.inner_text(
        ".govuk-notification-banner"
    )
    main = page.inner_text("main")
    assert "Mirela" not in main and "mirela@example.org" not in main and "RO49" not in main
    assert_accessible(page)
    page.screenshot(path=str(shots / "court-victim-registered.png"), full_page=True)

    # Then the award, from the victim's page: a form with errors, then the award.
    page.click("text=Register an award for V-000006")
    assert page.input_value("#victim_id") == "6"
    page.fill("#amount", "12.345")
    press(page, "Register the award")
    assert page.title().startswith("Error: ")
    assert "Choose the case" in page.inner_text("#case_id-error")
    assert_accessible(page)
    page.screenshot(path=str(shots / "court-award-errors.png"), full_page=True)
    page.select_option("#case_id", "1")
    page.fill("#order_reference", "AO-014/77")
    fill_date(page, "ordered_on", 2, 3, 2026)
    page.fill("#amount", "3,500.00")
    page.select_option("#amount-currency", "EUR")
    press(page, "Register the award")
    assert page.inner_text("h1") == "Award 6: EUR 3,500.00 outstanding"
    assert "Award 6 registered." in page.inner_text(".govuk-notification-banner")
    assert_accessible(page)

    page.click("text=Back to awards")
    rows = page.locator("main table").first.locator("tbody tr")
    assert rows.count() == 1 and "V-000006" in rows.first.inner_text()
    assert_accessible(page)
    page.screenshot(path=str(shots / "court-awards.png"), full_page=True)
    assert page.goto(live_server + "/awards/1").status == 404  # another court's award


def test_an_administrators_victims_and_awards_pages(page, live_server, assert_accessible, shots):
    sign_in_browser(page, live_server, "alice")
    page.goto(live_server + "/victims")
    assert_accessible(page)
    page.click("text=V-000002")
    assert "Somchai Wongsakul" in page.inner_text("main")  # an administrator's page
    assert_accessible(page)
    page.click("text=Change contact, residence or payment details")
    page.fill("#account_number", "")
    press(page, "Save the changes")
    assert page.title().startswith("Error: ")
    assert_accessible(page)

    page.goto(live_server + "/awards?case_id=1")
    assert page.locator("main table").first.locator("tbody tr").count() == 2
    assert_accessible(page)
    page.screenshot(path=str(shots / "awards-register.png"), full_page=True)
    page.click("text=Award 1")
    assert_accessible(page)
    page.click("text=Cancel or reduce the award")
    page.fill("#amount", "500")
    fill_date(page, "effective_on", 2, 11, 2026)
    press(page, "Continue")
    assert page.title().startswith("Error: ")  # no reason given
    assert_accessible(page)
    page.fill("#reason", "Order varied on appeal")
    press(page, "Continue")
    assert "Check the cancellation" in page.inner_text("h1")
    assert_accessible(page)
    page.screenshot(path=str(shots / "award-cancel-confirm.png"), full_page=True)
    press(page, "Cancel EUR 500.00 of award 1")
    assert "EUR 500.00 of award 1 cancelled." in page.inner_text(".govuk-notification-banner")
    assert page.inner_text("h1") == "Award 1: EUR 24,500.00 outstanding"

    page.goto(live_server + "/awards/import")
    assert_accessible(page)
    bad = b"case_reference,victim_code,order_reference,ordered_on,amount,currency\n"
    bad += b"CR-2026-014,V-000999,IMP-1,2026-03-02,10.00,EUR\n"
    page.set_input_files(
        "#file", files=[{"name": "awards.csv", "mimeType": "text/csv", "buffer": bad}]
    )
    press(page, "Import the awards")
    assert page.title().startswith("Error: ")
    assert "no victim V-000999" in page.inner_text("#problems")
    assert_accessible(page)
    page.screenshot(path=str(shots / "awards-import-problems.png"), full_page=True)
