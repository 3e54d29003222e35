"""Screenshots of the main pages for the user guide (docs/user-guide/), JavaScript OFF.

Each page is also checked by axe-core. The pictures go to the test's temporary directory,
so that an ordinary run (CI) never rewrites the committed files; to refresh the guide's,
run from the repository root::

    export FUNDLEDGER_SCREENSHOTS=docs/user-guide/screenshots
    .venv/bin/pytest tests/web/test_screenshots.py

The pages, in the demo fund (``ledger/demo/fund.toml``):

- signed out: the sign-in page;
- alice, an administrator: the dashboard, the award form showing its errors, the payments,
  an award's page, the confirmation page of a foreign-currency payment (its entry with the
  FX difference and the fee), the confirmation page of a forfeiture, the journal;
- registry, a court: its own awards (two registered by it in the set-up);
- inspector, an auditor: the statements, the integrity check.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from ledger import awards, disbursements
from ledger.access import Actor
from ledger.models import Award, Disbursement, User
from ledger.money import Money
from ledger.validate import today_utc
from tests.web.conftest import sign_in_browser

TODAY = today_utc()
#: 1280 wide; the height is the least a full-page picture has, so short pages stay short.
VIEWPORT = {"width": 1280, "height": 560}
KEPT = "FUNDLEDGER_SCREENSHOTS"


@pytest.fixture
def shoot(page, tmp_path, assert_accessible):
    """``shoot(name)``: check the page with axe, then take its full-page picture NAME.png.

    Kept pictures (``$FUNDLEDGER_SCREENSHOTS``) are reduced to a palette of 256 colours,
    which the design's few flat colours survive, so that the guide stays light.
    """
    kept = os.environ.get(KEPT)
    folder = Path(kept) if kept else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(VIEWPORT)

    def take(name: str) -> Path:
        assert_accessible(page)
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        if kept:
            with Image.open(path) as shot:
                small = shot.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
            small.save(path, optimize=True)
        return path

    return take


def fill_date(page, name: str, day: date = TODAY) -> None:
    page.fill(f"#{name}-day", str(day.day))
    page.fill(f"#{name}-month", str(day.month))
    page.fill(f"#{name}-year", str(day.year))


def press(page, text: str) -> None:
    page.click(f"main button:has-text('{text}')")


def switch_to(page, base: str, name: str) -> None:
    page.click("header button:has-text('Sign out')")
    sign_in_browser(page, base, name)


def actor(session, name: str) -> Actor:
    return Actor.of(session.scalar(select(User).where(User.name == name)))


@pytest.fixture
def scenes(fund, session_factory) -> dict:
    """What the pictures need beyond the demo: an approved payment in baht (bob approves
    one of the round's proposals), and two awards registered by the court registry."""
    with session_factory.begin() as session:
        baht = session.scalar(
            select(Disbursement).where(
                Disbursement.currency == "THB", Disbursement.status == "proposed"
            )
        )
        disbursements.approve_disbursement(
            session, actor=actor(session, "bob"), disbursement_id=baht.id
        )
        court = actor(session, "registry")
        ana = session.scalar(select(Award).where(Award.order_reference == "AO-014/1"))
        maria = session.scalar(select(Award).where(Award.order_reference == "AO-022/1"))
        for award, reference, amount in (
            (ana, "AO-014/9", Money.parse("6500.00", "EUR")),
            (maria, "AO-022/7", Money.parse("4000.00", "USD")),
        ):
            awards.register_award(
                session,
                actor=court,
                case_id=award.case_id,
                victim_id=award.victim_id,
                order_reference=reference,
                ordered_on=date(2026, 3, 16),
                amount=amount,
            )
        return {"payment": baht.id, "award": baht.award_id}


def test_the_main_pages_of_each_role(page, live_server, scenes, shoot):
    page.goto(live_server + "/sign-in")
    shoot("sign-in")

    # An administrator's day.
    sign_in_browser(page, live_server, "alice")
    assert page.inner_text("h1") == "Dashboard"
    assert "Payments approved, awaiting execution" in page.inner_text("main")
    shoot("dashboard")

    page.goto(live_server + "/awards/new")
    press(page, "Register the award")
    assert page.title().startswith("Error: ")
    assert page.locator(".govuk-error-summary a").count() >= 4
    assert "Choose the case" in page.inner_text("#case_id-error")
    shoot("award-form-errors")

    page.goto(live_server + "/payments")
    assert page.inner_text("h1") == "All payments"
    assert page.locator("main table").first.locator("tbody tr").count() >= 8
    shoot("payments")

    page.goto(live_server + f"/awards/{scenes['award']}")
    assert "THB" in page.inner_text("h1")
    shoot("award")

    # A payment in baht: the bank debits euros and a fee; the difference is FX.
    page.goto(live_server + f"/payments/{scenes['payment']}")
    page.click("main a:has-text('Record it as paid')")
    fill_date(page, "paid_on")
    page.fill("#bank_reference", "SWIFT-TH-0002")
    page.fill("#debited", "4,600.00")
    page.fill("#fee", "22.50")
    press(page, "Continue")
    assert page.inner_text("h1") == "Check the payment before it is recorded as made"
    posted = page.inner_text("main table")
    for account in ("2000 Awards payable", "1000 Fund bank account", "5300 Bank charges"):
        assert account in posted
    assert "5400 Foreign exchange losses" in posted or "4400 Foreign exchange gains" in posted
    assert page.locator("main button:has-text('Pay THB ')").count() == 1
    shoot("payment-execute-confirm")

    page.goto(live_server + "/assets?state=seized")
    page.locator("main table tbody a:has-text('Asset')").first.click()
    page.click("main a:has-text('Record the forfeiture')")
    page.fill("#order_reference", "FO-014/3")
    fill_date(page, "forfeited_on")
    page.fill("#value", "240,000.00")
    press(page, "Continue")
    assert "What will be posted" in page.inner_text("main")
    assert "1100 Forfeited assets held for sale" in page.inner_text("main table")
    shoot("asset-forfeit-confirm")

    page.goto(live_server + "/journal?per_page=8")
    assert page.inner_text("h1") == "Journal"
    shoot("journal")

    # A court: its own awards only.
    switch_to(page, live_server, "registry")
    assert page.url.endswith("/awards")
    rows = page.locator("main table").first.locator("tbody tr")
    assert rows.count() == 2
    assert "V-000001" in rows.first.inner_text() or "V-000001" in rows.last.inner_text()
    shoot("court-awards")

    # An auditor: the statements, then the integrity check.
    switch_to(page, live_server, "inspector")
    assert page.url.endswith("/statements")
    assert page.inner_text("h1") == "Statements"
    shoot("statements")
    page.goto(live_server + "/integrity")
    page.get_by_role("button", name="Run the integrity check").click()
    assert "The books are intact" in page.inner_text(".govuk-notification-banner")
    shoot("integrity")
