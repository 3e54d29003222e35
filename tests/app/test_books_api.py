"""The books over HTTP: manual entries, reversals, ledgers, periods, rates, audit log."""

from __future__ import annotations

import pytest

from tests.conftest import DATA, auth


@pytest.fixture
def admin(client, token_for):
    headers = auth(token_for("administrator", "alice"))

    def call(method, path, body=None, expect=None, **kwargs):
        if body is not None:
            kwargs["json"] = body
        response = client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)
        if expect is not None:
            assert response.status_code == expect, response.get_json()
        return response.get_json()

    with (DATA / "eurofxref-hist-sample.csv").open("rb") as handle:
        call("POST", "/fx-rates", data={"file": (handle, "ecb.csv")}, expect=201)
    return call


def test_manual_entry_and_its_reversal_link_both_ways(admin):
    donation = admin(
        "POST",
        "/journal",
        {
            "date": "2026-01-05",
            "memo": "Opening cash",
            "postings": [
                {"account": "1000", "debit": "500.00"},
                {"account": "3000", "credit": "500.00"},
            ],
        },
        expect=201,
    )
    assert donation["number"] == 1 and donation["prev_hash"] == "0" * 64
    reversal = admin(
        "POST", "/journal/1/reverse", {"date": "2026-01-06", "memo": "Mistake"}, expect=201
    )
    assert reversal["reverses"] == 1
    assert admin("GET", "/journal/1")["reversed_by"] == reversal["number"]
    again = admin("POST", "/journal/1/reverse", {"date": "2026-01-06", "memo": "x"}, expect=409)
    assert again["status"] == 409
    page = admin("GET", "/journal?page=1&per_page=1")
    assert page["total"] == 2 and len(page["items"]) == 1


def test_unbalanced_or_malformed_manual_entries_are_422_and_write_nothing(admin):
    bad = admin(
        "POST",
        "/journal",
        {
            "date": "2026-01-05",
            "memo": "x",
            "postings": [
                {"account": "5500", "debit": "10.00"},
                {"account": "2200", "credit": "9.99"},
            ],
        },
        expect=422,
    )
    assert "postings" in bad["errors"]
    bad = admin(
        "POST",
        "/journal",
        {
            "date": "2026-01-05",
            "memo": "x",
            "postings": [
                {"account": "5500", "debit": "10.001"},
                {"account": "2200", "credit": "10.00"},
            ],
        },
        expect=422,
    )
    assert "postings.0.debit" in bad["errors"]
    bad = admin(
        "POST",
        "/journal",
        {
            "date": "2026-01-05",
            "memo": "x",
            "postings": [
                {"account": "9999", "debit": "1.00"},
                {"account": "2200", "credit": "1.00"},
            ],
        },
        expect=422,
    )
    assert "postings.0.account" in bad["errors"]
    assert admin("GET", "/journal")["total"] == 0


def test_register_entries_are_undone_through_their_register(admin):
    admin(
        "POST",
        "/receipts",
        {
            "kind": "donation",
            "received_on": "2026-01-05",
            "amount": {"amount": "10.00", "currency": "EUR"},
            "counterparty": "Donor",
        },
        expect=201,
    )
    refused = admin("POST", "/journal/1/reverse", {"date": "2026-01-06", "memo": "x"}, expect=409)
    assert "receipt" in refused["detail"]


def test_account_ledger_has_running_balances_and_a_date_window(admin):
    for day, amount in (("2026-01-05", "100.00"), ("2026-01-07", "50.00"), ("2026-02-02", "25.00")):
        admin(
            "POST",
            "/receipts",
            {
                "kind": "donation",
                "received_on": day,
                "amount": {"amount": amount, "currency": "EUR"},
                "counterparty": "Donor",
            },
            expect=201,
        )
    whole = admin("GET", "/accounts/1000/ledger")
    assert [line["balance"]["amount"] for line in whole["items"]] == ["100.00", "150.00", "175.00"]
    window = admin("GET", "/accounts/1000/ledger?from=2026-01-06&to=2026-01-31")
    assert window["opening_balance"]["amount"] == "100.00"
    assert [line["balance"]["amount"] for line in window["items"]] == ["150.00"]
    second_page = admin("GET", "/accounts/1000/ledger?per_page=2&page=2")
    assert second_page["items"][0]["balance"]["amount"] == "175.00"
    revenue = admin("GET", "/accounts/4200/ledger")
    assert revenue["account"]["balance"]["amount"] == "175.00"  # credit-normal, positive
    admin("GET", "/accounts/4242/ledger", expect=404)


def test_periods_close_in_order_and_refuse_postings(admin):
    admin(
        "POST",
        "/receipts",
        {
            "kind": "donation",
            "received_on": "2026-01-05",
            "amount": {"amount": "10.00", "currency": "EUR"},
            "counterparty": "Donor",
        },
        expect=201,
    )
    admin("POST", "/periods/2026-02/close", expect=201)
    periods = {p["month"]: p["status"] for p in admin("GET", "/periods")["items"]}
    assert periods["2026-01"] == periods["2026-02"] == "closed"
    assert periods["2026-03"] == "open"
    admin("POST", "/periods/2026-01/close", expect=409)
    admin("POST", "/periods/2099-01/close", expect=422)
    admin("POST", "/periods/2026-13/close", expect=422)
    late = admin(
        "POST",
        "/receipts",
        {
            "kind": "donation",
            "received_on": "2026-02-27",
            "amount": {"amount": "1.00", "currency": "EUR"},
            "counterparty": "Late",
        },
        expect=409,
    )
    assert "closed" in late["detail"]


def test_revaluation_and_year_end_close(admin):
    case = admin(
        "POST",
        "/cases",
        {
            "reference": "C-1",
            "court": "Court",
            "title": "T",
            "jurisdiction": "PT",
            "opened_on": "2026-01-02",
        },
        expect=201,
    )
    victim = admin(
        "POST",
        "/victims",
        {
            "full_name": "X Y",
            "country_of_residence": "US",
            "payment": {"method": "cash", "currency": "USD"},
        },
        expect=201,
    )
    admin(
        "POST",
        "/awards",
        {
            "case_id": case["id"],
            "victim_id": victim["id"],
            "order_reference": "O-1",
            "ordered_on": "2026-02-02",
            "amount": {"amount": "1184.00", "currency": "USD"},
        },
        expect=201,
    )
    # 1 EUR = 1.1840 USD on 2026-02-02 and 1.1498 on 2026-03-31: the liability grows.
    result = admin("POST", "/periods/2026-03/revalue", expect=201)
    entry = admin("GET", f"/journal/{result['entry']}")
    legs = {p["account"]: p for p in entry["postings"]}
    assert legs["2000"]["credit"]["amount"] == "29.74"  # 1184 / 1.1498 = 1029.74
    assert legs["5400"]["debit"]["amount"] == "29.74"
    assert "not ended" in admin("POST", "/periods/2026/close-year", expect=422)["detail"]
    # 2025 has no entries: the close posts nothing but closes December 2025 for good.
    assert admin("POST", "/periods/2025/close-year", expect=201)["entry"] is None
    assert admin("POST", "/periods/2025/close-year", expect=409)["status"] == 409
    assert {p["month"]: p["status"] for p in admin("GET", "/periods")["items"]}[
        "2025-12"
    ] == "closed"


def test_rates_as_json_and_listing(admin):
    added = admin(
        "POST",
        "/fx-rates",
        {"rates": [{"currency": "GBP", "date": "2026-11-02", "rate": "0.8800"}]},
        expect=201,
    )
    assert added == {"added": 1, "corrected": 0}
    listed = admin("GET", "/fx-rates?currency=GBP&per_page=1")
    assert listed["items"][0] == {
        "currency": "GBP",
        "date": "2026-11-02",
        "rate": "0.8800",
        "source": "api",
    }
    bad = admin(
        "POST",
        "/fx-rates",
        {"rates": [{"currency": "GBP", "date": "2026-11-02", "rate": 0.88}]},
        expect=422,
    )
    assert "rates.0.rate" in bad["errors"]
    bad = admin(
        "POST",
        "/fx-rates",
        {"rates": [{"currency": "EUR", "date": "2026-11-02", "rate": "1.0"}]},
        expect=422,
    )
    assert "rates.0.currency" in bad["errors"]


def test_audit_log_records_changes_and_verifies(admin):
    admin(
        "POST",
        "/cases",
        {
            "reference": "C-9",
            "court": "Court",
            "title": "T",
            "jurisdiction": "PT",
            "opened_on": "2026-01-02",
        },
        expect=201,
    )
    events = admin("GET", "/audit/events?subject_type=case")
    assert events["items"][0]["action"] == "case.opened"
    assert events["items"][0]["actor"] == "alice"
    assert events["items"][0]["after"]["reference"] == "C-9"
    assert admin("GET", "/audit/verify")["ok"] is True
