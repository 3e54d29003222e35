"""Payments and distribution rounds through their pages, as administrators use them.

On the demo fund (``tests/web/conftest.py``): award 1 (EUR, V-000001) is partly paid
and partly proposed, award 3 is in USD; payments 1-3 are paid, 4 was returned,
5-8 are round 1's proposals by the demo's own administrator. alice and bob are two
administrators, so four eyes can be seen at work; every form is sent with its CSRF
token and its one-time key, as a browser sends it.
"""

from __future__ import annotations

import csv
import io
import time
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, event, func, select

from ledger import awards, disbursements
from ledger.models import AuditEvent, Award, Disbursement, Distribution, JournalEntry
from ledger.money import Money
from ledger.validate import today_utc
from tests.conftest import OPERATOR, PASSWORD
from tests.reports.test_formats import about, sheets
from tests.web.conftest import Page, WebClient, dates

TODAY = today_utc()


def count(session_factory, model, *where) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def payment(session_factory, payment_id: int) -> Disbursement:
    with session_factory() as session:
        return session.get(Disbursement, payment_id)


def last_payment(session_factory) -> Disbursement:
    with session_factory() as session:
        return session.scalar(select(Disbursement).order_by(Disbursement.id.desc()).limit(1))


def signed_in(app, name: str) -> WebClient:
    web = WebClient(app.test_client())
    web.sign_in(name)
    return web


def csrf_of(web: WebClient) -> str:
    return web.get("/account").form("main form[action$='/account/tokens']")["csrf_token"]


def propose(web: WebClient, award_id: int, amount: str, **fields) -> object:
    return web.submit(f"/payments/new?award_id={award_id}", {"amount": amount, **fields})


def approved_payment(app, session_factory, award_id: int = 1, amount: str = "1000.00") -> int:
    """A payment alice proposes and bob approves; its id."""
    alice, bob = signed_in(app, "alice"), signed_in(app, "bob")
    page = propose(alice, award_id, amount)
    assert page.status == 200, page.title
    payment_id = last_payment(session_factory).id
    done = bob.submit(f"/payments/{payment_id}/approve")
    assert "approved" in done.banner, done.title
    return payment_id


def execute_fields(**changes) -> dict:
    return {
        **dates("paid_on", TODAY),
        "bank_reference": "PT-SEPA-0100",
        "debited": "1000.00",
        "fee": "",
        **changes,
    }


# -- the queue ---------------------------------------------------------------------------


def test_the_queue_filters_by_state_award_and_case(web, fund):
    web.sign_in("alice")
    waiting = web.get("/payments?status=proposed")
    assert waiting.status == 200 and waiting.heading == "Awaiting approval"
    shown = [a.get_text(strip=True) for a in waiting.soup.select("tbody td:first-child a")]
    assert shown == ["Payment 5", "Payment 6", "Payment 7", "Payment 8"]
    assert "4 records" in waiting.text()
    by_award = web.get("/payments?award_id=1&sort=-id")
    shown = [a.get_text(strip=True) for a in by_award.soup.select("tbody td:first-child a")]
    assert shown == ["Payment 5", "Payment 1"]
    by_case = web.get("/payments?case_id=2")  # CR-2026-022: awards 3 and 4
    assert {"Payment 2", "Payment 4", "Payment 7"} == {
        a.get_text(strip=True) for a in by_case.soup.select("tbody td:first-child a")
    }
    # The totals are the selection's, every page of it.
    totals = web.get("/payments?status=proposed&per_page=1")
    assert "Totals of the payments selected" in totals.text()
    assert "EUR 19,999.99" in totals.text()  # the cash the round's proposals reserve


def test_a_filter_that_is_not_a_number_is_named_beside_it(web, fund):
    web.sign_in("alice")
    page = web.get("/payments?award_id=twelve")
    assert page.status == 422 and page.title.startswith("Error: ")
    assert "award_id" in page.error_summary()
    assert "such as 12" in page.error_beside("award_id")


def test_downloads_hold_exactly_the_filtered_rows_and_their_totals(web, fund):
    web.sign_in("alice")
    response = web.client.get("/payments?status=proposed&format=csv")
    assert response.status_code == 200 and "text/csv" in response.headers["Content-Type"]
    text = response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))  # the header row first, no totals
    assert [r["Payment"] for r in rows] == ["5", "6", "7", "8"]
    assert {r["Currency"] for r in rows} == {"EUR", "THB", "USD"}
    assert all(r["Amount currency"] == r["Currency"] for r in rows)
    reserved = sum(int(r["Cash reserved (EUR)"].replace(".", "")) for r in rows)
    xlsx = web.client.get("/payments?status=proposed&format=xlsx").get_data()
    assert about(xlsx)["Statement"] == "Payments — State: Awaiting approval"
    titles, total = sheets(xlsx)["Totals"]
    assert Decimal(str(total[titles.index("Cash reserved (EUR)")])) * 100 == reserved
    for fmt, kind in (("xlsx", "spreadsheetml"), ("pdf", "application/pdf")):
        got = web.client.get(f"/payments?status=proposed&award_id=1&format={fmt}")
        assert got.status_code == 200 and kind in got.headers["Content-Type"], fmt


# -- a payment's page --------------------------------------------------------------------


def test_a_payments_page_shows_its_award_amounts_people_and_entries(web, fund):
    web.sign_in("inspector")
    page = web.get("/payments/3")  # THB 600,000 abroad, with a fee
    text = page.text()
    assert page.status == 200 and page.heading == "THB 600,000.00 to V-000002"
    shown = ("Award 2", "CR-2026-014", "demo-admin", "demo-approver", "SWIFT-TH-0001",
             "EUR 16,120.00", "EUR 25.00", "Journal entry", "2000", "1000", "5300")  # fmt: skip
    for words in shown:
        assert words in text, words
    assert "What you can do" not in text  # an auditor reads; it does not act


def test_a_court_does_not_see_another_courts_payments(web, fund):
    web.sign_in("registry")
    assert web.get("/payments/1").status == 404
    assert "0 records" in web.get("/payments").text()


# -- proposing ---------------------------------------------------------------------------


def test_propose_from_an_award_prefilled_with_what_may_still_be_proposed(
    web, fund, session_factory
):
    web.sign_in("alice")
    form = web.get("/payments/new?award_id=1")
    assert form.status == 200
    # EUR 45,000 awarded, 20,000 paid, 6,548.96 proposed by round 1.
    assert form.soup.find(id="amount")["value"] == "18,451.04"
    assert "EUR" in form.soup.select_one(".govuk-input__suffix").get_text()
    assert form.soup.select_one("#method option[selected]")["value"] == "bank_transfer"
    page = propose(web, 1, "1,250.00")
    assert page.status == 200 and page.heading == "EUR 1,250.00 to V-000001"
    assert "reserving EUR 1,250.00 of the fund's cash" in page.banner
    made = last_payment(session_factory)
    assert (made.award_id, made.amount_minor, made.status, made.proposed_by) == (
        1,
        125_000,
        "proposed",
        "alice",
    )


def test_a_foreign_award_is_proposed_in_its_currency_and_reserves_its_estimate(
    web, fund, session_factory
):
    web.sign_in("alice")
    form = web.get("/payments/new?award_id=3")
    assert "USD" in form.soup.select_one(".govuk-input__suffix").get_text()
    assert form.soup.select_one("#method option[selected]")["value"] == "intermediary"
    page = propose(web, 3, "1000", method="intermediary")
    made = last_payment(session_factory)
    assert made.currency == "USD" and 0 < made.estimate_minor < 100_000
    reserved = f"EUR {made.estimate_minor // 100:,}.{made.estimate_minor % 100:02d}"
    assert reserved in page.banner and reserved in page.text()


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"amount": ""}, "amount", "Enter an amount"),
        ({"amount": "12.345"}, "amount", "decimal"),
        ({"amount": "0"}, "amount", "greater than zero"),
        ({"amount": "ten"}, "amount", "1,234.50"),
        ({"amount": "10", "method": "cheque"}, "method", "choice"),
    ],
)
def test_a_proposal_with_a_wrong_field_is_422_beside_it(
    web, fund, session_factory, fields, field, words
):
    web.sign_in("alice")
    before = count(session_factory, Disbursement)
    page = propose(web, 1, **{"amount": "10", **fields})
    assert page.status == 422 and page.title.startswith("Error: "), page.title
    assert field in page.error_summary()
    assert words.lower() in page.error_beside(field).lower(), page.error_beside(field)
    assert count(session_factory, Disbursement) == before


def test_a_proposal_beyond_what_is_outstanding_is_refused_beside_the_amount(
    web, fund, session_factory
):
    web.sign_in("alice")
    before = count(session_factory, Disbursement)
    page = propose(web, 1, "18451.05")  # a cent more than may still be proposed
    assert page.status == 422
    assert "exceeds what is outstanding" in page.error_beside("amount")
    assert count(session_factory, Disbursement) == before


def test_a_proposal_beyond_the_funds_available_cash_is_refused_beside_the_amount(
    app, web, fund, session_factory
):
    with app.app_context(), session_factory.begin() as session:
        big = awards.register_award(
            session, actor=OPERATOR, case_id=1, victim_id=1, order_reference="AO-014/9",
            ordered_on=date(2026, 3, 2), amount=Money(100_000_000_00, "EUR"),
        )  # fmt: skip
        big_id = big.id
    web.sign_in("alice")
    page = propose(web, big_id, "50,000,000.00")
    assert page.status == 422
    assert "exceeds the fund's available cash" in page.error_beside("amount")


def test_a_proposal_of_an_award_with_nothing_left_offers_no_form(web, fund):
    web.sign_in("alice")
    page = web.get("/payments/new?award_id=4")  # paid in full
    assert page.status == 200 and "Nothing can be proposed" in page.text()
    assert page.soup.select_one("main form[method=post]") is None


def test_a_double_submitted_proposal_proposes_once(web, fund, session_factory):
    web.sign_in("alice")
    form = web.get("/payments/new?award_id=5")
    before = count(session_factory, Disbursement)
    first = web.send(form, {"amount": "100.00"}, follow=False)
    second = web.send(form, {"amount": "100.00"}, follow=False)
    assert first.status == second.status == 303
    assert second.response.location == first.response.location
    assert count(session_factory, Disbursement) == before + 1


# -- four eyes ---------------------------------------------------------------------------


def test_the_proposer_is_not_offered_approval_and_is_refused_it(app, fund, session_factory):
    alice = signed_in(app, "alice")
    propose(alice, 1, "500.00")
    mine = last_payment(session_factory).id
    page = alice.get(f"/payments/{mine}")
    assert "You proposed this payment" in page.text()
    assert not page.soup.select(f"a[href$='/payments/{mine}/approve']")
    assert not page.soup.select(f"a[href$='/payments/{mine}/reject']")
    for step in ("approve", "reject"):
        shown = alice.get(f"/payments/{mine}/{step}")
        assert shown.status == 200 and shown.soup.select_one("main form[method=post]") is None
        assert "another administrator must" in shown.text()
    events = count(session_factory, AuditEvent)
    token = csrf_of(alice)
    for step in ("approve", "reject"):
        sent = {"csrf_token": token, "_step": "confirm", "_once": f"try-{step}"}
        refused = Page(alice.client.post(f"/payments/{mine}/{step}", data=sent))
        assert refused.status == 422 and refused.title.startswith("Error: ")
        assert "four eyes" in refused.soup.select_one(".govuk-error-summary").get_text()
    assert payment(session_factory, mine).status == "proposed"
    assert count(session_factory, AuditEvent) == events  # nothing written

    bob = signed_in(app, "bob")
    offered = bob.get(f"/payments/{mine}")
    assert offered.soup.select(f"a[href$='/payments/{mine}/approve']")
    done = bob.submit(f"/payments/{mine}/approve")
    assert done.status == 200 and "approved" in done.banner
    after = payment(session_factory, mine)
    assert (after.status, after.approved_by) == ("approved", "bob")


def test_approval_is_its_own_confirmation_named_after_the_payment(web, fund, session_factory):
    web.sign_in("alice")
    page = web.get("/payments/5/approve")
    button = page.soup.select_one("main form button").get_text(strip=True)
    assert button == "Approve EUR 6,548.96 to V-000001"
    done = web.send(page)
    assert "Payment 5 approved" in done.banner
    again = web.send(page)  # back, and the same button again: nothing more happens
    assert again.status == 200 and payment(session_factory, 5).status == "approved"


def test_approving_a_payment_already_approved_is_refused(app, fund, session_factory):
    alice, bob = signed_in(app, "alice"), signed_in(app, "bob")
    first, second = alice.get("/payments/6/approve"), bob.get("/payments/6/approve")
    alice.send(first)
    page = bob.send(second)
    assert page.status == 422 and "only a proposed one can be approved" in page.text()
    assert payment(session_factory, 6).approved_by == "alice"


def test_reject_with_a_reason(app, fund, session_factory):
    bob = signed_in(app, "bob")
    page = bob.get("/payments/8/reject")
    assert "Reject EUR 2,095.67 to V-000005" in page.soup.select_one("main form button").get_text()
    done = bob.send(page, {"reason": "The victim asked to be paid by bank transfer instead"})
    assert "rejected" in done.banner
    rejected = payment(session_factory, 8)
    assert (rejected.status, rejected.rejected_by) == ("rejected", "bob")
    assert "bank transfer" in rejected.rejection_reason
    too_long = bob.send(bob.get("/payments/7/reject"), {"reason": "x" * 501})
    assert too_long.status == 422 and "reason" in too_long.error_summary()
    assert payment(session_factory, 7).status == "proposed"


# -- the password again before moving money ----------------------------------------------


@pytest.mark.parametrize("step", ["approve", "execute"])
def test_an_old_sign_in_asks_for_the_password_before_approving_or_paying(
    app, fund, session_factory, step
):
    payment_id = 5 if step == "approve" else approved_payment(app, session_factory)
    bob = signed_in(app, "bob")
    with bob.client.session_transaction() as session:
        session["authenticated_at"] = time.time() - 31 * 60
    asked = bob.get(f"/payments/{payment_id}/{step}", follow_redirects=True)
    assert asked.heading == "Enter your password again"
    here = asked.response.request.full_path  # with ?next=, where it goes back to
    back = bob.send(asked, {"password": PASSWORD}, path=here)
    assert back.status == 200 and back.response.request.path == f"/payments/{payment_id}/{step}"
    assert back.soup.select_one("main form[method=post]") is not None
    # A POST with an old sign-in does nothing either: it asks for the password first.
    with bob.client.session_transaction() as session:
        session["authenticated_at"] = time.time() - 31 * 60
    token = csrf_of(bob)
    response = bob.client.post(
        f"/payments/{payment_id}/{step}", data={"csrf_token": token, "_step": "confirm"}
    )
    assert response.status_code == 302 and "/account/confirm" in response.location
    assert payment(session_factory, payment_id).status == (
        "proposed" if step == "approve" else "approved"
    )


# -- executing ---------------------------------------------------------------------------


def test_execute_through_a_confirmation_showing_the_entry_and_fee(app, fund, session_factory):
    payment_id = approved_payment(app, session_factory)
    alice = signed_in(app, "alice")
    form = alice.get(f"/payments/{payment_id}/execute")
    assert form.soup.find(id="debited")["value"] == "1,000.00"  # an EUR payment debits its amount
    confirm = alice.send(form, execute_fields(fee="2.50"))
    assert confirm.status == 200 and "Check the payment" in confirm.heading
    text = confirm.text()
    assert "2000 Awards payable" in text and "1000 Fund bank account" in text
    assert "5300 Bank charges" in text and "EUR 2.50" in text
    assert confirm.soup.select_one("main form button").get_text(strip=True) == (
        "Pay EUR 1,000.00 to V-000001"
    )
    entries = count(session_factory, JournalEntry)
    done = alice.confirm(confirm)
    assert done.status == 200 and "Payment" in done.banner and "Journal entry" in done.banner
    paid = payment(session_factory, payment_id)
    assert (paid.status, paid.bank_reference, paid.fee_minor) == ("paid", "PT-SEPA-0100", 250)
    # A double click, a reload, the back button: the same key, nothing paid twice.
    again = alice.confirm(confirm, follow=False)
    assert again.status == 303 and again.response.headers.get("Idempotent-Replayed") == "true"
    assert count(session_factory, JournalEntry) == entries + 1


def test_a_foreign_payment_shows_its_fx_difference_before_it_is_made(app, fund, session_factory):
    bob = signed_in(app, "bob")
    bob.submit("/payments/7/approve")  # USD 7,858.75 to V-000003, reserving EUR 6,834.88
    alice = signed_in(app, "alice")
    fields = execute_fields(debited="7,100.00", fee="15.00", bank_reference="SWIFT-PH-0002")
    confirm = alice.submit("/payments/7/execute", fields)
    text = confirm.text()
    assert confirm.status == 200 and "USD 7,858.75" in text
    assert "5400 Foreign exchange losses" in text or "4400 Foreign exchange gains" in text
    assert "EUR 7,100.00" in text and "5300 Bank charges" in text
    button = confirm.soup.select_one("main form button").get_text(strip=True)
    assert button == "Pay USD 7,858.75 to V-000003"


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"paid_on-day": "", "paid_on-month": "", "paid_on-year": ""}, "paid_on", "Enter the date"),
        ({"paid_on-day": "31", "paid_on-month": "2"}, "paid_on", "real date"),
        ({"bank_reference": ""}, "bank_reference", "bank's reference"),
        ({"debited": ""}, "debited", "Enter an amount"),
        ({"fee": "abc"}, "fee", "1,234.50"),
    ],
)
def test_an_execution_with_a_wrong_field_is_422_beside_it(
    app, fund, session_factory, changes, field, words
):
    payment_id = approved_payment(app, session_factory)
    alice = signed_in(app, "alice")
    page = alice.submit(f"/payments/{payment_id}/execute", execute_fields(**changes))
    assert page.status == 422 and page.title.startswith("Error: ")
    assert any(key.startswith(field) for key in page.error_summary())
    assert words in page.error_beside(field)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"debited": "999.00"}, "debited", "debits exactly its amount"),
        (dates("paid_on", date(2026, 2, 20)), "paid_on", "closed"),
        (dates("paid_on", date(2026, 1, 3)), "paid_on", "before the award was ordered"),
        (dates("paid_on", date(TODAY.year + 1, 1, 1)), "paid_on", "future"),
    ],
)
def test_an_execution_the_core_refuses_names_the_field(
    app, fund, session_factory, changes, field, words
):
    payment_id = approved_payment(app, session_factory)
    alice = signed_in(app, "alice")
    entries = count(session_factory, JournalEntry)
    page = alice.submit(f"/payments/{payment_id}/execute", execute_fields(**changes))
    assert page.status == 422, page.title
    assert words in page.error_beside(field), page.error_beside(field)
    assert count(session_factory, JournalEntry) == entries
    assert payment(session_factory, payment_id).status == "approved"


def test_a_payment_not_yet_approved_offers_no_execution(web, fund):
    web.sign_in("alice")
    page = web.get("/payments/5/execute")
    assert page.status == 200 and "only an approved payment" in page.text()
    assert page.soup.select_one("main form[method=post]") is None


# -- returns -----------------------------------------------------------------------------


def test_a_returned_payment_is_owed_again_and_proposed_anew(web, fund, session_factory):
    web.sign_in("alice")
    confirm = web.submit(
        "/payments/1/return", {**dates("returned_on", TODAY), "reason": "Account closed"}
    )
    assert confirm.status == 200 and "Check the return" in confirm.heading
    assert "Record the return of EUR 20,000.00 from V-000001" in confirm.text()
    entries = count(session_factory, JournalEntry)
    done = web.confirm(confirm)
    assert "returned" in done.banner and "Journal entry" in done.banner
    assert payment(session_factory, 1).status == "returned"
    assert count(session_factory, JournalEntry) == entries + 1
    link = done.soup.select_one("a[href='/payments/new?award_id=1']")
    assert link is not None, "a returned payment offers a new proposal"
    again = propose(web, 1, "20000.00")
    assert again.status == 200 and "proposed" in again.banner


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({**dates("returned_on", date(2026, 2, 1)), "reason": "Closed"}, "returned_on",
         "before the payment was made"),
        ({**dates("returned_on", TODAY), "reason": ""}, "reason", "Say why"),
    ],
)  # fmt: skip
def test_a_return_with_a_wrong_field_is_refused_beside_it(
    web, fund, session_factory, fields, field, words
):
    web.sign_in("alice")
    page = web.submit("/payments/1/return", fields)
    assert page.status == 422 and words in page.error_beside(field)
    assert payment(session_factory, 1).status == "paid"


# -- distribution rounds -----------------------------------------------------------------


def test_a_round_previews_every_line_then_proposes_exactly_those(web, fund, session_factory):
    web.sign_in("alice")
    preview = web.submit("/distributions/new", {"amount": "1,000.01", "case_id": ""})
    assert preview.status == 200 and "Check the round" in preview.heading
    rows = preview.soup.select("table.govuk-table tbody tr")
    previewed = {}
    for row in rows:
        cells = [td.get_text(" ", strip=True) for td in row.select("td")]
        previewed[cells[0].split()[1]] = cells
    assert set(previewed) == {"1", "2", "3", "5"}  # every open award: award 4 is paid
    assert all(cells[1].startswith("V-") for cells in previewed.values())
    marks = [cells[4] for cells in previewed.values() if cells[4].startswith("+")]
    assert marks and all(mark == "+ EUR 0.01" for mark in marks)
    button = preview.soup.select_one("main form button").get_text(strip=True)
    assert button == "Propose payments sharing EUR 1,000.01"
    rounds = count(session_factory, Distribution)
    done = web.confirm(preview)
    # Previewing wrote nothing, not even an id: on PostgreSQL too the round is the second.
    assert done.status == 200 and "Distribution round 2 made" in done.banner
    assert count(session_factory, Distribution) == rounds + 1
    made = {
        row.select("td")[1].get_text(strip=True).split()[1]: row.select("td")[3].get_text(
            strip=True
        )
        for row in done.soup.select("table.govuk-table tbody tr")
    }
    assert made == {award: cells[5].split(" reserves")[0] for award, cells in previewed.items()}
    again = web.confirm(preview, follow=False)  # the same confirmation once more
    assert again.status == 303 and count(session_factory, Distribution) == rounds + 1


def test_a_case_round_is_limited_to_that_case(web, fund):
    web.sign_in("alice")
    preview = web.submit("/distributions/new", {"amount": "100.00", "case_id": "1"})
    assert preview.status == 200 and "case CR-2026-014" in preview.text()
    awards_shown = {
        row.select_one("td").get_text(" ", strip=True).split()[1]
        for row in preview.soup.select("table.govuk-table tbody tr")
    }
    assert awards_shown == {"1", "2"}


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"amount": ""}, "Enter an amount"),
        ({"amount": "1.001"}, "decimal"),
        ({"amount": "99,000,000.00"}, "exceeds"),
        ({"amount": "999,999.00", "case_id": "3"}, "exceeds"),
    ],
)
def test_a_round_refused_names_the_amount(web, fund, session_factory, fields, words):
    web.sign_in("alice")
    rounds = count(session_factory, Distribution)
    page = web.submit("/distributions/new", {"case_id": "", **fields})
    assert page.status == 422 and page.title.startswith("Error: ")
    assert words in page.error_beside("amount"), page.error_beside("amount")
    assert count(session_factory, Distribution) == rounds


def test_the_change_button_brings_the_round_form_back(web, fund):
    web.sign_in("alice")
    preview = web.submit("/distributions/new", {"amount": "250", "case_id": "2"})
    form = web.change(preview)
    assert form.status == 200 and form.soup.find(id="amount")["value"] == "250"
    assert form.soup.select_one("#case_id option[selected]")["value"] == "2"


def test_a_rounds_page_lists_the_proposals_it_made(web, fund):
    web.sign_in("inspector")
    page = web.get("/distributions/1")
    assert page.status == 200 and page.heading == "EUR 20,000.00 shared pro rata"
    links = [a.get_text(strip=True) for a in page.soup.select("tbody a[href^='/payments/']")]
    assert links == ["Payment 5", "Payment 6", "Payment 7", "Payment 8"]


# -- a fixed number of statements per page -----------------------------------------------


def statements_of(web: WebClient, path: str) -> int:
    found: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        found.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        page = web.get(path)
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    assert page.status == 200, (path, page.status)
    return len(found)


def test_the_queue_and_a_payments_page_cost_the_same_statements_when_the_fund_grows(
    app, web, fund, session_factory
):
    web.sign_in("alice")
    pages = ["/payments", "/payments?status=proposed&sort=-id", "/payments/3", "/distributions/1"]
    before = {path: statements_of(web, path) for path in pages}
    with app.app_context(), session_factory.begin() as session:
        for award_id in (1, 2, 3, 5) * 5:  # twenty more proposals, in three currencies
            award = session.get(Award, award_id)
            disbursements.propose_disbursement(
                session, actor=OPERATOR, award_id=award_id, method="cash", on=TODAY,
                amount=Money(10_000, award.currency),
            )  # fmt: skip
    assert count(session_factory, Disbursement) == 28
    assert {path: statements_of(web, path) for path in pages} == before
