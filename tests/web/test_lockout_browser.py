"""Signing in and out in Debian's Chromium with JavaScript OFF, checked by axe-core.

1. An account is locked after ``LOGIN_MAX_FAILURES`` wrong passwords in a row: the right
   password is then refused too, with the lock-out message beside the password field and
   in the error summary.
2. A signed-in person who signs out is back on the sign-in page with a banner saying so,
   and the pages are closed to that browser until it signs in again.
"""

from __future__ import annotations

from tests.conftest import PASSWORD
from tests.web.conftest import sign_in_browser

LOCKED = "This account is locked after too many failed sign-ins"


def test_an_account_is_locked_after_repeated_failed_sign_ins(
    page, app, live_server, assert_accessible
):
    limit = app.config["LOGIN_MAX_FAILURES"]
    for attempt in range(1, limit + 1):
        sign_in_browser(page, live_server, "bob", f"not the password, try {attempt}")
        assert page.title().startswith("Error: ")
        if attempt < limit:
            assert "not right" in page.inner_text("#password-error")
    assert LOCKED in page.inner_text("#password-error")  # the last failure locks it

    # The right password now is refused as well, beside the field and in the summary.
    sign_in_browser(page, live_server, "bob", PASSWORD)
    assert page.url.endswith("/sign-in")
    assert page.title().startswith("Error: Sign in")
    assert page.inner_text("h1") == "Sign in"
    assert LOCKED in page.inner_text("#password-error")
    assert page.get_attribute("#password", "aria-invalid") == "true"
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible() and LOCKED in summary.inner_text()
    assert summary.locator("a[href='#password']").count() == 1
    assert "Try again after" in page.inner_text("#password-error")
    assert page.locator("header button:has-text('Sign out')").count() == 0  # not signed in
    assert_accessible(page)

    # Another person is not locked out by bob's failures.
    sign_in_browser(page, live_server, "alice")
    assert page.url.endswith("/dashboard")


def test_signing_out_leads_back_to_the_sign_in_page_with_a_banner(
    page, live_server, assert_accessible
):
    sign_in_browser(page, live_server, "alice")
    assert page.url.endswith("/dashboard")
    assert "Signed in as alice" in page.inner_text("header")

    page.click("header button:has-text('Sign out')")
    assert page.url.endswith("/sign-in")
    assert page.inner_text("h1") == "Sign in"
    assert "You are signed out." in page.inner_text(".govuk-notification-banner")
    assert page.locator("header button:has-text('Sign out')").count() == 0
    assert_accessible(page)

    # The session is over: a page of the fund asks to sign in again, then leads back to it.
    page.goto(live_server + "/dashboard")
    assert "/sign-in" in page.url
    assert "Sign in to see this page." in page.inner_text(".govuk-notification-banner")
    page.fill("#name", "alice")
    page.fill("#password", PASSWORD)
    page.click("main button:has-text('Sign in')")
    assert page.url.endswith("/dashboard")
