"""Spreadsheet imports: all or nothing, with a row-by-row report."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from sqlalchemy import func, select

from ledger.cases import open_case
from ledger.fx import import_ecb_csv
from ledger.models import Award, CashMovement, JournalEntry
from ledger.pii import PiiCipher, generate_key
from ledger.victims import PaymentDetails, register_victim
from tests.conftest import DATA, OPERATOR, auth, named

HEADER = "case_reference,victim_code,order_reference,ordered_on,amount,currency\n"


@pytest.fixture
def fund(session_factory):
    from datetime import date

    with session_factory.begin() as session:
        import_ecb_csv(session, OPERATOR, (DATA / "eurofxref-hist-sample.csv").read_text(), "test")
        open_case(
            session,
            actor=named("a"),
            reference="CR-1",
            court="Court",
            title="T",
            jurisdiction="PT",
            opened_on=date(2026, 1, 2),
        )
        cipher = PiiCipher.from_setting(generate_key())
        for name in ("One", "Two"):
            register_victim(
                session,
                cipher,
                actor=named("a"),
                full_name=name,
                date_of_birth=None,
                contact=None,
                country_of_residence="PT",
                returned_home=False,
                payment=PaymentDetails("cash", "EUR"),
            )


def count(session_factory, model) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_cli_imports_awards_from_csv(fund, runner, tmp_path, session_factory):
    path = tmp_path / "awards.csv"
    path.write_text(
        HEADER + "CR-1,V-000001,A-1,2026-02-02,1000.00,EUR\n"
        "CR-1,V-000002,A-2,2026-02-02,50000.00,THB\n"
    )
    result = runner.invoke(args=["import", "awards", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 awards imported" in result.output
    assert count(session_factory, Award) == 2


def test_one_bad_row_imports_nothing_and_reports_every_problem(
    fund, runner, tmp_path, session_factory
):
    path = tmp_path / "awards.csv"
    path.write_text(
        HEADER + "CR-1,V-000001,A-1,2026-02-02,1000.00,EUR\n"
        "CR-9,V-000002,A-2,2026-02-30,10.555,EUR\n"
        "CR-1,V-000404,A-3,2026-02-02,1e3,ZZZ\n"
    )
    result = runner.invoke(args=["import", "awards", str(path)])
    assert result.exit_code == 1
    assert "row 3, case_reference" in result.output
    assert "row 4, victim_code" in result.output
    assert count(session_factory, Award) == 0
    assert count(session_factory, JournalEntry) == 0


def test_xlsx_and_the_api_for_a_court(fund, client, token_for, session_factory):
    frame = pd.DataFrame(
        [
            {
                "case_reference": "CR-1",
                "victim_code": "V-000001",
                "order_reference": "X-1",
                "ordered_on": "2026-02-02",
                "amount": "250.50",
                "currency": "EUR",
            }
        ]
    )
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    court = token_for("court")
    response = client.post(
        "/api/v1/awards/import",
        headers=auth(court),
        data={"file": (io.BytesIO(buffer.getvalue()), "awards.xlsx")},
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["imported"] == 1
    mine = client.get("/api/v1/awards", headers=auth(court)).get_json()
    assert mine["total"] == 1 and mine["items"][0]["amount"]["amount"] == "250.50"
    again = client.post(
        "/api/v1/awards/import",
        headers=auth(court),
        data={"file": (io.BytesIO(buffer.getvalue()), "awards.xlsx")},
    )
    assert again.status_code == 422
    body = again.get_json()
    assert body["rows"] == [
        {"row": 2, "column": "order_reference", "message": "already registered for this victim"}
    ]
    assert count(session_factory, Award) == 1
    refused = client.post(
        "/api/v1/awards/import",
        headers=auth(token_for("auditor")),
        data={"file": (io.BytesIO(b"x"), "a.csv")},
    )
    assert refused.status_code == 403


def test_unreadable_or_wrongly_shaped_files(fund, client, token_for):
    admin = token_for("administrator")
    for data, name, field in (
        (b"\x00\x01garbage", "a.xlsx", "file"),
        (b"a,b\n1,2\n", "a.csv", "row 1.case_reference"),
        (HEADER.encode(), "a.csv", "row 2."),
        (b"x", "a.txt", "file"),
    ):
        response = client.post(
            "/api/v1/awards/import", headers=auth(admin), data={"file": (io.BytesIO(data), name)}
        )
        assert response.status_code == 422, (name, response.get_json())
        assert field in response.get_json()["errors"], response.get_json()
    missing = client.post("/api/v1/awards/import", headers=auth(admin))
    assert missing.status_code == 422 and "file" in missing.get_json()["errors"]


def test_historical_receipts_and_expenses(fund, runner, tmp_path, session_factory):
    receipts = tmp_path / "receipts.csv"
    receipts.write_text(
        "kind,received_on,amount,currency,counterparty,case_reference\n"
        "grant,2026-01-05,1000.00,EUR,EU fund,\n"
        "donation,2026-01-06,50.00,EUR,A donor,CR-1\n"
    )
    assert runner.invoke(args=["import", "receipts", str(receipts)]).exit_code == 0
    expenses = tmp_path / "expenses.csv"
    expenses.write_text(
        "kind,paid_on,amount,currency,counterparty\n"
        "administrative,2026-01-07,20.00,EUR,Office\n"
        "bank_charges,2026-01-07,5000.00,EUR,Bank\n"
    )
    result = runner.invoke(args=["import", "expenses", str(expenses)])
    assert result.exit_code == 1  # the second row would overdraw the bank account
    assert "row 3" in result.output
    assert count(session_factory, CashMovement) == 2
