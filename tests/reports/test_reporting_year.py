"""The reporting year and the DRAFT/FINAL stamp, as every door asks for them.

A period statement asked for without ``from`` covers the fiscal year that holds its ``to``
date (``FUNDLEDGER_FISCAL_YEAR_START``, January by default); a statement is FINAL only when
every month it covers is closed, and says which months are not.
"""

from __future__ import annotations

from datetime import date

import pytest

from app.config import settings_from_env
from reports.context import ReportRequest, fiscal_year_begin, months_between
from reports.statements import build_statement
from tests.conftest import named
from tests.reports.test_financial import build_small_fund


@pytest.mark.parametrize(
    ("day", "start", "begins"),
    [
        (date(2026, 3, 15), 1, date(2026, 1, 1)),
        (date(2026, 3, 15), 4, date(2025, 4, 1)),
        (date(2026, 4, 1), 4, date(2026, 4, 1)),
        (date(2026, 12, 31), 7, date(2026, 7, 1)),
        (date(2026, 6, 30), 7, date(2025, 7, 1)),
    ],
)
def test_the_fiscal_year_that_holds_a_day(day, start, begins):
    assert fiscal_year_begin(day, start) == begins


def test_months_between_cross_a_year():
    assert months_between(date(2025, 11, 30), date(2026, 2, 1)) == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]


def test_the_setting_is_a_month_number(tmp_path):
    assert settings_from_env(str(tmp_path), {})["FISCAL_YEAR_START"] == 1
    env = {"FUNDLEDGER_FISCAL_YEAR_START": "7"}
    assert settings_from_env(str(tmp_path), env)["FISCAL_YEAR_START"] == 7
    for wrong in ("0", "13", "July", "-1"):
        with pytest.raises(RuntimeError, match="FUNDLEDGER_FISCAL_YEAR_START"):
            settings_from_env(str(tmp_path), {"FUNDLEDGER_FISCAL_YEAR_START": wrong})


def test_a_period_defaults_to_its_fiscal_year_and_names_its_open_months(db):
    build_small_fund(db)  # 2025 closed by its year-end close; 2026 open
    asked = ReportRequest(actor=named("auditor"), date_to=date(2026, 3, 31), fiscal_year_start=4)
    performance = build_statement(db, "financial-performance", asked)
    assert performance.meta.date_from == date(2025, 4, 1)
    assert performance.meta.open_months == ("2026-01", "2026-02", "2026-03")
    assert performance.meta.status_label == "DRAFT — not closed: 2026-01 to 2026-03"
    assert not performance.meta.is_final
    assert ("Status", "DRAFT — not closed: 2026-01 to 2026-03") in performance.about()
    assert performance.filename("pdf") == (
        f"financial-performance_2025-04-01_2026-03-31_{performance.meta.head_hash[:8]}.pdf"
    )
    assert performance.headers()["X-Statement-Status"] == "DRAFT - not closed: 2026-01 to 2026-03"


def test_a_statement_of_closed_months_is_final(db):
    build_small_fund(db)
    year = ReportRequest(actor=named("auditor"), date_to=date(2025, 12, 31))
    performance = build_statement(db, "financial-performance", year)
    assert performance.meta.date_from == date(2025, 1, 1)
    assert performance.meta.is_final and performance.meta.status_label == "FINAL"
    position = build_statement(
        db, "financial-position", ReportRequest(actor=named("auditor"), as_of=date(2025, 12, 31))
    )
    assert position.meta.status_label == "FINAL"
    later = build_statement(
        db, "financial-position", ReportRequest(actor=named("auditor"), as_of=date(2026, 2, 10))
    )
    assert later.meta.status_label == "DRAFT — not closed: 2026-01 to 2026-02"


def test_every_door_uses_the_configured_fiscal_year(app, client, token_for, db):
    build_small_fund(db)
    db.commit()
    app.config["FISCAL_YEAR_START"] = 4
    response = client.get(
        "/api/v1/reports/financial-performance?to=2026-03-31&format=csv",
        headers={"Authorization": f"Bearer {token_for('auditor')}"},
    )
    assert response.status_code == 200
    assert response.headers["X-Statement-Period"] == "2025-04-01_2026-03-31"
    disposition = response.headers["Content-Disposition"]
    assert "financial-performance_2025-04-01_2026-03-31_" in disposition
    assert response.get_data(as_text=True).splitlines()[0].startswith("Account,")


@pytest.mark.parametrize(
    ("slug", "query", "field"),
    [
        ("cash-flow", "from=0001-01-01&to=0001-06-30", "from"),
        ("financial-position", "as_of=0001-03-01", "as_of"),
        ("net-assets", "to=0001-12-31", "to"),
        ("journal", "from=2026-01-01&to=3000-01-01", "to"),
    ],
)
def test_a_date_out_of_range_is_refused_beside_its_field(client, token_for, db, slug, query, field):
    """The comparatives reach a year back: year 1 has none, and must be a 422, not a 500."""
    build_small_fund(db)
    db.commit()
    response = client.get(
        f"/api/v1/reports/{slug}?{query}",
        headers={"Authorization": f"Bearer {token_for('auditor')}"},
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]
