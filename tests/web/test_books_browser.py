"""The books in Debian's Chromium with JavaScript OFF, every page checked by axe-core.

An administrator records a receipt (after a form with errors), posts a manual
entry with a line added by the "Add another line" button (a submit, no script;
Enter in a box continues instead), confirms it, reverses it, and adds an
account; an auditor reads an entry and the chart. Screenshots go to
``$FUNDLEDGER_SCREENSHOTS`` when set (e.g. ``docs/user-guide``), else to the
test's temporary directory.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.web.conftest import sign_in_browser


@pytest.fixture(scope="session")
def base_url():
    """pytest-playwright's own fallback of this fixture is a method, which pytest 9 warns
    about (and warnings are errors here); the tests need no base URL."""
    return None


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("FUNDLEDGER_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def fill_date(page, name: str, day: int, month: int, year: int) -> None:
    page.fill(f"#{name}-day", str(day))
    page.fill(f"#{name}-month", str(month))
    page.fill(f"#{name}-year", str(year))


def banner(page) -> str:
    return page.inner_text(".govuk-notification-banner")


def test_an_administrator_keeps_the_books(page, live_server, assert_accessible, shots):
    sign_in_browser(page, live_server, "alice")

    # A receipt: the form with its errors, then recorded.
    page.goto(live_server + "/receipts")
    assert_accessible(page)
    page.get_by_role("button", name="Record a receipt").click()
    page.get_by_role("button", name="Record the receipt").click()
    assert page.title().startswith("Error: ")
    assert "Choose the kind of receipt" in page.inner_text(".govuk-error-summary")
    page.screenshot(path=str(shots / "receipt-errors.png"), full_page=True)
    assert_accessible(page)
    page.get_by_label("Donation").check()
    fill_date(page, "received_on", 16, 3, 2026)
    page.fill("#amount", "1,250.00")
    page.fill("#counterparty", "Friends of the fund")
    page.get_by_role("button", name="Record the receipt").click()
    assert "Receipt of EUR 1,250.00 recorded." in banner(page)
    assert_accessible(page)
    page.goto(live_server + "/expenses")
    assert_accessible(page)

    # A manual entry of three lines, the third added without JavaScript.
    page.goto(live_server + "/journal")
    assert_accessible(page)
    page.get_by_role("button", name="Post a manual entry").click()
    page.get_by_role("button", name="Continue").click()
    assert page.title().startswith("Error: ")
    page.screenshot(path=str(shots / "manual-entry-errors.png"), full_page=True)
    assert_accessible(page)
    fill_date(page, "value_date", 16, 3, 2026)
    page.fill("#memo", "Split the March bank charges")
    page.select_option("#postings-0-account", "5300")
    page.fill("#postings-0-debit", "30.00")
    page.select_option("#postings-1-account", "5500")
    page.fill("#postings-1-debit", "20.00")
    page.get_by_role("button", name="Add another line").click()
    assert page.locator("select[name$='-account']").count() == 3
    assert page.input_value("#postings-1-debit") == "20.00"  # kept, and nothing posted
    page.select_option("#postings-2-account", "1000")
    page.fill("#postings-2-credit", "50")
    assert_accessible(page)
    page.press("#postings-2-credit", "Enter")  # continues: it does not add a fourth line
    assert page.inner_text("h1") == "Check the entry before it is posted"
    page.screenshot(path=str(shots / "manual-entry-confirm.png"), full_page=True)
    assert_accessible(page)
    page.get_by_role("button", name="Post the entry (EUR 50.00)").click()
    assert "posted." in banner(page)
    number = int(page.inner_text("h1").rsplit(" ", 1)[-1])
    assert page.locator(".app-hash").count() == 2
    page.screenshot(path=str(shots / "journal-entry.png"), full_page=True)
    assert_accessible(page)

    # Its reversal, confirmed; both entries link to each other.
    page.get_by_role("button", name="Reverse this entry").click()
    page.wait_for_url(f"**/journal/{number}/reverse")
    assert_accessible(page)
    fill_date(page, "value_date", 17, 3, 2026)
    page.fill("#memo", "Booked twice")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name=f"Reverse entry {number} (EUR 50.00)").click()
    assert f"Entry {number} reversed by journal entry {number + 1}." in banner(page)
    assert page.get_by_role("link", name=f"Entry {number}", exact=True).count() >= 1

    # The chart, a new account (its errors first), its ledger.
    page.goto(live_server + "/accounts")
    assert_accessible(page)
    page.get_by_role("button", name="Add an account").click()
    page.fill("#code", "1000")
    page.fill("#name", "Fund bank account (USD)")
    page.get_by_role("button", name="Add the account").click()
    assert "already exists" in page.inner_text("#code-error")
    assert_accessible(page)
    page.fill("#code", "1001")
    page.select_option("#currency", "USD")
    page.check("#no_overdraft")
    page.get_by_role("button", name="Add the account").click()
    assert "Account 1001 Fund bank account (USD) added." in banner(page)
    page.goto(live_server + "/accounts/1000")
    assert_accessible(page)


def test_an_auditor_reads_the_books(page, live_server, assert_accessible):
    sign_in_browser(page, live_server, "inspector")
    page.goto(live_server + "/journal/26")
    assert "Reverse this entry" not in page.inner_text("main")
    assert_accessible(page)
    page.goto(live_server + "/journal/1/reverse")
    assert page.title().startswith("You cannot open this page")
