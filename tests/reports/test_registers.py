"""Register statements tie to the journal, respect courts' limits and never carry PII."""

from __future__ import annotations

import io
import itertools
import json

import pytest
from sqlalchemy import select

from ledger.balances import current_balances
from ledger.models import Award, SubledgerBalance, User, Victim
from tests.conftest import OPERATOR, auth

SLUGS = {
    "trial-balance": "",
    "financial-position": "",
    "financial-performance": "",
    "net-assets": "",
    "cash-flow": "",
    "general-ledger": "&account=1000",
    "journal": "",
    "awards-register": "",
    "asset-register": "",
    "victim-statement": "&victim_id=2",
    "case-statement": "&case_id=1",
}
PII = [
    "Ana Ferreira",
    "Somchai",
    "Wongsakul",
    "Maria Santos",
    "Ioana",
    "Popescu",
    "Elena Rusu",
    "PT50000201231234567890154",
    "RO49AAAA1B31007593840000",
    "123-4-56789-0",
    "+351 912 000 001",
    "ioana@example.org",
    "MSN-2026-031",
    "1994-05-17",
]


@pytest.fixture
def demo(runner, db):
    """The demo fund; tests read it through ``db`` and must not keep its transaction open.

    On SQLite every transaction takes the write lock (BEGIN IMMEDIATE), so a
    session left in a read would block the requests the test makes.
    """
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return db


def get_json(client, token, slug, extra=""):
    response = client.get(f"/api/v1/reports/{slug}?format=json{extra}", headers=auth(token))
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data(as_text=True))


def minor(money: dict | None) -> int:
    if money is None:
        return 0
    whole, _, frac = money["amount"].lstrip("-").partition(".")
    value = int(whole + frac.ljust(2, "0"))
    return -value if money["amount"].startswith("-") else value


def test_awards_register_ties_to_awards_payable(demo, client, token_for):
    token = token_for("auditor")
    register = get_json(client, token, "awards-register")
    balances = current_balances(demo)
    demo.rollback()
    grand = register["total_lines"][-1]  # after one closing line per award currency
    assert grand["award"] == "Total carrying value"
    assert minor(grand["carrying"]) == -balances["2000"]
    assert sum(minor(line["carrying"]) for line in register["lines"]) == -balances["2000"]
    by_award = {line["award"]: line for line in register["lines"]}
    for row in demo.scalars(select(SubledgerBalance)):
        assert minor(by_award[row.award_id]["carrying"]) == -row.balance
        assert minor(by_award[row.award_id]["outstanding"]) == -row.original_balance
    returned = [line for line in register["lines"] if "returned" in line["status"]]
    assert len(returned) == 1 and returned[0]["residence"] == "foreign"
    assert {line["residence"] for line in register["lines"]} == {"domestic", "foreign"}
    assert register["ageing"] and register["head_hash"] and register["entries"] > 0


def test_asset_register_ties_to_held_for_sale_and_escrow(demo, client, token_for):
    register = get_json(client, token_for("auditor"), "asset-register")
    balances = current_balances(demo)
    assert minor(register["totals"]["carrying"]) == balances["1100"]
    assert minor(register["totals"]["escrow"]) == balances["1010"]
    states = {line["state"] for line in register["lines"]}
    assert states == {"Seized", "Forfeited", "Sold", "Released"}
    assert any("not fund assets" in note for note in register["notes"])


def test_victim_statement_ties_to_the_victims_awards(demo, client, token_for):
    statement = get_json(client, token_for("auditor"), "victim-statement", "&victim_id=2")
    awards = demo.scalars(select(Award.id).where(Award.victim_id == 2)).all()
    carried = sum(
        -row.balance
        for row in demo.scalars(
            select(SubledgerBalance).where(SubledgerBalance.award_id.in_(awards))
        )
    )
    assert sum(minor(line["functional"]) for line in statement["total_lines"]) == carried
    assert statement["victim"] == "V-000002"


def test_case_statement_lists_assets_results_and_awards(demo, client, token_for):
    statement = get_json(client, token_for("auditor"), "case-statement", "&case_id=1")
    items = [line.get("item") for line in statement["lines"]]
    assert "Seized assets" in items and "Awards" in items and "4000" in items
    assert statement["case"] == "CR-2026-014"


def test_statements_need_their_parameters(demo, client, token_for):
    token = token_for("auditor")
    for slug, field in (
        ("general-ledger", "account"),
        ("victim-statement", "victim_id"),
        ("case-statement", "case_id"),
    ):
        response = client.get(f"/api/v1/reports/{slug}", headers=auth(token))
        assert response.status_code == 422
        assert field in response.get_json()["errors"]
    assert client.get("/api/v1/reports/no-such", headers=auth(token)).status_code == 404
    bad = client.get("/api/v1/reports/trial-balance?format=doc", headers=auth(token))
    assert bad.status_code == 422 and "format" in bad.get_json()["errors"]
    assert (
        client.get(
            "/api/v1/reports/victim-statement?victim_id=999", headers=auth(token)
        ).status_code
        == 422
    )


def test_a_court_sees_only_its_own_awards(demo, client, token_for):
    own = get_json(client, _court_token(demo, client), "awards-register")
    assert len(own["lines"]) == 5  # the demo court registered every award
    other = token_for("court")
    assert get_json(client, other, "awards-register")["lines"] == []
    assert client.get("/api/v1/reports/trial-balance", headers=auth(other)).status_code == 403
    assert (
        client.get("/api/v1/reports/victim-statement?victim_id=1", headers=auth(other)).status_code
        == 403
    )


def _court_token(db, client):
    from ledger.users import create_token

    name = db.scalar(select(User.name).where(User.role == "court"))
    token = create_token(db, OPERATOR, name)
    db.commit()
    return token


CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def test_every_statement_downloads_in_every_format_without_personal_data(demo, client, token_for):
    """For an administrator and an auditor alike; none carries a victim's personal data."""
    assert demo.scalar(select(Victim.id).where(Victim.code == "V-000002"))
    demo.rollback()
    tokens = {"administrator": token_for("administrator"), "auditor": token_for("auditor")}
    formats = ("json", "csv", "xlsx", "pdf")
    for (role, token), fmt, (slug, extra) in itertools.product(
        tokens.items(), formats, SLUGS.items()
    ):
        response = client.get(f"/api/v1/reports/{slug}?format={fmt}{extra}", headers=auth(token))
        assert response.status_code == 200, (role, slug, response.get_data(as_text=True)[:300])
        assert response.mimetype == CONTENT_TYPES[fmt], (slug, fmt)
        text = _text_of(response.data, fmt)
        if fmt != "csv":  # a CSV is its table alone: its stamp is in its name and headers
            assert "Victims' Compensation Fund" in text or "Test Compensation Fund" in text
        for secret in PII:
            assert secret not in text, (role, slug, fmt, secret)


def _text_of(data: bytes, fmt: str) -> str:
    if fmt == "pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    if fmt == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data), read_only=True)
        text = "\n".join(  # every sheet: the fund is named on "About"
            str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
        )
        book.close()
        return text
    return data.decode("utf-8")
