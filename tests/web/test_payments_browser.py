"""Payments and distribution rounds in Debian's Chromium with JavaScript OFF, checked by axe.

1. The issue's journey: administrator A (alice) proposes a payment from an award's page
   (a form with errors first), A is not offered the approval, B (bob) approves it from the
   queue the dashboard links to, A executes it through the confirmation page showing its
   entry and fee, and the dashboard's figures move.
2. A payment is returned by the bank and the award is proposed again.
3. A distribution round: a form with errors, the preview of every line, the round's page.

Screenshots go to ``$FUNDLEDGER_SCREENSHOTS`` when set (e.g. ``docs/user-guide``), else
to the test's temporary directory.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from ledger.validate import today_utc
from tests.web.conftest import sign_in_browser

TODAY = today_utc()


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("FUNDLEDGER_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def fill_date(page, name: str, day=TODAY) -> None:
    page.fill(f"#{name}-day", str(day.day))
    page.fill(f"#{name}-month", str(day.month))
    page.fill(f"#{name}-year", str(day.year))


def press(page, text: str) -> None:
    page.click(f"main button:has-text('{text}')")


def banner(page) -> str:
    return page.inner_text(".govuk-notification-banner")


def figure(page, key: str) -> str:
    """A figure of the dashboard: the value beside its key."""
    row = page.locator("main tr", has_text=key).first
    return row.locator("td").last.inner_text().strip()


def total_cash(page) -> str:
    return page.locator("tr", has_text="Total cash").locator("td").last.inner_text().strip()


def switch_to(page, base: str, name: str) -> None:
    page.click("header button:has-text('Sign out')")
    sign_in_browser(page, base, name)


def test_a_proposes_b_approves_a_pays_and_the_dashboard_moves(
    page, live_server, assert_accessible, shots
):
    sign_in_browser(page, live_server, "alice")
    cash_before = total_cash(page)
    assert figure(page, "Payments awaiting approval").startswith("4 payments")

    # A proposes from the award's page: too much first, then EUR 1,000.00.
    page.goto(live_server + "/awards/1")
    page.click("text=Propose a payment")
    assert page.input_value("#amount") == "18,451.04"  # what may still be proposed
    page.fill("#amount", "18,451.05")
    press(page, "Propose the payment")
    assert page.title().startswith("Error: ")
    assert "exceeds what is outstanding" in page.inner_text("#amount-error")
    assert_accessible(page)
    page.screenshot(path=str(shots / "payment-propose-errors.png"), full_page=True)
    page.fill("#amount", "1,000.00")
    press(page, "Propose the payment")
    assert "reserving EUR 1,000.00" in banner(page)
    payment_url = page.url
    assert "You proposed this payment" in page.inner_text("main")
    assert page.locator("main a:has-text('Approve')").count() == 0  # A cannot approve it
    assert_accessible(page)
    assert page.goto(payment_url + "/approve").ok
    assert page.locator("main form button").count() == 0
    assert "another administrator must" in page.inner_text("main")

    # B approves it, from the dashboard's link to the queue.
    switch_to(page, live_server, "bob")
    assert figure(page, "Payments awaiting approval").startswith("5 payments")
    page.click("a:has-text('5 payments')")
    assert page.inner_text("h1") == "Awaiting approval"
    assert_accessible(page)
    page.screenshot(path=str(shots / "payments-queue.png"), full_page=True)
    page.goto(payment_url)
    page.click("main a:has-text('Approve')")
    assert_accessible(page)
    press(page, "Approve EUR 1,000.00 to V-000001")
    assert "approved" in banner(page)

    # A executes it: the confirmation shows the entry with the fee, the button its amount.
    switch_to(page, live_server, "alice")
    assert figure(page, "Payments approved, awaiting execution").startswith("1 payment")
    page.goto(payment_url)
    page.click("main a:has-text('Record it as paid')")
    assert page.input_value("#debited") == "1,000.00"
    press(page, "Continue")  # no date, no reference
    assert page.title().startswith("Error: ")
    assert_accessible(page)
    fill_date(page, "paid_on")
    page.fill("#bank_reference", "PT-SEPA-0777")
    page.fill("#fee", "1.50")
    press(page, "Continue")
    assert page.inner_text("h1") == "Check the payment before it is recorded as made"
    posted = page.inner_text("main table")
    assert "2000 Awards payable" in posted and "5300 Bank charges" in posted
    assert_accessible(page)
    page.screenshot(path=str(shots / "payment-execute-confirm.png"), full_page=True)
    press(page, "Pay EUR 1,000.00 to V-000001")
    assert "Journal entry" in banner(page)
    assert "PT-SEPA-0777" in page.inner_text("main")

    page.goto(live_server + "/dashboard")
    assert figure(page, "Payments awaiting approval").startswith("4 payments")
    assert figure(page, "Payments approved, awaiting execution").startswith("0 payments")
    before, after = (int(re.sub(r"\D", "", text)) for text in (cash_before, total_cash(page)))
    assert before - after == 100_150  # EUR 1,000.00 paid and EUR 1.50 of fee


def test_a_payment_is_returned_and_proposed_again(page, live_server, assert_accessible, shots):
    sign_in_browser(page, live_server, "alice")
    page.goto(live_server + "/payments?status=paid")
    page.click("main a:has-text('Payment 1')")
    page.click("main a:has-text('Record a return by the bank')")
    fill_date(page, "returned_on")
    press(page, "Continue")  # no reason
    assert page.title().startswith("Error: ")
    assert "Say why" in page.inner_text("#reason-error")
    page.fill("#reason", "Beneficiary account closed")
    press(page, "Continue")
    assert "Check the return" in page.inner_text("h1")
    assert_accessible(page)
    press(page, "Record the return of EUR 20,000.00 from V-000001")
    assert "returned" in banner(page)
    page.click("text=Propose a new payment of award 1")
    assert page.input_value("#amount") == "38,451.04"  # the returned 20,000 is owed again
    page.fill("#amount", "20,000.00")
    press(page, "Propose the payment")
    assert "proposed" in banner(page)
    page.goto(live_server + "/payments?status=returned")
    assert "Payment 1" in page.inner_text("main table")


def test_a_distribution_round_with_its_preview(page, live_server, assert_accessible, shots):
    sign_in_browser(page, live_server, "alice")
    page.goto(live_server + "/payments")
    page.click("text=Share an amount over the awards")
    press(page, "Preview the shares")
    assert page.title().startswith("Error: ")
    assert_accessible(page)
    page.fill("#amount", "1,000.00")
    press(page, "Preview the shares")
    assert page.inner_text("h1") == "Check the round before its payments are proposed"
    preview = page.locator("main table").last
    assert preview.locator("tbody tr").count() == 4  # every open award
    assert "V-000002" in preview.inner_text() and "THB" in preview.inner_text()
    assert_accessible(page)
    page.screenshot(path=str(shots / "distribution-preview.png"), full_page=True)
    press(page, "Propose payments sharing EUR 1,000.00")
    assert "Distribution round 2 made" in banner(page)
    assert page.locator("main tbody tr").count() == 4
    assert_accessible(page)
    page.screenshot(path=str(shots / "distribution-round.png"), full_page=True)
