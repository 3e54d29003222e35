"""Victims through their pages: registering (each way of paying), each invalid field, the
core's refusals beside their fields, a double submit, an administrator's audited view and
change, and no personal data on any page a court or an auditor can open."""

from __future__ import annotations

import json
import tomllib
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from stdnum import iban as iban_number

from ledger import events
from ledger.models import AuditEvent, Victim
from tests.web.conftest import WebClient, dates

DEMO = Path(__file__).parents[2] / "ledger" / "demo" / "fund.toml"
IBAN = "PT50000201231234567890154"  # a valid Portuguese IBAN
NEW_VICTIM = {
    "full_name": "Joana Marques",
    **dates("date_of_birth", date(1990, 4, 12)),
    "contact": "+351 913 555 010",
    "country_of_residence": "PT",
    "returned_home": "no",
    "method": "iban",
    "iban": "PT50 0002 0123 1234 5678 9015 4",
    "bic": "CGDIPTPL",
    "payment_currency": "EUR",
}


def demo_personal_data() -> list[str]:
    """Every piece of personal data of the demo's victims, as a page could print it."""
    steps = tomllib.loads(DEMO.read_text(encoding="utf-8"))["steps"]
    found: list[str] = []
    for step in steps:
        if step["step"] != "register_victim":
            continue
        found.append(step["full_name"])
        if step.get("contact"):
            found.append(step["contact"])
        if step.get("date_of_birth"):
            born = step["date_of_birth"]
            found += [born.isoformat(), f"{born.day} {born:%b} {born.year}"]
        payment = step["payment"]
        for key in ("iban", "account_number", "bic", "intermediary", "reference"):
            if payment.get(key):
                found.append(payment[key])
        if payment.get("iban"):
            found.append(iban_number.format(payment["iban"]))
    assert len(found) > 20
    return found


PERSONAL = demo_personal_data()


def assert_no_personal_data(text: str, where: str) -> None:
    for secret in PERSONAL:
        assert secret not in text, (where, secret)


def count(session_factory, model=Victim) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(model))


def audit(session_factory, action: str) -> list[AuditEvent]:
    with session_factory() as session:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return list(session.scalars(query))


# -- registering ---------------------------------------------------------------------------


def test_an_administrator_registers_a_victim_and_sees_the_personal_data(web, fund, session_factory):
    web.sign_in("alice")
    before = count(session_factory)
    page = web.submit("/victims/new", NEW_VICTIM)
    assert page.status == 200, page.title
    assert page.heading == "V-000006"
    assert "Victim registered with the code V-000006." in page.banner
    text = page.text()
    assert "Joana Marques" in text and "12 Apr 1990" in text and "+351 913 555 010" in text
    assert IBAN in text and "CGDIPTPL" in text
    assert count(session_factory) == before + 1
    [registered] = audit(session_factory, events.VICTIM_REGISTERED)[-1:]
    assert registered.subject_id == "V-000006" and "Joana" not in (registered.after or "")


def test_each_way_of_paying_is_recorded(web, fund, session_factory):
    web.sign_in("alice")
    ways = {
        "account": {"account_number": "987-6-54321-0", "account_bic": "BKKBTHBK",
                    "bank_country": "TH", "payment_currency": "THB"},
        "intermediary": {"intermediary": "Bangkok Partner Office", "reference": "BPO-77",
                         "payment_currency": "USD"},
        "cash": {"payment_currency": "EUR"},
    }  # fmt: skip
    shown = {
        "account": ["987-6-54321-0", "BKKBTHBK", "Thailand (TH)", "THB"],
        "intermediary": ["Bangkok Partner Office", "BPO-77", "Through an intermediary"],
        "cash": ["Cash"],
    }
    for method, fields in ways.items():
        base = {"full_name": f"Someone paid by {method}", "country_of_residence": "TH",
                "returned_home": "yes", "method": method}  # fmt: skip
        page = web.submit("/victims/new", {**base, **fields})
        assert page.status == 200 and "registered with the code" in page.banner, (
            method,
            page.title,
        )
        for value in shown[method]:
            assert value in page.text(), (method, value)
    with session_factory() as session:
        methods = session.scalars(select(Victim.payment_method).order_by(Victim.id.desc()).limit(3))
        assert list(methods) == ["cash", "intermediary", "bank_transfer"]


def test_the_boxes_of_another_way_of_paying_are_ignored(web, fund, session_factory):
    web.sign_in("alice")
    page = web.submit("/victims/new", {**NEW_VICTIM, "method": "cash", "iban": "not an iban"})
    assert page.status == 200, page.error_summary()
    assert "IBAN" not in page.text()


def test_a_court_registering_a_victim_is_shown_the_code_only(app, fund, session_factory):
    web = WebClient(app.test_client())
    web.sign_in("registry")
    form = web.get("/victims/new")
    assert "you are shown the victim" in form.text()
    page = web.send(form, NEW_VICTIM)
    assert page.status == 200 and page.heading == "V-000006"
    assert "V-000006" in page.banner
    for secret in ("Joana Marques", "+351 913 555 010", IBAN, "PT50 0002", "CGDIPTPL", "1990"):
        assert secret not in page.html, secret
    assert "administrators only" in page.text()
    assert "/awards/new?victim_id=6" in page.html  # the next step: the court's award
    assert audit(session_factory, events.PERSONAL_DATA_VIEWED) == []


def test_an_empty_form_names_each_field_it_needs(web, fund):
    web.sign_in("alice")
    page = web.submit("/victims/new", {})
    assert page.status == 422 and page.title.startswith("Error: ")
    summary = page.error_summary()
    assert set(summary) == {"full_name", "country_of_residence", "returned_home", "method"}
    assert "full name" in page.error_beside("full_name")
    assert "Choose the country" in page.error_beside("country_of_residence")
    assert "returned home" in page.error_beside("returned_home")
    assert "Choose how the victim is paid" in page.error_beside("method")
    assert page.soup.find(id="full_name")["aria-invalid"] == "true"


def test_each_way_of_paying_asks_for_its_own_boxes(web, fund):
    web.sign_in("alice")
    needed = {
        "iban": {"iban", "bic"},
        "account": {"account_number", "account_bic", "bank_country"},
        "intermediary": {"intermediary", "reference"},
    }
    for method, fields in needed.items():
        empty = dict.fromkeys(["iban", "bic", "account_number", "account_bic", "bank_country",
                               "intermediary", "reference"], "")  # fmt: skip
        page = web.submit("/victims/new", {**NEW_VICTIM, **empty, "method": method})
        assert page.status == 422, method
        assert set(page.error_summary()) == fields, (method, page.error_summary())
        for name in fields:
            assert page.error_beside(name).startswith("Error: Enter") or "Choose" in (
                page.error_beside(name)
            ), (method, name, page.error_beside(name))


def test_a_date_of_birth_must_be_a_real_date_in_the_past(web, fund):
    web.sign_in("alice")
    not_a_day = {
        "date_of_birth-day": "31",
        "date_of_birth-month": "2",
        "date_of_birth-year": "1990",
    }
    page = web.submit("/victims/new", {**NEW_VICTIM, **not_a_day})
    assert page.status == 422 and "real date" in page.error_beside("date_of_birth")
    page = web.submit("/victims/new", {**NEW_VICTIM, **dates("date_of_birth", date(2099, 1, 1))})
    assert page.status == 422 and "future" in page.error_beside("date_of_birth")
    page = web.submit("/victims/new", {**NEW_VICTIM, **dates("date_of_birth", date(1850, 1, 1))})
    assert page.status == 422 and "plausible" in page.error_beside("date_of_birth")


def test_bank_details_the_core_refuses_appear_beside_their_fields(web, fund, session_factory):
    web.sign_in("alice")
    before = count(session_factory)
    page = web.submit("/victims/new", {**NEW_VICTIM, "iban": "PT50000201231234567890155"})
    assert page.status == 422 and "not a valid IBAN" in page.error_beside("iban")
    page = web.submit("/victims/new", {**NEW_VICTIM, "bic": "NOTABIC!"})
    assert page.status == 422 and "not a valid BIC" in page.error_beside("bic")
    account = {"method": "account", "account_number": "123-4", "account_bic": "BKKBTHBK",
               "bank_country": "PT"}  # fmt: skip
    page = web.submit("/victims/new", {**NEW_VICTIM, **account})
    assert page.status == 422 and "bank_country" in page.error_beside("account_bic")
    assert count(session_factory) == before


def test_a_double_submitted_registration_registers_once(web, fund, session_factory):
    web.sign_in("alice")
    form = web.get("/victims/new")
    before = count(session_factory)
    first = web.send(form, NEW_VICTIM, follow=False)
    second = web.send(form, NEW_VICTIM, follow=False)
    assert first.status == second.status == 303
    assert second.response.location == first.response.location
    assert count(session_factory) == before + 1


# -- the list and a victim's page ----------------------------------------------------------


def test_the_list_shows_codes_and_filters_by_code(web, fund):
    web.sign_in("inspector")
    page = web.get("/victims")
    assert page.status == 200
    codes = [a.get_text() for a in page.soup.select("main table a")]
    assert codes == [f"V-00000{i}" for i in range(1, 6)]
    filtered = web.get("/victims?code=0003")
    assert [a.get_text() for a in filtered.soup.select("main table a")] == ["V-000003"]
    assert "Philippines (PH)" in filtered.text() or "Philippines" in filtered.text()
    download = web.client.get("/victims?code=0003&format=csv")
    assert download.status_code == 200
    body = download.get_data(as_text=True)
    assert "V-000003" in body and "V-000001" not in body


def test_each_administrators_view_of_personal_data_is_audited(web, fund, session_factory):
    web.sign_in("alice")
    before = len(audit(session_factory, events.PERSONAL_DATA_VIEWED))
    for _ in range(2):
        page = web.get("/victims/2")
        assert "Somchai Wongsakul" in page.text() and "123-4-56789-0" in page.text()
    viewed = audit(session_factory, events.PERSONAL_DATA_VIEWED)
    assert len(viewed) == before + 2
    assert {(e.actor, e.subject_id) for e in viewed[before:]} == {("alice", "V-000002")}


def test_no_page_a_court_or_an_auditor_opens_shows_personal_data(app, fund, session_factory):
    """Every page of victims and awards these roles may open, and the lists' files."""
    for person in ("registry", "inspector"):
        web = WebClient(app.test_client())
        web.sign_in(person)
        if person == "registry":  # a court sees its own awards only: give it one
            own = web.submit("/awards/new", {"case_id": "1", "victim_id": "1",
                             "order_reference": "AO-900/1", **dates("ordered_on", date(2026, 3, 2)),
                             "amount": "100.00", "amount-currency": "EUR"})  # fmt: skip
            assert own.heading.startswith("Award 6"), own.error_summary()
        paths = ["/victims", "/victims?code=V", "/awards", "/awards/new", "/victims/new"]
        paths += [f"/victims/{i}" for i in range(1, 6)]
        paths += [f"/awards/{i}" for i in range(1, 7)]
        paths += [f"/victims/{i}/change" for i in range(1, 6)]
        for path in paths:
            page = web.get(path)
            assert page.status in (200, 403, 404), (person, path, page.status)
            assert_no_personal_data(page.html, (person, path))
            assert_no_personal_data(page.text(), (person, path))
        for path in ("/victims?format=csv", "/awards?format=csv", "/awards?format=xlsx"):
            body = web.client.get(path).get_data()
            for secret in PERSONAL:
                assert secret.encode() not in body, (person, path, secret)
    assert audit(session_factory, events.PERSONAL_DATA_VIEWED) == []


# -- changing ------------------------------------------------------------------------------


def test_an_administrator_changes_how_a_victim_is_paid(web, fund, session_factory):
    web.sign_in("alice")
    form = web.get("/victims/1/change")
    assert form.status == 200
    assert form.soup.find(id="contact").get_text() == "+351 912 000 001"
    assert form.soup.find(id="iban")["value"] == IBAN
    assert form.soup.find("input", {"name": "method", "value": "iban"}).has_attr("checked")
    change = {"contact": "ana.f@example.org", "returned_home": "yes", "country_of_residence": "BR",
              "method": "intermediary", "intermediary": "Casa Abrigo", "reference": "CA-19",
              "payment_currency": "USD"}  # fmt: skip
    page = web.send(form, change)
    assert page.status == 200 and page.heading == "V-000001"
    assert "The details of V-000001 are saved." in page.banner
    text = page.text()
    assert "ana.f@example.org" in text and "Casa Abrigo" in text and "CA-19" in text
    assert "Brazil (BR)" in text and "Ana Ferreira" in text  # the name stays as registered
    [changed] = audit(session_factory, events.VICTIM_CHANGED)
    logged = (changed.before or "") + (changed.after or "")
    assert sorted(json.loads(changed.after)["changed"]) == [
        "contact", "country_of_residence", "payment", "returned_home",
    ]  # fmt: skip
    for secret in ("ana.f@example.org", "Casa Abrigo", "CA-19", "+351 912 000 001", IBAN):
        assert secret not in logged, secret


def test_a_refused_change_shows_its_reason_and_changes_nothing(web, fund, session_factory):
    web.sign_in("alice")
    page = web.submit("/victims/1/change", {"iban": "PT00 1234"})
    assert page.status == 422 and "not a valid IBAN" in page.error_beside("iban")
    assert page.heading == "Change how the victim is reached and paid"
    assert audit(session_factory, events.VICTIM_CHANGED) == []
    page = web.submit("/victims/1/change", {"method": "account", "account_number": ""})
    assert page.status == 422 and set(page.error_summary()) >= {"account_number"}


def test_a_court_and_an_auditor_cannot_change_a_victim(app, fund, session_factory):
    for person in ("registry", "inspector"):
        web = WebClient(app.test_client())
        web.sign_in(person)
        assert web.get("/victims/1/change").status == 403
        token = web.get("/account").form("main form[action$='/account/tokens']")["csrf_token"]
        posted = web.client.post("/victims/1/change", data={"csrf_token": token, "contact": "x"})
        assert posted.status_code == 403
        page = web.get("/victims/1")
        assert "Change contact" not in page.text()
    assert audit(session_factory, events.VICTIM_CHANGED) == []
