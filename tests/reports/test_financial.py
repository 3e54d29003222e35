"""The four financial statements, figure by figure (SPEC §6).

A small fund is built through the ledger services with amounts chosen so
that every figure can be worked out by hand (the working is in the comments):
a year 2025 that is closed into the fund balance, cash and goods seized,
forfeited and sold, a USD bank account revalued at month end, awards in EUR
and USD, payments at home and abroad (one returned), a cancellation and a
manual entry straight into net assets. Then the demo fund: its statements by
hand, and every format downloaded over the API by an administrator and an
auditor, the PDF read back to check that it prints what the JSON says.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from ledger import adjustments, assets, awards, cases, cash, closing, disbursements, victims
from ledger.balances import trial_balance
from ledger.chart import add_account
from ledger.errors import Invalid
from ledger.fx import import_ecb_csv
from ledger.journal import reverse_entry
from ledger.models import JournalEntry
from ledger.money import Money, format_amount
from ledger.pii import PiiCipher, generate_key
from reports.context import ReportRequest
from reports.render import render
from reports.statements import build_statement
from tests.conftest import DATA, OPERATOR, auth, named

ADMIN, APPROVER = named("admin-a"), named("admin-b")
SLUGS = ("financial-position", "financial-performance", "net-assets", "cash-flow", "notes")
TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def eur(amount: str) -> Money:
    return Money.parse(amount, "EUR")


def usd(amount: str) -> Money:
    return Money.parse(amount, "USD")


def pay(session, award_id, amount, on, debited, fee):
    """Propose (one administrator), approve (another), execute."""
    proposal = disbursements.propose_disbursement(
        session, actor=ADMIN, award_id=award_id, amount=amount, method="bank_transfer", on=on
    )
    disbursements.approve_disbursement(session, actor=APPROVER, disbursement_id=proposal.id)
    return disbursements.execute_disbursement(
        session,
        actor=ADMIN,
        disbursement_id=proposal.id,
        paid_on=on,
        bank_reference=f"REF-{proposal.id}",
        debited=debited,
        fee=fee,
    )


def import_rates(session, currencies) -> None:
    """The real ECB rates of tests/data, through the ECB CSV import, for a few currencies only."""
    rows = list(csv.reader((DATA / "eurofxref-hist-sample.csv").read_text().splitlines()))
    keep = [0, *(rows[0].index(code) for code in currencies)]
    text = "\n".join(",".join(row[i] for i in keep) for row in rows)
    import_ecb_csv(session, OPERATOR, text, source="ECB reference rates (tests/data)")


def build_small_fund(session) -> dict:
    """The hand-checked fund; every entry's effect is written beside it (EUR)."""
    import_rates(session, ("USD",))
    case = cases.open_case(
        session,
        actor=ADMIN,
        reference="CR-2025-001",
        court="Tribunal de Lisboa",
        title="State v. Network",
        jurisdiction="PT",
        opened_on=date(2025, 12, 1),
    ).id
    # 2025: grant 10,000.00 in, administration 500.00 out; closed: 9,500.00 to 3000.
    cash.record_receipt(
        session,
        actor=ADMIN,
        kind="grant",
        received_on=date(2025, 12, 15),
        amount=eur("10000.00"),
        counterparty="Ministry of Justice",
    )
    cash.record_expense(
        session,
        actor=ADMIN,
        kind="administrative",
        paid_on=date(2025, 12, 20),
        amount=eur("500.00"),
        counterparty="Secretariat",
    )
    closing.close_year(session, actor=ADMIN, year=2025, today=date(2026, 1, 2))
    add_account(
        session,
        actor=OPERATOR,
        code="1001",
        name="Fund bank account (USD)",
        type="asset",
        currency="USD",
        no_overdraft=True,
    )
    seize = assets.seize_asset
    money_box = seize(
        session,
        actor=ADMIN,
        case_id=case,
        kind="cash",
        description="Cash in a safe",
        seized_on=date(2026, 1, 5),
        estimated_value=eur("50000.00"),
    ).id  # 1010 / 2100 50,000.00
    car = seize(
        session,
        actor=ADMIN,
        case_id=case,
        kind="vehicle",
        description="Car",
        seized_on=date(2026, 1, 5),
        estimated_value=eur("20000.00"),
    ).id
    seize(
        session,
        actor=ADMIN,
        case_id=case,
        kind="real_estate",
        description="Flat (stays under seizure)",
        seized_on=date(2026, 1, 6),
        estimated_value=eur("150000.00"),
    )
    seize(
        session,
        actor=ADMIN,
        case_id=case,
        kind="other",
        description="Jewellery (stays under seizure)",
        seized_on=date(2026, 1, 6),
        estimated_value=usd("5000.00"),
    )
    boat = seize(
        session,
        actor=ADMIN,
        case_id=case,
        kind="vehicle",
        description="Boat (released in March)",
        seized_on=date(2026, 1, 7),
        estimated_value=eur("8000.00"),
    ).id
    cash.record_receipt(  # 1000 / 4200 100,000.00
        session,
        actor=ADMIN,
        kind="grant",
        received_on=date(2026, 1, 8),
        amount=eur("100000.00"),
        counterparty="EU Internal Security Fund",
    )
    cash.record_receipt(  # 1010 / 2100 100.00
        session,
        actor=ADMIN,
        kind="escrow_interest",
        received_on=date(2026, 1, 30),
        amount=eur("100.00"),
        counterparty="Escrow bank",
        asset_id=money_box,
    )
    cash.record_expense(  # 5500 / 1000 1,200.00
        session,
        actor=ADMIN,
        kind="administrative",
        paid_on=date(2026, 1, 30),
        amount=eur("1200.00"),
        counterparty="Secretariat",
    )
    cash.record_receipt(  # USD 1,000.00 / 1.184 = 844.59: 1001 / 4200
        session,
        actor=ADMIN,
        kind="donation",
        received_on=date(2026, 2, 2),
        amount=usd("1000.00"),
        counterparty="US foundation",
    )
    # 2100 / 4000 and 1000 / 1010: 50,100.00
    assets.forfeit_asset(
        session,
        actor=ADMIN,
        asset_id=money_box,
        order_reference="FO-1",
        forfeited_on=date(2026, 2, 2),
    )
    assets.forfeit_asset(  # 1100 / 4000 18,000.00
        session,
        actor=ADMIN,
        asset_id=car,
        order_reference="FO-2",
        forfeited_on=date(2026, 2, 3),
        value=eur("18000.00"),
    )
    cipher = PiiCipher.from_setting(generate_key())
    home, abroad = (
        victims.register_victim(
            session,
            cipher,
            actor=ADMIN,
            full_name=name,
            date_of_birth=None,
            contact=None,
            country_of_residence=country,
            returned_home=country != "PT",
            payment=victims.PaymentDetails(
                "intermediary", currency, intermediary="Partner", reference=f"P-{country}"
            ),
        ).id
        for name, country, currency in (("A", "PT", "EUR"), ("B", "US", "USD"))
    )
    award_b = awards.register_award(  # USD 10,000.00 / 1.1801 = 8,473.86: 5000 / 2000
        session,
        actor=ADMIN,
        case_id=case,
        victim_id=abroad,
        order_reference="AO-2",
        ordered_on=date(2026, 2, 3),
        amount=usd("10000.00"),
    ).id
    award_a = awards.register_award(  # 5000 / 2000 30,000.00
        session,
        actor=ADMIN,
        case_id=case,
        victim_id=home,
        order_reference="AO-1",
        ordered_on=date(2026, 2, 5),
        amount=eur("30000.00"),
    ).id
    pay(session, award_a, eur("20000.00"), date(2026, 2, 10), eur("20000.00"), eur("0.00"))
    cash.record_expense(  # 5200 / 1000 300.00
        session,
        actor=ADMIN,
        kind="custody",
        paid_on=date(2026, 2, 27),
        amount=eur("300.00"),
        counterparty="Garage",
        asset_id=car,
    )
    # February: USD 1,000.00 / 1.1801 = 847.39, carried 844.59: 1001 / 4400 2.80.
    # Award B is already carried at the 3 February rate: nothing to restate.
    closing.revalue(session, actor=ADMIN, month="2026-02")
    assets.liquidate_asset(  # 1000 19,000.00 / 1100 18,000.00, 4100 1,000.00
        session,
        actor=ADMIN,
        asset_id=car,
        sold_on=date(2026, 3, 30),
        proceeds=eur("19500.00"),
        selling_costs=eur("500.00"),
    )
    # USD 4,000 of award B relieves 8,473.86 * 0.4 = 3,389.54; the bank debits 3,500.00:
    # 2000 3,389.54 + 5400 110.46 / 1000 3,500.00; fee 5300 / 1000 15.00.
    pay(session, award_b, usd("4000.00"), date(2026, 3, 30), eur("3500.00"), eur("15.00"))
    # 2000 / 1000 5,000.00 and fee 2.50, then returned: 1000 / 2000 5,000.00 (fee kept).
    returned = pay(session, award_a, eur("5000.00"), date(2026, 3, 31), eur("5000.00"), eur("2.50"))
    disbursements.return_disbursement(
        session,
        actor=ADMIN,
        disbursement_id=returned.id,
        returned_on=date(2026, 3, 31),
        reason="Account closed",
    )
    cash.record_receipt(  # 1000 / 4300 45.67
        session,
        actor=ADMIN,
        kind="interest",
        received_on=date(2026, 3, 31),
        amount=eur("45.67"),
        counterparty="Bank",
    )
    awards.cancel_award(  # 2000 / 5000 1,000.00
        session,
        actor=ADMIN,
        award_id=award_a,
        effective_on=date(2026, 3, 31),
        reason="Reduced on appeal",
        amount=eur("1000.00"),
    )
    adjustments.post_adjustment(  # 1000 / 3000 250.00
        session,
        actor=ADMIN,
        value_date=date(2026, 3, 31),
        memo="Residual balance of the predecessor fund",
        postings=[
            {"account": "1000", "debit": "250.00"},
            {"account": "3000", "credit": "250.00"},
        ],
    )
    assets.release_asset(
        session, actor=ADMIN, asset_id=boat, released_on=date(2026, 3, 30), reason="Owner's title"
    )
    session.commit()
    return {"case": case, "award_a": award_a, "award_b": award_b}


def statement(session, slug: str, **period):
    built = build_statement(session, slug, ReportRequest(actor=named("tester"), **period))
    built.summary = figures(built.summary)
    return built


def figures(summary: dict) -> dict:
    """A summary as these tests read it: top-level money as functional minor units, money
    inside lists and tables as the JSON's amount objects."""

    def nested(value):
        if isinstance(value, Money):
            return value.as_json()
        if isinstance(value, dict):
            return {k: nested(v) for k, v in value.items()}
        if isinstance(value, list):
            return [nested(v) for v in value]
        return value

    return {k: v.minor if isinstance(v, Money) else nested(v) for k, v in summary.items()}


def lines(st) -> dict[str, int]:
    """Amount per label (the ``line`` key) of a one-amount-column statement."""
    return {row["line"]: row.get("amount") for row in st.rows if "amount" in row}


def by_code(st) -> dict[str, int]:
    return {row["code"]: row["amount"] for row in st.rows if row.get("code")}


@pytest.fixture
def small(db):
    build_small_fund(db)
    return db


Q1 = {"date_from": date(2026, 1, 1), "date_to": date(2026, 3, 31)}


# -- statement of financial position -------------------------------------------------------


def test_financial_position(small):
    st = statement(small, "financial-position", as_of=date(2026, 3, 31))
    assert st.title == "Statement of financial position"
    assert by_code(st) == {
        "1000": 15387817,  # 9,500 + 100,000 - 1,200 + 50,100 - 20,000 - 300 + 19,000
        "1001": 84739,  # - 3,515 - 5,002.50 + 5,000 + 45.67 + 250 = 153,878.17
        "1010": 0,
        "1100": 0,
        "2000": 1408432,  # award A 9,000.00 + award B 8,473.86 - 3,389.54
        "2100": 0,
        "2200": 0,
        "3000": 975000,  # 9,500 closed from 2025 + 250 brought in
    }
    figures = lines(st)
    assert figures["Total assets"] == 15472556
    assert figures["Total liabilities"] == 1408432
    assert figures["Surplus (deficit) not yet closed"] == 13089124  # 2026 so far
    assert figures["Total net assets"] == 14064124
    assert figures["Total liabilities and net assets"] == 15472556
    assert [(row["_style"], row["line"]) for row in st.rows if "_style" in row] == [
        ("heading", "Current assets"),
        ("subtotal", "Total current assets"),
        ("subtotal", "Total assets"),
        ("heading", "Current liabilities"),
        ("subtotal", "Total current liabilities"),
        ("subtotal", "Total liabilities"),
        ("heading", "Net assets"),
        ("subtotal", "Total net assets"),
        ("total", "Total liabilities and net assets"),
    ]
    # Every asset and liability is current (a policy of the notes): non-current lines are nil.
    assert figures["Non-current assets"] == figures["Non-current liabilities"] == 0
    assert figures["Total current assets"] == figures["Total assets"]
    assert st.signature
    assert st.rows[-1]["_style"] == "total"
    assert st.totals is None
    assert {key: st.summary[key] for key in ("as_of", "total_assets", "total_liabilities")} == {
        "as_of": "2026-03-31",
        "total_assets": 15472556,
        "total_liabilities": 1408432,
    }
    assert st.summary["net_assets"] == 14064124
    assert st.summary["fund_balance"] == 975000
    assert st.summary["unclosed_surplus"] == 13089124

    # At the end of 2025: the year's result is closed into the fund balance.
    before = statement(small, "financial-position", as_of=date(2025, 12, 31))
    assert before.summary["total_assets"] == 950000
    assert by_code(before)["3000"] == 950000
    assert lines(before)["Surplus (deficit) not yet closed"] == 0

    today = statement(small, "financial-position")
    assert today.meta.as_of == date.today()
    assert today.summary["total_assets"] == 15472556

    # Comparatives: beside the end of the previous fiscal year, as that position says itself.
    assert [c.title for c in st.columns] == ["Account", "Item", "2026-03-31", "2025-12-31"]
    assert st.summary["prior"]["as_of"] == "2025-12-31"
    for key in ("total_assets", "total_liabilities", "net_assets", "fund_balance"):
        assert st.summary["prior"][key] == {
            "amount": Money(before.summary[key], "EUR").amount_string(),
            "currency": "EUR",
        }
    assert {row["line"]: row["prior"] for row in st.rows if "prior" in row} == {
        row["line"]: row["amount"] for row in before.rows if "amount" in row
    }
    assert any("as of 2025-12-31, the end of the previous fiscal year" in n for n in st.notes)


def test_non_cash_assets_under_seizure_are_a_note_not_fund_assets(small):
    march = statement(small, "financial-position", as_of=date(2026, 3, 31))
    # The car was forfeited (and sold), the boat released: the flat and the jewellery remain.
    assert march.summary["seized_non_cash_assets"] == [
        {
            "currency": "EUR",
            "count": 1,
            "estimated_value": {"amount": "150000.00", "currency": "EUR"},
        },
        {
            "currency": "USD",
            "count": 1,
            "estimated_value": {"amount": "5000.00", "currency": "USD"},
        },
    ]
    assert any(
        "1 non-cash asset with an estimated value of EUR 150,000.00" in n for n in march.notes
    )
    assert any("1 non-cash asset with an estimated value of USD 5,000.00" in n for n in march.notes)
    # At the end of January the car and the boat were still under seizure too.
    january = statement(small, "financial-position", as_of=date(2026, 1, 31))
    assert january.summary["seized_non_cash_assets"][0] == {
        "currency": "EUR",
        "count": 3,
        "estimated_value": {"amount": "178000.00", "currency": "EUR"},
    }
    # Seized cash is in the books (1010 / 2100), so it is not in the note.
    assert by_code(january)["1010"] == by_code(january)["2100"] == 5010000
    before = statement(small, "financial-position", as_of=date(2025, 12, 31))
    assert before.summary["seized_non_cash_assets"] == []
    assert any("No non-cash assets were under seizure" in note for note in before.notes)


# -- statement of financial performance ----------------------------------------------------


def test_financial_performance(small):
    st = statement(small, "financial-performance", **Q1)
    assert st.title == "Statement of financial performance"
    assert (st.meta.date_from, st.meta.date_to) == (date(2026, 1, 1), date(2026, 3, 31))
    assert by_code(st) == {
        "4000": 6810000,  # 50,100.00 cash + 18,000.00 car
        "4100": 100000,
        "4200": 10084459,  # 100,000.00 + USD 1,000 at 1.184
        "4300": 4567,
        "4400": 280,  # the USD account's revaluation
        "5000": 3747386,  # 8,473.86 + 30,000.00 - 1,000.00 cancelled
        "5100": 0,
        "5200": 30000,
        "5300": 1750,  # 15.00 + 2.50 (the returned payment keeps its fee)
        "5400": 11046,
        "5500": 120000,
    }
    figures = lines(st)
    assert figures["Total revenue"] == 16999306
    assert figures["Total expenses"] == 3910182
    assert figures["Surplus (deficit) for the period"] == 13089124
    assert st.rows[-1]["_style"] == "total"
    assert st.totals is None
    assert {k: v for k, v in st.summary.items() if k != "prior"} == {
        "from": "2026-01-01",
        "to": "2026-03-31",
        "total_revenue": 16999306,
        "total_expenses": 3910182,
        "surplus": 13089124,
    }
    assert st.summary["prior"]["from"] == "2025-01-01"  # the same span a year earlier: empty
    assert st.summary["prior"]["surplus"] == {"amount": "0.00", "currency": "EUR"}
    assert st.signature

    # The close of 2025 (4200 / 5500, 3000, dated 31 December) is not revenue or cost.
    year = statement(
        small, "financial-performance", date_from=date(2025, 1, 1), date_to=date(2025, 12, 31)
    )
    assert by_code(year)["4200"] == 1000000
    assert by_code(year)["5500"] == 50000
    assert year.summary["surplus"] == 950000
    # Without from: the fiscal year (January here) to the end date.
    to_date = statement(small, "financial-performance", date_to=date(2026, 3, 31))
    assert to_date.meta.date_from == date(2026, 1, 1)
    assert to_date.summary == st.summary
    everything = statement(
        small, "financial-performance", date_from=date(2025, 1, 1), date_to=date(2026, 3, 31)
    )
    assert everything.summary["total_revenue"] == 17999306
    assert everything.summary["total_expenses"] == 3960182
    assert everything.summary["surplus"] == 14039124


# -- statement of changes in net assets ----------------------------------------------------


def test_changes_in_net_assets(small):
    st = statement(small, "net-assets", **Q1)
    assert st.title == "Statement of changes in net assets"
    assert st.signature
    rows = {row["line"]: row for row in st.rows if row["_period"] == "current"}
    opening = rows["Net assets at 2025-12-31"]
    assert (opening["fund_balance"], opening["unclosed"], opening["total"]) == (950000, 0, 950000)
    assert rows["Surplus (deficit) for the period"]["total"] == 13089124
    assert rows["Other movements directly in net assets"]["total"] == 25000  # 1000 / 3000
    assert "Result of a closed year transferred to fund balance" not in rows
    closing_row = rows["Net assets at 2026-03-31"]
    assert closing_row["_style"] == "total"
    assert (closing_row["fund_balance"], closing_row["unclosed"], closing_row["total"]) == (
        975000,
        13089124,
        14064124,
    )
    s = st.summary
    assert (s["opening_net_assets"], s["surplus"], s["other_movements_in_net_assets"]) == (
        950000,
        13089124,
        25000,
    )
    assert (
        s["opening_net_assets"] + s["surplus"] + s["other_movements_in_net_assets"]
        == (s["closing_net_assets"])
    )
    assert s["closing_net_assets"] == 14064124

    # The comparative period, Q1 2025, is a block of rows of its own, above the current one.
    assert [row["line"] for row in st.rows if row["_period"] == "prior"] == [
        "Period 2025-01-01 to 2025-03-31",
        "Net assets at 2024-12-31",
        "Surplus (deficit) for the period",
        "Other movements directly in net assets",
        "Net assets at 2025-03-31",
    ]
    assert st.summary["prior"]["closing_net_assets"] == {"amount": "0.00", "currency": "EUR"}

    # Across both years: both results, and the close moving 2025's into 3000.
    across = statement(small, "net-assets", date_from=date(2025, 1, 1), date_to=date(2026, 3, 31))
    rows = {row["line"]: row for row in across.rows if row["_period"] == "current"}
    assert rows["Net assets at 2024-12-31"]["total"] == 0
    assert rows["Surplus (deficit) for the period"]["unclosed"] == 14039124
    moved = rows["Result of a closed year transferred to fund balance"]
    assert (moved["fund_balance"], moved["unclosed"], moved["total"]) == (950000, -950000, 0)
    closing_row = rows["Net assets at 2026-03-31"]
    for column in ("fund_balance", "unclosed", "total"):  # every column adds up
        body = sum(row.get(column, 0) for row in rows.values() if row is not closing_row)
        assert body == closing_row[column], column
    assert across.summary["closing_net_assets"] == 14064124


# -- cash-flow statement -------------------------------------------------------------------


def test_cash_flow(small):
    st = statement(small, "cash-flow", **Q1)
    assert st.title == "Cash-flow statement"
    assert st.signature
    assert lines(st) == {
        "Donations and grants received": 10084459,
        "Interest received": 4567,
        "Forfeited cash received": 5010000,
        "Compensation paid to victims": -2850000,  # 20,000 + 3,500 + 5,000
        "Payments returned undelivered": 500000,
        "Bank charges": -1750,
        "Custody and disposal costs": -30000,
        "Administrative costs": -120000,
        "Other movements": 0,
        "Net cash from operating activities": 12597276,
        "Proceeds from sale of forfeited assets": 1900000,  # investing: the car, net of costs
        "Net cash from investing activities": 1900000,
        # financing: the predecessor fund's balance (1000 / 3000)
        "Contributions to (distributions from) net assets": 25000,
        "Net cash from financing activities": 25000,
        "Effect of exchange-rate changes on cash held": 280,
        "Net increase (decrease) in cash": 14522556,
        "Cash at beginning of period": 950000,
        "Cash at end of period": 15472556,
        # The reconciliation, ending at the operating cash flow above:
        "Surplus (deficit) for the period": 13089124,
        "Forfeited non-cash assets recognised as revenue": -1800000,  # the car, 18,000.00
        "(Gain) loss on disposal of forfeited assets (investing)": -100000,
        "Exchange differences on cash held": -280,
        "Increase (decrease) in awards payable": 1408432,  # 0 at 2025-12-31, 14,084.32 now
    }
    # 13,089,124 - 1,800,000 - 100,000 - 280 + 1,408,432 = 12,597,276
    recon = [row for row in st.rows if row.get("_section") == "reconciliation"]
    assert recon[0]["_style"] == "heading" and recon[-1]["_style"] == "total"
    assert sum(row["amount"] for row in recon[1:-1]) == recon[-1]["amount"] == 12597276
    assert st.rows[-1] is recon[-1]
    assert (
        st.summary["surplus"] == statement(small, "financial-performance", **Q1).summary["surplus"]
    )
    assert st.summary["opening_cash"] == 950000
    assert st.summary["net_operating_cash"] == 12597276
    assert st.summary["net_investing_cash"] == 1900000
    assert st.summary["net_financing_cash"] == 25000
    assert st.summary["net_change_in_cash"] == 14522556
    assert st.summary["closing_cash"] == 15472556
    assert any("proceeds from the sale of forfeited assets" in note for note in st.notes)
    assert st.summary["bank_accounts"] == [
        {
            "code": "1000",
            "name": "Fund bank account",
            "balance": {"amount": "153878.17", "currency": "EUR"},
            "functional": {"amount": "153878.17", "currency": "EUR"},
        },
        {
            "code": "1001",
            "name": "Fund bank account (USD)",
            "balance": {"amount": "1000.00", "currency": "USD"},
            "functional": {"amount": "847.39", "currency": "EUR"},
        },
    ]
    assert any("USD 1,000.00 carried at EUR 847.39" in note for note in st.notes)
    printed_lines = pdf_lines(b"".join(render(st, "pdf")))
    for note in st.notes:  # printed whole, not cut short with an ellipsis
        assert " ".join(note.split()) in " ".join(printed_lines), note

    # Comparatives: December 2026 beside December 2025, as December 2025 says itself.
    december = statement(
        small, "cash-flow", date_from=date(2026, 12, 1), date_to=date(2026, 12, 31)
    )
    then = statement(small, "cash-flow", date_from=date(2025, 12, 1), date_to=date(2025, 12, 31))
    assert [c.title for c in december.columns][1:] == [
        "2026-12-01 \u2013 2026-12-31",
        "2025-12-01 \u2013 2025-12-31",
    ]
    assert [(r["line"], r["prior"]) for r in december.rows if "prior" in r] == [
        (r["line"], r["amount"]) for r in then.rows if "amount" in r
    ]
    assert lines(then)["Donations and grants received"] == 1000000
    assert lines(then)["Cash at end of period"] == 950000
    assert december.summary["prior"]["closing_cash"] == {"amount": "9500.00", "currency": "EUR"}

    february = lines(
        statement(small, "cash-flow", date_from=date(2026, 2, 1), date_to=date(2026, 2, 28))
    )
    assert february["Cash at beginning of period"] == 10830000
    assert february["Donations and grants received"] == 84459
    assert february["Forfeited cash received"] == 5010000
    assert february["Compensation paid to victims"] == -2000000
    assert february["Effect of exchange-rate changes on cash held"] == 280
    assert february["Cash at end of period"] == 13894739

    everything = lines(
        statement(small, "cash-flow", date_from=date(2025, 1, 1), date_to=date(2026, 3, 31))
    )
    assert everything["Cash at beginning of period"] == 0
    assert everything["Donations and grants received"] == 11084459
    assert everything["Administrative costs"] == -170000
    assert everything["Cash at end of period"] == 15472556


# -- reversals and bad periods -------------------------------------------------------------


def test_a_reversal_counts_where_the_entry_it_reverses_counted(small):
    def reverse(event: str, day: date) -> None:
        number = small.scalar(select(JournalEntry.number).where(JournalEntry.event == event))
        reverse_entry(small, number, value_date=day, memo=f"{event} undone", actor=ADMIN)
        small.commit()

    april = {"date_from": date(2026, 4, 1), "date_to": date(2026, 4, 30)}
    # Undoing the revaluation of the USD account is an exchange-rate effect, not an "other".
    reverse("fx.revalued", date(2026, 4, 2))
    flows = lines(statement(small, "cash-flow", **april))
    assert flows["Effect of exchange-rate changes on cash held"] == -280
    assert flows["Other movements"] == 0
    assert flows["Cash at end of period"] == 15472556 - 280
    assert by_code(statement(small, "financial-performance", **april))["4400"] == -280

    # Undoing the close of 2025 is no more revenue or cost than the close was.
    reverse("year.closed", date(2026, 4, 3))
    assert statement(small, "financial-performance", **april).summary["surplus"] == -280
    changes = statement(small, "net-assets", **april)
    rows = {row["line"]: row for row in changes.rows}
    moved = rows["Result of a closed year transferred to fund balance"]
    assert (moved["fund_balance"], moved["unclosed"], moved["total"]) == (-950000, 950000, 0)
    s = changes.summary
    assert s["closing_net_assets"] == s["opening_net_assets"] - 280
    position = statement(small, "financial-position", as_of=date(2026, 4, 30))
    assert by_code(position)["3000"] == 25000
    assert lines(position)["Surplus (deficit) not yet closed"] == 950000 + 13089124 - 280


def test_a_period_that_ends_before_it_starts_is_refused(db):
    for slug in ("financial-performance", "net-assets", "cash-flow"):
        with pytest.raises(Invalid) as refused:
            statement(db, slug, date_from=date(2026, 3, 1), date_to=date(2026, 2, 1))
        assert "from" in refused.value.errors


# -- the demo fund -------------------------------------------------------------------------


def money(cell) -> int:
    """Minor units of a JSON money object (or of a bare integer, as some summaries are)."""
    if isinstance(cell, int):
        return cell
    assert cell["currency"] == "EUR", cell
    return Money.parse(cell["amount"], "EUR", allow_negative=True).minor


def pdf_lines(pdf: bytes) -> list[str]:
    """The PDF's text, line by line as laid out, with runs of spaces collapsed."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    text = "\n".join(page.extract_text(extraction_mode="layout") for page in pages)
    return [" ".join(line.split()) for line in text.splitlines()]


def printed(minor: int) -> str:
    """An amount as the PDF prints it: grouped, negatives in brackets."""
    text = format_amount(Money(abs(minor), "EUR"))
    return f"({text})" if minor < 0 else text


def test_demo_fund_by_hand_and_in_every_format(runner, client, token_for, db):
    assert runner.invoke(args=["demo"]).exit_code == 0
    tb = {line.code: line.balance for line in trial_balance(db).lines}

    flows = statement(db, "cash-flow")
    assert lines(flows) == {
        "Donations and grants received": 15250000,  # grant 150,000 + donation 2,500
        "Interest received": 8412,
        "Forfeited cash received": 18266235,  # 182,450.00 + 212.35 escrow interest
        "Compensation paid to victims": -6951000,  # 20,000 + 25,000 + 16,120 + 8,390
        "Payments returned undelivered": 839000,
        "Bank charges": -5550,  # 12.50 + 25.00 + 18.00
        "Custody and disposal costs": -280000,  # 1,850 + 950
        "Administrative costs": -320000,
        "Other movements": 0,
        "Net cash from operating activities": 26807097,
        "Proceeds from sale of forfeited assets": 10490000,  # 38,900 + 42,300 + 23,700
        "Net cash from investing activities": 10490000,
        "Contributions to (distributions from) net assets": 0,
        "Net cash from financing activities": 0,
        "Effect of exchange-rate changes on cash held": 0,
        "Net increase (decrease) in cash": 37297097,
        "Cash at beginning of period": 0,
        "Cash at end of period": 37297097,
        "Surplus (deficit) for the period": 29709974,
        "Forfeited non-cash assets recognised as revenue": -10740000,  # 41,000 + 27,500 + 38,900
        "(Gain) loss on disposal of forfeited assets (investing)": 250000,  # 3,800 - 1,300
        "Exchange differences on cash held": 0,
        "Increase (decrease) in awards payable": 7587123,
    }
    assert flows.summary["surplus"] == 29709974
    assert tb["1000"] == 37297097
    position = statement(db, "financial-position")
    assert position.summary["total_assets"] == 37297097
    assert position.summary["total_liabilities"] == -tb["2000"]
    # The flat (250,000.00) and the securities (12,000.00) are still under seizure.
    assert position.summary["seized_non_cash_assets"] == [
        {
            "currency": "EUR",
            "count": 2,
            "estimated_value": {"amount": "262000.00", "currency": "EUR"},
        }
    ]
    performance = by_code(statement(db, "financial-performance"))
    assert performance["4000"] == 29006235  # 182,662.35 + 41,000 + 27,500 + 38,900
    assert performance["4100"] == 130000  # the car: 42,300 net against 41,000
    assert performance["5100"] == 380000  # the coins: 23,700 net against 27,500
    assert performance["5200"] == 280000
    assert performance["5300"] == 5550

    expected = {slug: statement(db, slug) for slug in SLUGS}
    db.commit()
    for role in ("administrator", "auditor"):
        headers = auth(token_for(role))
        for slug in SLUGS:
            got = {}
            for fmt, content_type in TYPES.items():
                response = client.get(f"/api/v1/reports/{slug}?format={fmt}", headers=headers)
                assert response.status_code == 200, (role, slug, fmt, response.data[:300])
                assert response.headers["Content-Type"] == content_type, (slug, fmt)
                got[fmt] = response.data
            _check_formats(expected[slug], got)
    headers = auth(token_for("auditor"))
    backwards = client.get(
        "/api/v1/reports/cash-flow?from=2026-03-01&to=2026-02-01", headers=headers
    )
    assert backwards.status_code == 422
    assert "from" in backwards.get_json()["errors"]
    court = client.get("/api/v1/reports/financial-position", headers=auth(token_for("court")))
    assert court.status_code == 403


def _check_formats(expected, got: dict[str, bytes]) -> None:
    """JSON, PDF, CSV and XLSX all say what the statement built in Python says."""
    document = json.loads(got["json"])
    assert document["statement"] == expected.slug
    assert document["title"] == expected.title
    assert document["head_hash"] == expected.meta.head_hash
    amount_keys = [c.key for c in expected.columns if c.is_amount]
    structure = [line for line in document["lines"] if line.get("style") in ("subtotal", "total")]
    want = [row for row in expected.rows if row.get("_style") in ("subtotal", "total")]
    assert structure and [line["line"] for line in structure] == [row["line"] for row in want]
    for line, row in zip(structure, want, strict=True):
        for key in amount_keys:
            if key in row:
                assert money(line[key]) == row[key], (expected.slug, line)
    for key, value in expected.summary.items():
        if isinstance(value, int) and not isinstance(value, bool):
            # Every money figure of the JSON says its currency (figures() made it minor units).
            assert document[key] == Money(value, "EUR").as_json(), (expected.slug, key)

    # The PDF prints each subtotal and total with the JSON's figures, on the same line.
    printed_lines = pdf_lines(got["pdf"])
    assert f"Journal head hash {document['head_hash']}" in printed_lines
    pages = len(PdfReader(io.BytesIO(got["pdf"])).pages)
    assert any(line.endswith(f"Page 1 of {pages}") for line in printed_lines)
    shown_keys = [c.key for c in expected.columns if c.key != "line"]
    for line in structure:
        figures = " ".join(
            printed(money(line[key])) if key in amount_keys else str(line[key])
            for key in shown_keys
            if key in line
        )
        assert f"{line['line']} {figures}" in printed_lines, (expected.slug, line, printed_lines)
    for note in expected.notes:  # whole, not cut short with an ellipsis
        assert " ".join(note.split()) in " ".join(printed_lines), (note, printed_lines)

    # CSV and XLSX: the table, its last line with the JSON's exact decimal amounts (the
    # stamp is in the response headers, the XLSX "About" sheet and the file name).
    text = got["csv"].decode("utf-8")
    rows = [row for row in csv.reader(io.StringIO(text)) if row]
    assert not rows[0][0].startswith("#")  # the header row comes first
    final = rows[-1]
    assert document["lines"][-1]["line"] in final
    for key in amount_keys:
        if key in document["lines"][-1]:
            assert document["lines"][-1][key]["amount"] in final, (expected.slug, key, final)
    book = load_workbook(io.BytesIO(got["xlsx"]), read_only=True)
    sheet = book["Statement"] if "Statement" in book.sheetnames else book.active
    last = [c for c in list(sheet.iter_rows(values_only=True))[-1] if c is not None]
    assert document["lines"][-1]["line"] in last
    for key in amount_keys:
        if key in document["lines"][-1]:
            want = Decimal(document["lines"][-1][key]["amount"])
            assert any(
                str(c) == str(want)
                or (isinstance(c, int | float | Decimal) and Decimal(str(c)) == want)
                for c in last
            ), (expected.slug, key, last)


# -- notes to the financial statements -----------------------------------------------------


def test_notes_tie_to_the_face_of_the_statements(small):
    day = date(2026, 3, 31)
    notes = statement(small, "notes", as_of=day)
    assert notes.title == "Notes to the financial statements" and notes.signature
    position = by_code(statement(small, "financial-position", as_of=day))
    rows = {
        row["line"]: row for row in notes.rows if "_style" not in row or row["_style"] != "text"
    }
    cash = rows["Cash (statement of financial position and cash-flow statement)"]["amount"]
    assert cash == position["1000"] + position["1001"] == notes.summary["cash"]
    assert cash == statement(small, "cash-flow", **Q1).summary["closing_cash"]
    assert rows["1001 Fund bank account (USD)"]["original"] == 100000  # USD 1,000.00
    for table in ("by status", "by age"):
        assert rows[f"Awards payable, {table}"]["amount"] == position["2000"]
    assert rows["Partially paid"]["count"] == 2
    assert rows["Awards payable in USD"]["original"] == 600000  # USD 10,000 - 4,000
    assert rows["Awards payable in USD"]["amount"] == 508432  # 8,473.86 - 3,389.54
    # Seized and not forfeited: the flat and the jewellery, by kind, labelled for people.
    assert rows["Real estate"]["original"] == 15000000 and rows["Real estate"]["count"] == 1
    assert rows["Other"]["currency"] == "USD"
    texts = " ".join(row["line"] for row in notes.rows if row.get("_style") == "text")
    for policy in ("Functional and presentation currency: EUR", "Foreign currency:",
                   "Forfeiture:", "Awards:", "payable on demand", "are investing"):  # fmt: skip
        assert policy in texts
    assert "€" not in texts and "real_estate" not in texts
    assert "EUR 14,084.32" in texts  # awards payable, in the one money notation
