"""The books through their pages: receipts and expenses, the journal, the accounts.

Every form as a browser fills it in (CSRF token, one-time key): the valid
submission, each invalid field, each refusal of the core beside its field,
a double submit with one effect, "Add another line" without JavaScript, and
what auditors and courts may not do. On the demo fund January and February
2026 are closed; March onwards is open.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from sqlalchemy import func, select

from ledger import assets, chart
from ledger.models import Account, CashMovement, JournalEntry, Posting
from ledger.money import Money
from tests.api.test_query_counts import counting
from tests.conftest import OPERATOR
from tests.reports.test_formats import about, sheets
from tests.web.conftest import dates

OPEN_DAY = date(2026, 3, 16)
CLOSED_DAY = date(2026, 1, 15)


def count(session_factory, model) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(model))


def last_entry(session_factory) -> JournalEntry:
    with session_factory() as session:
        return session.scalar(select(JournalEntry).order_by(JournalEntry.number.desc()).limit(1))


def postings_of(session_factory, number: int) -> list[tuple[str, int, int, str]]:
    """(account, functional amount, original amount, currency) of entry ``number``."""
    with session_factory() as session:
        rows = session.execute(
            select(Account.code, Posting.amount, Posting.original_amount, Posting.currency)
            .join(Account, Account.id == Posting.account_id)
            .where(Posting.entry_number == number)
            .order_by(Posting.line)
        )
        return [tuple(row) for row in rows]


def add_usd_bank(session_factory) -> None:
    with session_factory.begin() as session:
        chart.add_account(
            session,
            actor=OPERATOR,
            code="1001",
            name="Fund bank account (USD)",
            type="asset",
            currency="USD",
            no_overdraft=True,
        )


def seize_cash(session_factory, currency: str = "EUR") -> int:
    with session_factory.begin() as session:
        asset = assets.seize_asset(
            session,
            actor=OPERATOR,
            case_id=1,
            kind="cash",
            description="Cash in a car boot",
            seized_on=date(2026, 3, 2),
            estimated_value=Money(500_000, currency),
        )
        return asset.id


def rows_of_csv(page) -> list[list[str]]:
    text = page.response.get_data(as_text=True)
    return [row for row in csv.reader(io.StringIO(text)) if row and not row[0].startswith("#")]


def receipt(**changes) -> dict:
    fields = {
        "kind": "donation",
        **dates("received_on", OPEN_DAY),
        "amount": "1,250.00",
        "amount-currency": "EUR",
        "counterparty": "Friends of the fund",
    }
    fields.update(changes)
    return fields


def lines(*rows) -> dict:
    """Lines of a manual entry: (account, debit, credit) each; None leaves a box empty."""
    fields = {}
    for i, (account, debit, credit) in enumerate(rows):
        fields[f"postings-{i}-account"] = account or ""
        fields[f"postings-{i}-debit"] = debit or ""
        fields[f"postings-{i}-credit"] = credit or ""
    return fields


def manual(*rows, day=OPEN_DAY, memo="Reclassify bank charges") -> dict:
    return {**dates("value_date", day), "memo": memo, **lines(*rows)}


# -- receipts and expenses -----------------------------------------------------------------


def test_record_a_receipt(web, fund, session_factory):
    web.sign_in("alice")
    before = count(session_factory, CashMovement)
    page = web.submit("/receipts/new", receipt())
    assert page.status == 200 and page.heading == "Receipts", page.title
    entry = last_entry(session_factory)
    assert f"Receipt of EUR 1,250.00 recorded. Journal entry {entry.number}." in page.banner
    assert count(session_factory, CashMovement) == before + 1
    assert postings_of(session_factory, entry.number) == [
        ("1000", 125_000, 125_000, "EUR"),
        ("4200", -125_000, -125_000, "EUR"),
    ]
    assert "Friends of the fund" in page.text()


def test_record_an_expense_of_an_asset_names_the_asset_and_its_case(web, fund, session_factory):
    web.sign_in("alice")
    fields = {
        "kind": "custody",
        **dates("paid_on", OPEN_DAY),
        "amount": "300",
        "amount-currency": "EUR",
        "counterparty": "Secure Garage Lda",
        "asset_id": "2",
    }
    page = web.submit("/expenses/new", fields)
    assert page.status == 200 and "Expense of EUR 300.00 recorded." in page.banner
    with session_factory() as session:
        movement = session.scalar(select(CashMovement).order_by(CashMovement.id.desc()).limit(1))
        dims = session.execute(
            select(Posting.asset_id, Posting.case_id).where(
                Posting.entry_number == movement.entry_number
            )
        ).all()
    assert (movement.direction, movement.asset_id, movement.case_id) == ("expense", 2, 1)
    assert set(dims) == {(2, 1)}
    assert postings_of(session_factory, movement.entry_number)[0][0] == "5200"


def test_a_receipt_form_with_errors_names_each_field(web, fund, session_factory):
    web.sign_in("alice")
    before = count(session_factory, CashMovement)
    page = web.submit(
        "/receipts/new",
        {
            "received_on-day": "31",
            "received_on-month": "2",
            "received_on-year": "2026",
            "amount": "12.345",
        },
    )
    assert page.status == 422 and page.title.startswith("Error: ")
    summary = page.error_summary()
    assert {"kind", "received_on-day", "amount", "counterparty"} <= set(summary), summary
    assert "Choose the kind of receipt" in page.error_beside("kind")
    assert "real date" in page.error_beside("received_on")
    assert "at most 2 decimal places" in page.error_beside("amount")
    assert "Enter who paid" in page.error_beside("counterparty")
    assert page.soup.find(id="counterparty")["aria-invalid"] == "true"
    assert count(session_factory, CashMovement) == before


def test_a_receipt_dated_in_a_closed_month_is_refused_beside_its_date(web, fund, session_factory):
    web.sign_in("alice")
    page = web.submit("/receipts/new", receipt(**dates("received_on", CLOSED_DAY)))
    assert page.status == 422 and "2026-01 is closed" in page.error_beside("received_on")
    assert page.error_summary()["received_on-day"].startswith("Received on: ")


def test_a_receipt_in_the_future_is_refused_beside_its_date(web, fund, session_factory):
    web.sign_in("alice")
    page = web.submit("/receipts/new", receipt(**dates("received_on", date(2030, 1, 1))))
    assert page.status == 422 and "future" in page.error_beside("received_on")


def test_a_currency_without_a_bank_account_is_refused_beside_the_amount(web, fund):
    web.sign_in("alice")
    page = web.submit("/receipts/new", receipt(**{"amount-currency": "USD"}))
    assert page.status == 422
    assert "the fund has no bank account in USD" in page.error_beside("amount")
    assert "amount" in page.error_summary()


def test_interest_on_seized_cash_follows_its_asset(web, fund, session_factory):
    web.sign_in("alice")
    cash = seize_cash(session_factory)
    interest = receipt(kind="escrow_interest", amount="12.50", counterparty="Escrow bank")
    # Without the asset: the core asks for it, beside the asset's box.
    page = web.submit("/receipts/new", interest)
    assert page.status == 422 and "names the seized cash asset" in page.error_beside("asset_id")
    # Cash already forfeited (asset 1) is the fund's: no longer in escrow.
    page = web.submit("/receipts/new", {**interest, "asset_id": "1"})
    assert page.status == 422
    assert "asset 1 is not seized cash held in escrow" in page.error_beside("asset_id")
    # Before the cash was seized.
    early = {**interest, "asset_id": str(cash), **dates("received_on", date(2026, 3, 1))}
    page = web.submit("/receipts/new", early)
    assert page.status == 422 and "before the cash was seized" in page.error_beside("received_on")
    # The seized cash's own asset and date: held with it, 1010 / 2100.
    page = web.submit("/receipts/new", {**interest, "asset_id": str(cash)})
    assert page.status == 200 and "Receipt of EUR 12.50 recorded." in page.banner
    codes = [p[0] for p in postings_of(session_factory, last_entry(session_factory).number)]
    assert codes == ["1010", "2100"]


def test_escrow_interest_in_another_currency_than_the_cash_is_refused_beside_the_amount(
    web, fund, session_factory
):
    web.sign_in("alice")
    cash = seize_cash(session_factory, "USD")
    fields = receipt(kind="escrow_interest", asset_id=str(cash), amount="5")
    page = web.submit("/receipts/new", fields)
    assert page.status == 422 and "must be USD, as the cash" in page.error_beside("amount")


def test_a_double_submitted_receipt_is_recorded_once(web, fund, session_factory):
    web.sign_in("alice")
    form = web.get("/receipts/new")
    before = count(session_factory, CashMovement)
    first = web.send(form, receipt(), follow=False)
    second = web.send(form, receipt(), follow=False)  # the same one-time key
    assert first.status == second.status == 303
    assert second.response.location == first.response.location
    assert count(session_factory, CashMovement) == before + 1


def test_the_lists_filter_sort_and_download_exactly_what_they_show(web, fund, session_factory):
    web.sign_in("alice")
    page = web.get("/receipts?kind=donation")
    assert page.status == 200
    shown = [row.find("td").get_text(strip=True) for row in page.soup.select("tbody tr")]
    assert shown == ["20 Jan 2026"] and "Total of the 1 receipt selected" in page.text()
    dated = web.get(
        "/receipts?"
        + "&".join(
            f"{k}={v}"
            for k, v in {
                **dates("date_from", date(2026, 1, 10)),
                **dates("date_to", date(2026, 1, 31)),
            }.items()
        )
    )
    assert [r.find("td").get_text(strip=True) for r in dated.soup.select("tbody tr")] == [
        "31 Jan 2026",
        "20 Jan 2026",
    ]
    assert "EUR 2,712.35" in dated.text()  # 212.35 escrow interest + 2,500.00 donation
    oldest = web.get("/receipts?sort=date")
    assert oldest.soup.select_one("tbody tr td").get_text(strip=True) == "8 Jan 2026"
    download = web.get("/receipts?kind=donation&format=csv")
    disposition = download.response.headers["Content-Disposition"]
    head = download.response.headers["X-Journal-Head"]
    assert disposition.startswith('attachment; filename="receipts_as-of-')
    assert disposition.endswith(f'_{head[:8]}.csv"')
    rows = rows_of_csv(download)
    assert rows[0][:3] == ["Date", "Kind", "Counterparty"]
    assert [r[1] for r in rows[1:]] == ["Donation"] and "2500.00" in rows[1]
    xlsx = web.client.get("/receipts?kind=donation&format=xlsx").get_data()
    assert "Kind: Donation" in about(xlsx)["Statement"]
    titles, total = sheets(xlsx)["Totals"]
    assert total[0] == "Total" and total[titles.index("Carried at (EUR)")] == 2500
    for fmt in ("xlsx", "pdf"):
        assert web.client.get(f"/expenses?format={fmt}").status_code == 200


def test_a_bad_filter_is_shown_beside_it(web, fund):
    web.sign_in("alice")
    page = web.get("/expenses?date_from-day=40&date_from-month=1&date_from-year=2026")
    assert page.status == 422 and "real date" in page.error_beside("date_from")


def test_a_list_page_costs_the_same_statements_at_any_length(app, web, fund, session_factory):
    web.sign_in("alice")
    engine = app.extensions["fundledger.db"].kw["bind"]
    for path in ("/receipts", "/expenses", "/journal", "/accounts", "/accounts/1000"):
        web.get(f"{path}?per_page=2")  # warm-up
        with counting(engine) as short:
            two = web.get(f"{path}?per_page=2")
        with counting(engine) as long:
            more = web.get(f"{path}?per_page=4")
        assert two.status == more.status == 200
        assert len(more.soup.select("tbody tr")) > len(two.soup.select("tbody tr")), path
        assert len(short) == len(long), (path, len(short), len(long))


def test_an_auditor_reads_the_books_but_is_offered_no_form(web, fund):
    web.sign_in("inspector")
    for path in ("/receipts", "/expenses", "/journal", "/journal/5", "/accounts", "/accounts/1000"):
        page = web.get(path)
        assert page.status == 200, path
        assert page.soup.select("main form[method=post]") == [], path
        for text in ("Record a", "Post a manual entry", "Add an account", "Reverse this entry"):
            assert text not in page.text(), (path, text)
    token = web.get("/account").form("main form[action$='/account/tokens']")["csrf_token"]
    for path in (
        "/receipts/new",
        "/expenses/new",
        "/journal/new",
        "/journal/5/reverse",
        "/accounts/new",
    ):
        assert web.get(path).status == 403, path
        assert web.client.post(path, data={"csrf_token": token}).status_code == 403, path


def test_a_court_cannot_open_the_books(web, fund):
    web.sign_in("registry")
    for path in (
        "/receipts",
        "/expenses/new",
        "/journal",
        "/journal/1",
        "/journal/new",
        "/accounts",
        "/accounts/1000",
        "/accounts/new",
    ):
        assert web.get(path).status == 403, path
    assert "Journal" not in [
        a.get_text(strip=True) for a in web.get("/account").soup.select("nav a")
    ]


# -- the journal ----------------------------------------------------------------------------


def test_the_journal_filters_by_account_event_number_and_date(web, fund):
    web.sign_in("inspector")
    everything = web.get("/journal?per_page=100")
    numbers = [
        int(a.get_text(" ", strip=True).split()[0])
        for a in everything.soup.select("tbody td:first-child a")
    ]
    assert numbers == sorted(numbers) and numbers[0] == 1
    newest = web.get("/journal?sort=-number")
    assert (
        newest.soup.select_one("tbody td a").get_text(" ", strip=True).startswith(str(numbers[-1]))
    )
    bank = web.get("/journal?account=5300&per_page=100")
    for body in bank.soup.select("tbody"):
        assert "5300" in body.get_text(" ")
    assert len(bank.soup.select("tbody")) == 3  # a bank charge, and two payments' fees
    one = web.get("/journal?number=5")
    assert [
        b.select_one("td a").get_text(" ", strip=True).split()[0] for b in one.soup.select("tbody")
    ] == ["5"]
    receipts = web.get("/journal?event=receipt.recorded&per_page=100")
    assert len(receipts.soup.select("tbody")) == 4 and "Receipt, grant" in receipts.text()
    january = web.get(
        "/journal?"
        + "&".join(
            f"{k}={v}"
            for k, v in {
                **dates("date_from", date(2026, 1, 1)),
                **dates("date_to", date(2026, 1, 6)),
            }.items()
        )
    )
    assert len(january.soup.select("tbody")) == 2  # cash seized on the 5th and the 6th
    nothing = web.get("/journal?number=0")
    assert nothing.status == 422 and "1 or more" in nothing.error_beside("number")


def test_the_journal_downloads_every_posting_of_the_filtered_entries(web, fund, session_factory):
    web.sign_in("inspector")
    download = web.get("/journal?account=5300&format=csv")
    assert download.status == 200
    rows = rows_of_csv(download)
    assert rows[0][0] == "Entry" and {"Event", "Memo", "Account"} <= set(rows[0])
    body = rows[1:]
    assert {r[0] for r in body} == {"17", "26", "27"}  # a bank charge, two payments' fees
    expected = sum(len(postings_of(session_factory, n)) for n in (17, 26, 27))
    assert len(body) == expected  # every posting of those entries, not only 5300's
    xlsx = web.client.get("/journal?account=5300&format=xlsx").get_data()
    assert "Account: 5300" in about(xlsx)["Statement"]
    titles, total = sheets(xlsx)["Totals"]
    assert total[0] == "Total"
    assert total[titles.index("Debit (EUR)")] == total[titles.index("Credit (EUR)")]  # they tie


def test_an_entry_shows_its_postings_hashes_and_links(web, fund, session_factory):
    web.sign_in("inspector")
    page = web.get("/journal/26")  # a payment abroad: THB, a fee, an FX loss, a victim
    assert page.status == 200 and page.heading == "Journal entry 26"
    with session_factory() as session:
        entry = session.get(JournalEntry, 26)
    hashes = [span.get_text(strip=True) for span in page.soup.select(".app-hash")]
    assert hashes == [entry.hash, entry.prev_hash]  # whole, never cut
    text = page.text()
    assert "THB 600,000.00" in text and "V-000002" in text and "Payment" in text
    assert page.soup.select_one("a[href='/journal/25']") is not None
    assert "record the payment as returned" not in text  # an auditor is offered no step


def test_post_a_manual_entry_with_an_added_line(web, fund, session_factory):
    web.sign_in("alice")
    form = web.get("/journal/new")
    assert len(form.soup.select("select[name$='-account']")) == 2
    entries = count(session_factory, JournalEntry)
    fields = manual(("5300", "30.00", None), ("5500", "20.00", None))
    longer = web.send(form, {**fields, "_add_line": "1"})
    assert longer.status == 200 and not longer.title.startswith("Error")
    assert len(longer.soup.select("select[name$='-account']")) == 3
    assert longer.soup.find(id="postings-1-debit")["value"] == "20.00"  # kept as typed
    assert longer.error_summary() == {}
    assert count(session_factory, JournalEntry) == entries  # nothing posted
    confirm = web.send(longer, {"postings-2-account": "1000", "postings-2-credit": "50"})
    assert confirm.status == 200 and confirm.heading == "Check the entry before it is posted"
    assert "Post the entry (EUR 50.00)" in confirm.text()
    assert count(session_factory, JournalEntry) == entries  # a dry run only
    done = web.confirm(confirm)
    number = entries + 1
    assert done.status == 200 and f"Journal entry {number} posted." in done.banner
    assert done.heading == f"Journal entry {number}"
    assert postings_of(session_factory, number) == [
        ("5300", 3000, 3000, "EUR"),
        ("5500", 2000, 2000, "EUR"),
        ("1000", -5000, -5000, "EUR"),
    ]
    again = web.confirm(confirm)  # back, and the same button again
    assert again.status == 200 and count(session_factory, JournalEntry) == number


def test_change_brings_the_lines_back_as_typed(web, fund):
    web.sign_in("alice")
    confirm = web.submit("/journal/new", manual(("5300", "1,000.00", None), ("1000", None, "1000")))
    form = web.change(confirm)
    assert form.status == 200 and form.soup.find(id="postings-0-debit")["value"] == "1,000.00"
    chosen = form.soup.select_one("#postings-1-account option[selected]")
    assert chosen["value"] == "1000"


def test_empty_lines_are_left_out_and_refusals_find_their_line(web, fund, session_factory):
    web.sign_in("alice")
    form = web.get("/journal/new")
    longer = web.send(form, {"_add_line": "1"})
    # Line 1 empty; the core's second line (index 1) is the form's third.
    fields = manual((None, None, None), ("5300", "10", None), ("9999", None, "10"))
    page = web.send(longer, fields)
    assert page.status == 422
    assert "account 9999 does not exist" in page.error_beside("postings-2-account")
    assert page.error_summary()["postings-2-account"].startswith("Line 3, account: ")


def test_a_manual_entry_with_errors_names_each_box(web, fund, session_factory):
    web.sign_in("alice")
    entries = count(session_factory, JournalEntry)
    page = web.submit("/journal/new", {**lines((None, "10", None), ("5300", "ten", None))})
    assert page.status == 422 and page.title.startswith("Error: ")
    summary = page.error_summary()
    assert {"value_date-day", "memo", "postings-0-account", "postings-1-debit"} <= set(summary)
    assert "Choose the account" in page.error_beside("postings-0-account")
    assert "Enter an amount" in page.error_beside("postings-1-debit")
    assert page.soup.find(id="postings-1-debit")["aria-invalid"] == "true"
    assert count(session_factory, JournalEntry) == entries


def test_the_cores_refusals_of_a_manual_entry_sit_beside_their_box(web, fund, session_factory):
    web.sign_in("alice")
    cases = {
        "unbalanced": (
            manual(("5300", "10", None), ("1000", None, "9.95")),
            "postings",
            "differ by EUR 0.05",
        ),
        "both sides": (
            manual(("5300", "10", "10"), ("1000", None, "10")),
            "postings-0-debit",
            "exactly one of debit or credit",
        ),
        "neither": (
            manual(("5300", "10", None), ("1000", None, None)),
            "postings-1-debit",
            "exactly one of debit or credit",
        ),
        "zero": (
            manual(("5300", "0", None), ("1000", None, "0")),
            "postings-0-debit",
            "greater than zero",
        ),
        "one line": (manual(("5300", "10", None)), "postings", "at least two"),
        "an award's account": (
            manual(("2000", "10", None), ("1000", None, "10")),
            "postings-0-account",
            "needs an award",
        ),
        "closed month": (
            manual(("5300", "10", None), ("1000", None, "10"), day=CLOSED_DAY),
            "value_date",
            "2026-01 is closed",
        ),
    }
    for name, (fields, box, message) in cases.items():
        page = web.submit("/journal/new", fields)
        assert page.status == 422, name
        assert message in page.error_beside(box), (name, page.error_summary())


def test_a_foreign_account_takes_its_own_currency(web, fund, session_factory):
    add_usd_bank(session_factory)
    web.sign_in("alice")
    form = web.get("/journal/new")
    assert "1001 Fund bank account (USD)" in form.text() and "(USD) (USD)" not in form.text()
    page = web.submit("/journal/new", manual(("1001", "100.005", None), ("4200", None, "87.00")))
    assert page.status == 422 and "at most 2 decimal places" in page.error_beside(
        "postings-0-debit"
    )
    # USD 100.00 at 1.1484 (30 March 2026) is EUR 87.08: it must balance in euros.
    day = date(2026, 3, 30)
    page = web.submit(
        "/journal/new", manual(("1001", "100", None), ("4200", None, "87.00"), day=day)
    )
    assert page.status == 422 and "differ by EUR 0.08" in page.error_beside("postings")
    confirm = web.submit(
        "/journal/new", manual(("1001", "100", None), ("4200", None, "87.08"), day=day)
    )
    assert confirm.status == 200 and "USD 100.00" in confirm.text()
    web.confirm(confirm)
    number = last_entry(session_factory).number
    assert postings_of(session_factory, number) == [
        ("1001", 8708, 10000, "USD"),
        ("4200", -8708, -8708, "EUR"),
    ]


def test_reverse_a_manual_entry(web, fund, session_factory):
    web.sign_in("alice")
    web.confirm(web.submit("/journal/new", manual(("5300", "10", None), ("1000", None, "10"))))
    original = last_entry(session_factory).number
    entry_page = web.get(f"/journal/{original}")
    assert "Reverse this entry" in entry_page.text()
    fields = {**dates("value_date", OPEN_DAY), "memo": "Booked twice"}
    confirm = web.submit(f"/journal/{original}/reverse", fields)
    assert confirm.status == 200 and confirm.heading == "Check the reversal before it is posted"
    assert f"Reverse entry {original} (EUR 10.00)" in confirm.text()
    first = web.confirm(confirm, follow=False)
    second = web.confirm(confirm, follow=False)  # a double click
    assert first.status == second.status == 303
    assert second.response.location == first.response.location
    reversal = original + 1
    assert count(session_factory, JournalEntry) == reversal
    done = web.get(first.response.location)
    assert f"Entry {original} reversed by journal entry {reversal}." in done.banner
    assert done.soup.select_one(f"a[href='/journal/{original}']") is not None
    back = web.get(f"/journal/{original}")
    assert back.soup.select_one(f"a[href='/journal/{reversal}']") is not None
    assert "Reverse this entry" not in back.text()
    assert [p[1] for p in postings_of(session_factory, reversal)] == [-1000, 1000]
    # Reversed already: the page says so, and the core refuses a second reversal.
    again = web.get(f"/journal/{original}/reverse")
    assert "already reversed by entry" in again.text() and not again.soup.select("main form")
    token = again.soup.find("input", {"name": "csrf_token"}) or web.get("/journal/new").soup.find(
        "input", {"name": "csrf_token"}
    )
    refused = web.client.post(
        f"/journal/{original}/reverse",
        data={
            "csrf_token": token["value"],
            "_step": "confirm",
            "memo": "Again",
            **dates("value_date", OPEN_DAY),
        },
    )
    assert refused.status_code == 422
    assert "already reversed" in refused.get_data(as_text=True)


def test_a_reversal_dated_before_its_entry_or_in_a_closed_month_is_refused_beside_the_date(
    web, fund, session_factory
):
    web.sign_in("alice")
    web.confirm(web.submit("/journal/new", manual(("5300", "10", None), ("1000", None, "10"))))
    number = last_entry(session_factory).number
    early = web.submit(
        f"/journal/{number}/reverse", {**dates("value_date", date(2026, 3, 1)), "memo": "Too early"}
    )
    assert early.status == 422
    assert f"before the date of entry {number}" in early.error_beside("value_date")
    empty = web.submit(f"/journal/{number}/reverse", {})
    assert empty.status == 422 and {"value_date-day", "memo"} <= set(empty.error_summary())


def test_an_entry_a_register_posted_is_not_reversed_by_hand(web, fund, session_factory):
    web.sign_in("alice")
    entry = web.get("/journal/26")  # a payment
    assert "Reverse this entry" not in entry.text()
    assert "record the payment as returned" in entry.text()
    page = web.get("/journal/26/reverse")
    assert page.status == 200 and not page.soup.select("main form")
    assert "posted by Payment 3" in page.text() and "cannot be reversed by hand" in page.text()
    # Sent anyway (an old tab, a crafted request): the core refuses, and says where to go.
    token = web.get("/journal/new").soup.find("input", {"name": "csrf_token"})["value"]
    entries = count(session_factory, JournalEntry)
    refused = web.client.post(
        "/journal/26/reverse",
        data={"csrf_token": token, "memo": "By hand", **dates("value_date", OPEN_DAY)},
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "govuk-error-summary" in html and "undo it through that record" in html
    assert "record the payment as returned" in html
    assert count(session_factory, JournalEntry) == entries


# -- accounts -------------------------------------------------------------------------------


def test_add_a_usd_bank_account_and_see_its_balance_in_both_currencies(web, fund, session_factory):
    web.sign_in("alice")
    fields = {
        "code": "1001",
        "name": "Fund bank account (USD)",
        "type": "asset",
        "currency": "USD",
        "no_overdraft": "y",
    }
    page = web.submit("/accounts/new", fields)
    assert page.status == 200 and "Account 1001 Fund bank account (USD) added." in page.banner
    assert page.heading == "Fund bank account (USD)"
    with session_factory() as session:
        account = session.scalar(select(Account).where(Account.code == "1001"))
    assert (account.currency, account.overdraft_scope, account.type) == ("USD", "account", "asset")
    received = web.submit(
        "/receipts/new",
        receipt(
            **{
                "amount": "1000",
                "amount-currency": "USD",
                **dates("received_on", date(2026, 3, 30)),
            }
        ),
    )
    assert received.status == 200, received.error_summary()
    chart_page = web.get("/accounts")
    row = next(r for r in chart_page.soup.select("tbody tr") if r.find("a", string="1001"))
    cells = [td.get_text(" ", strip=True) for td in row.select("td")]
    assert cells[-2:] == ["EUR 870.78", "USD 1,000.00"]  # at 1.1484 on 30 March 2026
    ledger = web.get("/accounts/1001")
    assert "USD 1,000.00" in ledger.text() and "EUR 870.78" in ledger.text()


def test_an_account_form_with_errors_names_each_field(web, fund, session_factory):
    web.sign_in("alice")
    before = count(session_factory, Account)
    page = web.submit("/accounts/new", {"code": "", "name": ""})
    assert page.status == 422 and {"code", "name"} <= set(page.error_summary())
    cases = {
        "code": ({"code": "10a1", "name": "X", "type": "asset"}, "1 to 10 digits"),
        "no_overdraft": (
            {"code": "4900", "name": "X", "type": "revenue", "no_overdraft": "y"},
            "only asset and liability accounts",
        ),
    }
    for field, (fields, message) in cases.items():
        page = web.submit("/accounts/new", fields)
        assert page.status == 422 and message in page.error_beside(field), (field, page.html)
    duplicate = web.submit("/accounts/new", {"code": "1000", "name": "Again", "type": "asset"})
    assert duplicate.status == 422 and "already exists" in duplicate.error_beside("code")
    assert count(session_factory, Account) == before


def test_a_double_submitted_account_is_added_once(web, fund, session_factory):
    web.sign_in("alice")
    form = web.get("/accounts/new")
    fields = {"code": "5600", "name": "Translation costs", "type": "expense"}
    first = web.send(form, fields, follow=False)
    second = web.send(form, fields, follow=False)
    assert first.status == second.status == 303
    assert second.response.location == first.response.location
    with session_factory() as session:
        assert session.scalar(select(func.count()).where(Account.code == "5600")) == 1


def test_an_accounts_ledger_runs_its_balance_and_downloads_its_dates(web, fund):
    web.sign_in("inspector")
    whole = web.get("/accounts/1000?per_page=100")
    balances = [r.select("td")[-1].get_text(strip=True) for r in whole.soup.select("tbody tr")]
    assert balances[0] == "EUR 0.00" and balances[-1] == "EUR 372,970.97"
    march = "&".join(
        f"{k}={v}"
        for k, v in {
            **dates("date_from", date(2026, 3, 1)),
            **dates("date_to", date(2026, 3, 31)),
        }.items()
    )
    page = web.get(f"/accounts/1000?{march}")
    rows = page.soup.select("tbody tr")
    assert rows[0].get_text(" ", strip=True).endswith("Opening balance EUR 307,836.85")
    assert len(rows) == 1 + 4 and rows[-1].select("td")[-1].get_text() == "EUR 372,970.97"
    second = web.get(f"/accounts/1000?{march}&per_page=2&page=2")
    assert "Opening balance" not in second.text()
    first_of_page = second.soup.select("tbody tr")[0]  # runs on from the lines before it
    assert first_of_page.select("td")[-1].get_text() == "EUR 372,886.85"
    download = web.get(f"/accounts/1000?{march}&format=csv")
    assert download.status == 200
    disposition = download.response.headers["Content-Disposition"]
    assert 'filename="general-ledger_1000_2026-03-01_2026-03-31_' in disposition
    csv_rows = rows_of_csv(download)
    memo, balance = csv_rows[0].index("Memo"), csv_rows[0].index("Balance (EUR)")
    assert csv_rows[1][memo] == "Opening balance" and csv_rows[1][balance] == "307836.85"
    assert csv_rows[-1][memo] == "Closing balance" and csv_rows[-1][balance] == "372970.97"
    assert web.client.get("/accounts/1000?format=pdf").status_code == 200
    assert web.get("/accounts/9999").status == 404
