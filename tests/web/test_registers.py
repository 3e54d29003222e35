"""Cases and seized assets through their forms: valid, invalid, refused, confirmed, twice."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from ledger.models import Asset, Case, JournalEntry
from tests.web.conftest import dates


def count(session_factory, model) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_open_a_case(web, fund, session_factory):
    web.sign_in("alice")
    before = count(session_factory, Case)
    fields = {"reference": "CR-2026-300", "court": "Braga Criminal Court", "title": "State v. X",
              "jurisdiction": "PT", **dates("opened_on", date(2026, 3, 1))}  # fmt: skip
    page = web.submit("/cases/new", fields)
    assert page.status == 200 and page.heading.endswith("CR-2026-300"), page.title
    assert "Case CR-2026-300 opened." in page.banner
    assert count(session_factory, Case) == before + 1


def test_a_case_form_with_errors_names_each_field(web, fund, session_factory):
    web.sign_in("alice")
    bad_day = {"opened_on-day": "30", "opened_on-month": "2", "opened_on-year": "2026"}
    page = web.submit("/cases/new", {"reference": "", **bad_day})
    assert page.status == 422 and page.title.startswith("Error: ")
    summary = page.error_summary()
    assert {"reference", "court", "title", "jurisdiction", "opened_on-day"} <= set(summary)
    assert "real date" in page.error_beside("opened_on")
    assert page.soup.find(id="reference")["aria-invalid"] == "true"


def test_a_duplicate_reference_is_refused_beside_the_field(web, fund, session_factory):
    web.sign_in("alice")
    fields = {"reference": "CR-2026-014", "court": "c", "title": "t", "jurisdiction": "PT",
              **dates("opened_on", date(2026, 3, 1))}  # fmt: skip
    page = web.submit("/cases/new", fields)
    assert page.status == 422 and "already exists" in page.error_beside("reference")


def test_a_double_submitted_form_has_one_effect(web, fund, session_factory):
    web.sign_in("alice")
    form_page = web.get("/cases/new")
    fields = {"reference": "CR-2026-301", "court": "c", "title": "t", "jurisdiction": "PT",
              **dates("opened_on", date(2026, 3, 1))}  # fmt: skip
    before = count(session_factory, Case)
    first = web.send(form_page, fields, follow=False)
    second = web.send(form_page, fields, follow=False)  # the same form, the same one-time key
    assert first.status == second.status == 303
    assert second.response.location == first.response.location
    assert count(session_factory, Case) == before + 1


def test_forfeit_an_asset_through_its_confirmation_page(web, fund, session_factory):
    web.sign_in("alice")
    with session_factory() as session:
        flat = session.scalar(select(Asset).where(Asset.kind == "real_estate"))
    fields = {"order_reference": "FO-014/3", **dates("forfeited_on", date(2026, 3, 20)),
              "value": "240,000.00", "value-currency": "EUR"}  # fmt: skip
    confirm = web.submit(f"/assets/{flat.id}/forfeit", fields)
    assert confirm.status == 200 and "Check the forfeiture" in confirm.heading
    assert "1100" in confirm.text() and "EUR 240,000.00" in confirm.text()
    entries = count(session_factory, JournalEntry)
    done = web.confirm(confirm)
    assert done.status == 200 and "forfeited" in done.banner and "Journal entry" in done.banner
    assert count(session_factory, JournalEntry) == entries + 1
    again = web.confirm(confirm)  # back, and the same button once more
    assert count(session_factory, JournalEntry) == entries + 1
    assert again.status == 200


def test_a_refused_step_shows_its_reason_beside_the_field(web, fund, session_factory):
    web.sign_in("alice")
    with session_factory() as session:
        flat = session.scalar(select(Asset).where(Asset.kind == "real_estate"))
    fields = {"order_reference": "FO-1", **dates("forfeited_on", date(2025, 1, 1)),
              "value": "1000", "value-currency": "EUR"}  # fmt: skip
    page = web.submit(f"/assets/{flat.id}/forfeit", fields)
    assert page.status == 422 and "before the asset was seized" in page.error_beside("forfeited_on")


def test_the_change_button_brings_the_form_back_as_filled(web, fund, session_factory):
    web.sign_in("alice")
    with session_factory() as session:
        flat = session.scalar(select(Asset).where(Asset.kind == "real_estate"))
    fields = {"order_reference": "FO-014/9", **dates("forfeited_on", date(2026, 3, 20)),
              "value": "240000", "value-currency": "EUR"}  # fmt: skip
    confirm = web.submit(f"/assets/{flat.id}/forfeit", fields)
    form = web.change(confirm)
    assert form.status == 200 and form.soup.find(id="order_reference")["value"] == "FO-014/9"
    assert form.soup.find(id="value")["value"] == "240000"


def test_an_amount_in_another_locales_format_is_refused_with_an_example(web, fund, session_factory):
    web.sign_in("alice")
    with session_factory() as session:
        flat = session.scalar(select(Asset).where(Asset.kind == "real_estate"))
    fields = {"order_reference": "FO-014/9", **dates("forfeited_on", date(2026, 3, 20)),
              "value": "1.234,50", "value-currency": "EUR"}  # fmt: skip
    page = web.submit(f"/assets/{flat.id}/forfeit", fields)
    assert page.status == 422  # en_GB reads "1.234,50" as nothing sensible
    assert "1,234.50" in page.error_beside("value")


def test_a_court_cannot_open_the_seizure_form(web, fund):
    web.sign_in("registry")
    assert web.get("/assets/new").status == 403
